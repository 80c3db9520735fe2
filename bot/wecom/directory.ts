/**
 * The org from WeCom's own directory (process-spec: "Org facts come from WeCom's directory"): every visible
 * department is an office (办事处, parent ids kept), a member's main_department is their office, direct_leader[0]
 * their direct supervisor (直属上级), and roles are derived (domain/org.ts). A full sync replaces the stored org
 * in one transaction; a contact-change event updates one member or the offices. A failing WeCom call never
 * crashes anything: it is logged with a hint and the existing org stays as it was.
 */
import { classifyWecomError, hintFor, type ApiLogger, type WecomClient, type WecomDepartment, type WecomUser } from './api';
import { WecomApiError, errorMessage } from '../errors';
import type { ContactChangeEvent } from './events';
import type { Clock } from '../../domain/clock';
import { deriveRoles, leadersOf, validateOrg, type Office, type Person } from '../../domain/org';
import type { Database, DbOrTx } from '../../store/db';
import {
  deactivatePerson, directReports, getPerson, listPeople, reassignSupervisor, replaceOrg, upsertOffices, upsertPerson,
} from '../../store/org';

export interface OrgSyncDeps {
  database: Database;
  client: WecomClient;
  clock: Clock;
  log: ApiLogger;
}

export type OrgSyncResult =
  | { ok: true; offices: number; people: number; deactivated: number; warnings: number }
  | { ok: false; error: string; errcode?: number; hint?: string };

/** Directory errcodes the general client policy has no hint for. */
const DIRECTORY_HINTS: Record<number, string> = {
  60011: 'the app may not read this part of the directory: add the sales departments (or the root department) to the app’s 可见范围 (应用管理 → your app → 可见范围)',
  60111: 'no such userid in the directory (deleted, or outside the app’s 可见范围)',
};

export function directoryHint(errcode: number | undefined): string | undefined {
  return errcode === undefined ? undefined : (hintFor(errcode) ?? DIRECTORY_HINTS[errcode]);
}

const errcodeOf = (err: unknown) => (err instanceof WecomApiError ? err.errcode : undefined);

/** 2 disabled, 5 quit: no longer part of the org. 4 (not yet activated) is still a member. */
const isActiveMember = (u: WecomUser) => u.status !== 2 && u.status !== 5;

export function officeFromDepartment(d: WecomDepartment): Office {
  return { id: String(d.id), name: d.name, parentId: d.parentId ? String(d.parentId) : null };
}

export function personFromWecom(u: WecomUser, leaders: ReadonlySet<string>, granted: readonly string[] = []): Person & { active: boolean } {
  const main = u.mainDepartment ?? u.department[0];
  const officeId = main ? String(main) : null;
  return {
    userId: u.userId, name: u.name, officeId, supervisorId: u.directLeader[0] ?? null,
    roles: deriveRoles({ userId: u.userId, officeId, granted }, leaders), active: isActiveMember(u),
  };
}

/** department/list (the whole visible tree), then user/list per department; members of several departments once. */
export async function fetchDirectory(client: WecomClient): Promise<{ departments: WecomDepartment[]; users: WecomUser[] }> {
  const departments = await client.listDepartments();
  const users = new Map<string, WecomUser>();
  for (const d of departments) {
    for (const u of await client.listDepartmentUsers(d.id)) if (!users.has(u.userId)) users.set(u.userId, u);
  }
  return { departments, users: [...users.values()] };
}

/** A full sync. Never throws: on any failure the stored org is left exactly as it was. */
export async function syncOrgFromWecom(deps: OrgSyncDeps): Promise<OrgSyncResult> {
  const { log } = deps;
  let dir: Awaited<ReturnType<typeof fetchDirectory>>;
  try {
    dir = await fetchDirectory(deps.client);
  } catch (err) {
    const errcode = errcodeOf(err);
    const hint = directoryHint(errcode);
    log.warn({ err: errorMessage(err), errcode, hint }, 'org sync from WeCom failed; keeping the existing org');
    return { ok: false, error: errorMessage(err), errcode, hint };
  }
  if (!dir.users.some(isActiveMember)) {
    const error = 'WeCom returned no active members (is the app’s 可见范围 empty?)';
    log.warn({ departments: dir.departments.length }, `org sync: ${error}; keeping the existing org`);
    return { ok: false, error };
  }
  try {
    return await deps.database.db.transaction(async (tx) => {
      // Reviewer and admin cannot come from WeCom: keep whatever configuration or PUT /api/org granted.
      const granted = new Map((await listPeople(tx, { activeOnly: false })).map((p) => [p.userId, p.roles]));
      const leaders = leadersOf(dir.users.filter(isActiveMember));
      const offices = dir.departments.map(officeFromDepartment);
      const people = dir.users.map((u) => personFromWecom(u, leaders, granted.get(u.userId)));
      const problems = validateOrg({ offices, people }, { requireKnownParents: false });
      for (const p of problems.slice(0, 20)) log.warn({ path: p.path }, `org sync: ${p.message}`);
      const result = await replaceOrg(tx, { offices, people }, deps.clock.now(), 'wecom');
      log.info({ ...result, warnings: problems.length }, 'org synced from WeCom');
      return { ok: true as const, ...result, warnings: problems.length };
    });
  } catch (err) {
    log.error({ err: errorMessage(err) }, 'org sync: writing the org failed; keeping the existing org');
    return { ok: false, error: errorMessage(err) };
  }
}

