/**
 * The company directory from DingTalk (dingtalk-api.md §8) and 免登 sign-in (§9), as neutral org facts:
 * every department is an office (办事处, parent kept), a member's first department is their office, and
 * `manager_userid` (直属主管) is their direct supervisor. user/list returns direct members only and no
 * manager_userid, so a full sync reads each member once with user/get: about departments + 2 × members calls
 * (mind the monthly quota; change events then update one member at a time).
 */
import { deriveRoles, type Office, type Person } from '../../domain/org';
import type { DingtalkClient, DingtalkDepartment, DingtalkUser } from './client';

export const ROOT_DEPT = 1;

/** Every department under the root (breadth first, the root included) and every member once, with manager. */
export async function fetchDingtalkDirectory(client: DingtalkClient): Promise<{ departments: DingtalkDepartment[]; users: DingtalkUser[] }> {
  const root = await client.getDepartment(ROOT_DEPT);
  const departments: DingtalkDepartment[] = [{ ...root, parentId: null }];
  for (let i = 0; i < departments.length; i++) {
    departments.push(...(await client.listSubDepartments(departments[i]!.id)));
  }
  const seen = new Map<string, DingtalkUser>();
  for (const d of departments) {
    for (const u of await client.listDepartmentUsers(d.id)) {
      const prev = seen.get(u.userId);
      if (prev) prev.leaderInDept.push(...u.leaderInDept);
      else seen.set(u.userId, u);
    }
  }
  const users: DingtalkUser[] = [];
  for (const u of seen.values()) {
    const full = await client.getUser(u.userId);
    users.push({ ...u, ...full, leaderInDept: full.leaderInDept.length ? full.leaderInDept : u.leaderInDept });
  }
  return { departments, users };
}

export function officeFromDingtalk(d: DingtalkDepartment): Office {
  return { id: String(d.id), name: d.name, parentId: d.parentId === null ? null : String(d.parentId) };
}

/** Everyone someone names as manager. */
export function dingtalkLeaders(users: readonly DingtalkUser[]): Set<string> {
  return new Set(users.filter((u) => u.active && u.managerUserId).map((u) => u.managerUserId!));
}

export function personFromDingtalk(u: DingtalkUser, leaders: ReadonlySet<string>, granted: readonly string[] = []): Person & { active: boolean } {
  const officeId = u.deptIds[0] !== undefined ? String(u.deptIds[0]) : null;
  const isLeaderInDept = u.leaderInDept.some((l) => l.leader);
  return {
    userId: u.userId, name: u.name, officeId, supervisorId: u.managerUserId ?? null,
    roles: deriveRoles({ userId: u.userId, officeId, isLeaderInDept, granted }, leaders), active: u.active,
  };
}

/**
 * 免登 for the dashboard inside DingTalk: the page calls dd.requestAuthCode({corpId, clientId}) and posts the code;
 * this turns it into the member's userid (null for a refused/expired code). Office scoping is then the same as
 * WeCom's OAuth: by the person's stored office and role.
 */
export function createDingtalkSignIn(client: DingtalkClient) {
  return { userIdByCode: (code: string) => (code && code.length <= 128 ? client.userIdByAuthCode(code) : Promise.resolve(null)) };
}
