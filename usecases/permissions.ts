/**
 * Who may do what (权限), once for every way in. Chat, cards, API, upload page and sandbox ask these; an API call
 * authenticated with ADMIN_TOKEN acts as an admin (`trusted`).
 */
import { listCustomers, teamCustomers, type CustomerRow } from '../store/customers';
import type { DbOrTx } from '../store/db';
import { supervisorChain } from '../store/org';
import { findPerson, type PersonRow } from '../store/people';

/** Who acts: a person (by WeCom userid), or a trusted system caller (admin API) with an optional person named. */
export interface Actor {
  userId: string;
  /** Authenticated as an administrator outside chat (ADMIN_TOKEN). */
  trusted?: boolean;
}

export const isAdmin = (p: PersonRow | null | undefined): boolean => !!p?.roles.includes('admin');

/** WeCom userids are case-insensitive (some APIs answer them lower-cased), so are our comparisons. */
export const sameUser = (a: string | null | undefined, b: string): boolean => !!a && a.toLowerCase() === b.toLowerCase();

/** Owner, the owner's direct supervisor, or an admin may move a customer (and open its card). */
export function mayMove(actorId: string, actor: PersonRow | null, c: Pick<CustomerRow, 'ownerId'>, owner: PersonRow | null): boolean {
  return isAdmin(actor) || sameUser(c.ownerId, actorId) || sameUser(owner?.supervisorId, actorId);
}

/** Only the owner's supervisor or an admin may force a refused move, or hand a customer to another rep. */
export function mayOverride(actorId: string, actor: PersonRow | null, owner: PersonRow | null): boolean {
  return isAdmin(actor) || sameUser(owner?.supervisorId, actorId);
}

/** A supervisor up the rep's chain (5 levels) or an admin may act on a warning card (催办/延期/已处理). */
export async function mayActOnWarning(on: DbOrTx, actorId: string, actor: PersonRow | null, assigneeId: string): Promise<boolean> {
  if (isAdmin(actor)) return true;
  const chain = await supervisorChain(on, assigneeId, 5);
  return chain.some((p) => p.userId === actorId);
}

/** The assigned reviewer or an admin may score a review; never the rep whose task it is. */
export function mayScore(actorId: string, actor: PersonRow | null, review: { repId: string; reviewerId: string }): 'ok' | 'own_task' | 'not_reviewer' {
  if (sameUser(actorId, review.repId)) return 'own_task';
  if (!sameUser(actorId, review.reviewerId) && !isAdmin(actor)) return 'not_reviewer';
  return 'ok';
}

/** The customers an actor may address by name: their own, their reps', or all for an admin. */
export async function visibleCustomers(on: DbOrTx, actorId: string, actor?: PersonRow | null): Promise<CustomerRow[]> {
  const me = actor === undefined ? await findPerson(on, actorId) : actor;
  if (isAdmin(me)) return listCustomers(on, { limit: 5000 });
  return teamCustomers(on, actorId);
}