/**
 * Makes a stored person a supervisor now that someone reports to them (keeping reviewer/admin). Roles are only
 * ever added here: whether an old leader still leads anyone is settled by the next full sync.
 */
async function promoteLeader(on: DbOrTx, userId: string | undefined, now: Date): Promise<void> {
  const p = userId ? await getPerson(on, userId) : null;
  if (!p || p.roles.includes('supervisor')) return;
  const roles = deriveRoles({ userId: p.userId, officeId: p.officeId, granted: p.roles }, new Set([p.userId]));
  await upsertPerson(on, { ...p, roles }, now);
}

export type ContactChangeOutcome = 'updated' | 'deactivated' | 'offices_synced' | 'skipped' | 'ignored';

/**
 * Applies one change_contact event. WeCom is asked first, then the writes happen on `on` (the handler's
 * transaction). Transient WeCom failures throw (the inbox retries the row); permanent ones (no privilege…) are
 * logged with a hint and skipped, leaving the org unchanged.
 */
export async function applyContactChange(
  on: DbOrTx, client: WecomClient, event: ContactChangeEvent, now: Date, log: ApiLogger,
): Promise<ContactChangeOutcome> {
  const ask = async <T>(what: string, call: () => Promise<T>): Promise<T | 'gone' | 'skip'> => {
    try {
      return await call();
    } catch (err) {
      const errcode = errcodeOf(err);
      if (errcode === 60111) return 'gone';
      const cls = classifyWecomError(err);
      if (cls === 'transient' || cls === 'rate_limited' || cls === 'token') throw err;
      log.warn({ err: errorMessage(err), errcode, hint: directoryHint(errcode), changeType: event.changeType }, `${what} failed; org unchanged`);
      return 'skip';
    }
  };

  switch (event.changeType) {
    case 'create_user':
    case 'update_user': {
      const id = event.newUserId || event.subjectUserId;
      if (!id) return 'ignored';
      const user = await ask('user/get', () => client.getUser(id));
      if (user === 'skip') return 'skipped';
      if (user === 'gone') return (await deactivatePerson(on, id, now)) ? 'deactivated' : 'ignored';
      const renamedFrom = event.newUserId && event.subjectUserId && event.newUserId !== event.subjectUserId ? event.subjectUserId : null;
      const before = (await getPerson(on, user.userId)) ?? (renamedFrom ? await getPerson(on, renamedFrom) : null);
      if (renamedFrom) {
        await reassignSupervisor(on, renamedFrom, user.userId, now);
        await deactivatePerson(on, renamedFrom, now);
      }
      const leaders = new Set((await directReports(on, user.userId)).length ? [user.userId] : []);
      await upsertPerson(on, personFromWecom(user, leaders, before?.roles ?? []), now);
      await promoteLeader(on, user.directLeader[0], now);
      return 'updated';
    }
    case 'delete_user': {
      if (!event.subjectUserId) return 'ignored';
      return (await deactivatePerson(on, event.subjectUserId, now)) ? 'deactivated' : 'ignored';
    }
    case 'create_party':
    case 'update_party':
    case 'delete_party': {
      // A deleted department stays as an office: people and history still point at it.
      const departments = await ask('department/list', () => client.listDepartments());
      if (departments === 'skip' || departments === 'gone') return 'skipped';
      await upsertOffices(on, departments.map(officeFromDepartment), now);
      return 'offices_synced';
    }
    default:
      return 'ignored';
  }
}
