/**
 * The org from DingTalk's directory (./directory.ts): departments are offices, a member's first
 * department their office, manager_userid their direct supervisor. Same guarantees as the WeCom sync
 * (bot/wecom/directory.ts): a full sync replaces the stored org in one transaction and never throws; a directory
 * change event updates one member (or the offices); transient DingTalk failures throw so the inbox retries the row.
 */
import type { ContactChangedEvent } from '../channel';
import type { Router } from '../router';
import type { DingtalkClient, DingtalkDepartment } from './client';
import { classifyDingtalkError, DingtalkApiError } from './errors';
import { dingtalkLeaders, fetchDingtalkDirectory, officeFromDingtalk, personFromDingtalk, ROOT_DEPT } from './directory';
import type { DingtalkLogger } from './http';
import type { Clock } from '../../domain/clock';
import { deriveRoles, validateOrg } from '../../domain/org';
import type { Database, DbOrTx } from '../../store/db';
import { deactivatePerson, directReports, getPerson, listPeople, replaceOrg, upsertOffices, upsertPerson } from '../../store/org';

/** The same outcome shape as the WeCom sync, so ops routes and the start-up sync treat both alike. */
export type OrgSyncResult =
  | { ok: true; offices: number; people: number; deactivated: number; warnings: number }
  | { ok: false; error: string; errcode?: number; hint?: string };

export interface DingtalkOrgSyncDeps { database: Database; client: DingtalkClient; clock: Clock; log: DingtalkLogger }

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export async function syncOrgFromDingtalk(deps: DingtalkOrgSyncDeps): Promise<OrgSyncResult> {
  const { log } = deps;
  let dir: Awaited<ReturnType<typeof fetchDingtalkDirectory>>;
  try {
    dir = await fetchDingtalkDirectory(deps.client);
  } catch (err) {
    log.warn({ err: message(err) }, 'org sync from DingTalk failed; keeping the existing org');
    return { ok: false, error: message(err) };
  }
  if (!dir.users.some((u) => u.active)) {
    const error = 'DingTalk returned no active members (is the app’s 可见范围 / 通讯录权限 empty?)';
    log.warn({ departments: dir.departments.length }, `org sync: ${error}; keeping the existing org`);
    return { ok: false, error };
  }
  try {
    return await deps.database.db.transaction(async (tx) => {
      const granted = new Map((await listPeople(tx, { activeOnly: false })).map((p) => [p.userId, p.roles]));
      const leaders = dingtalkLeaders(dir.users);
      const offices = dir.departments.map(officeFromDingtalk);
      const people = dir.users.map((u) => personFromDingtalk(u, leaders, granted.get(u.userId)));
      const problems = validateOrg({ offices, people }, { requireKnownParents: false });
      for (const p of problems.slice(0, 20)) log.warn({ path: p.path }, `org sync: ${p.message}`);
      const result = await replaceOrg(tx, { offices, people }, deps.clock.now(), 'dingtalk');
      log.info({ ...result, warnings: problems.length }, 'org synced from DingTalk');
      return { ok: true as const, ...result, warnings: problems.length };
    });
  } catch (err) {
    log.error({ err: message(err) }, 'org sync: writing the org failed; keeping the existing org');
    return { ok: false, error: message(err) };
  }
}

/** Every department, for an office change (deleted departments stay as offices: people and history point at them). */
async function allDepartments(client: DingtalkClient): Promise<DingtalkDepartment[]> {
  const root = await client.getDepartment(ROOT_DEPT);
  const out: DingtalkDepartment[] = [{ ...root, parentId: null }];
  for (let i = 0; i < out.length; i++) out.push(...(await client.listSubDepartments(out[i]!.id)));
  return out;
}

/** Applies one directory change event (user_add_org, user_modify_org, user_leave_org, org_dept_*). */
export async function applyDingtalkContactChange(
  on: DbOrTx, client: DingtalkClient, event: ContactChangedEvent, now: Date, log: DingtalkLogger,
): Promise<'updated' | 'deactivated' | 'offices_synced' | 'skipped' | 'ignored'> {
  const ask = async <T>(what: string, call: () => Promise<T>): Promise<T | 'gone' | 'skip'> => {
    try {
      return await call();
    } catch (err) {
      if (err instanceof DingtalkApiError && err.code === '60121') return 'gone'; // 找不到该用户
      const cls = classifyDingtalkError(err);
      if (cls === 'transient' || cls === 'rate_limited' || cls === 'token' || cls === 'quota') throw err;
      log.warn({ err: message(err), change: event.change }, `${what} failed; org unchanged`);
      return 'skip';
    }
  };
  switch (event.change) {
    case 'create_user':
    case 'update_user': {
      const id = event.subjectUserId;
      if (!id) return 'ignored';
      const user = await ask('user/get', () => client.getUser(id));
      if (user === 'skip') return 'skipped';
      if (user === 'gone') return (await deactivatePerson(on, id, now)) ? 'deactivated' : 'ignored';
      const before = await getPerson(on, id);
      const leaders = new Set((await directReports(on, id)).length ? [id] : []);
      await upsertPerson(on, personFromDingtalk(user, leaders, before?.roles ?? []), now);
      const manager = user.managerUserId ? await getPerson(on, user.managerUserId) : null;
      if (manager && !manager.roles.includes('supervisor')) {
        const roles = deriveRoles({ userId: manager.userId, officeId: manager.officeId, granted: manager.roles }, new Set([manager.userId]));
        await upsertPerson(on, { ...manager, roles }, now);
      }
      return 'updated';
    }
    case 'delete_user':
      return event.subjectUserId && (await deactivatePerson(on, event.subjectUserId, now)) ? 'deactivated' : 'ignored';
    case 'create_party':
    case 'update_party':
    case 'delete_party': {
      const departments = await ask('department/listsub', () => allDepartments(client));
      if (departments === 'skip' || departments === 'gone') return 'skipped';
      await upsertOffices(on, departments.map(officeFromDingtalk), now);
      return 'offices_synced';
    }
    default:
      return 'ignored';
  }
}

/**
 * Registers DingTalk's directory change events (the org keeps itself current between full syncs). The directory
 * reads run inside the event's transaction: DingTalk answers these in milliseconds, and a transient failure
 * throws so the inbox retries the row.
 */
export function registerDingtalkContactEvents(router: Router, deps: { client: DingtalkClient }): void {
  router.on('contact.changed', async (ctx, next) => {
    if (ctx.event.channel !== 'dingtalk') return next();
    const outcome = await applyDingtalkContactChange(ctx.tx, deps.client, ctx.event, ctx.now, ctx.log);
    ctx.log.info({ change: ctx.event.change, subject: ctx.event.subjectUserId ?? ctx.event.departmentId, outcome }, 'contact change applied to the org');
  });
}
