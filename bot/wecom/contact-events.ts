/**
 * Keeps the org current between full syncs: WeCom's change_contact events (member created, updated or deleted;
 * department created, updated or deleted). WeCom is asked first, before the transaction opens (router.prepare),
 * then the changes are written on ctx.tx by the same code the full sync uses, replaying the answers.
 */
import { classifyWecomError, type WecomClient } from './api';
import type { ContactChangeEvent } from './events';
import type { ContactChangedEvent } from '../channel';
import type { Router } from '../router';
import { applyContactChange } from './directory';

export interface OrgHandlerDeps {
  client: WecomClient;
}

type Answer<T> = { ok: true; value: T } | { ok: false; error: unknown };
interface Prefetched { user?: Answer<Awaited<ReturnType<WecomClient['getUser']>>>; departments?: Answer<Awaited<ReturnType<WecomClient['listDepartments']>>> }

async function answer<T>(call: () => Promise<T>): Promise<Answer<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (err) {
    const cls = classifyWecomError(err);
    if (cls === 'transient' || cls === 'rate_limited' || cls === 'token') throw err; // the inbox retries the row
    return { ok: false, error: err };
  }
}

/** Fetches what a change needs from WeCom, outside any transaction. */
async function prefetch(client: WecomClient, e: ContactChangeEvent): Promise<Prefetched> {
  if (e.changeType === 'create_user' || e.changeType === 'update_user') {
    const id = e.newUserId || e.subjectUserId;
    return id ? { user: await answer(() => client.getUser(id)) } : {};
  }
  if (e.changeType.endsWith('_party')) return { departments: await answer(() => client.listDepartments()) };
  return {};
}

/** A client that replays the prefetched answers (and refuses anything else: no WeCom call inside the transaction). */
function replay(p: Prefetched): WecomClient {
  const give = <T>(a: Answer<T> | undefined, what: string): Promise<T> => {
    if (!a) return Promise.reject(new Error(`${what} was not prefetched`));
    return a.ok ? Promise.resolve(a.value) : Promise.reject(a.error);
  };
  return new Proxy({} as WecomClient, {
    get: (_t, prop) => {
      if (prop === 'getUser') return () => give(p.user, 'user/get');
      if (prop === 'listDepartments') return () => give(p.departments, 'department/list');
      return () => Promise.reject(new Error(`WeCom ${String(prop)} is not available inside the org transaction`));
    },
  });
}

/** Registers WeCom's change_contact events (the directory keeps itself current between full syncs). */
export function registerContactEvents(router: Router, deps: OrgHandlerDeps): void {
  const asWecom = (e: ContactChangedEvent): ContactChangeEvent => ({
    kind: 'event.change_contact', userId: e.userId, agentId: null, createTime: e.createTime, changeType: e.change,
    ...(e.subjectUserId ? { subjectUserId: e.subjectUserId } : {}), ...(e.newUserId ? { newUserId: e.newUserId } : {}),
    ...(e.departmentId ? { departmentId: e.departmentId } : {}),
  });
  router.prepare('contact.changed', (e) => (e.channel === 'wecom' ? prefetch(deps.client, asWecom(e)) : Promise.resolve(undefined)));
  router.on('contact.changed', async (ctx, next) => {
    if (ctx.event.channel !== 'wecom') return next();
    const event = asWecom(ctx.event);
    const { changeType, subjectUserId, newUserId, departmentId } = event;
    const client = replay((ctx.prepared ?? {}) as Prefetched);
    const outcome = await applyContactChange(ctx.tx, client, event, ctx.now, ctx.log);
    ctx.log.info({ changeType, subjectUserId, newUserId, departmentId, outcome }, 'contact change applied to the org');
  });
}
