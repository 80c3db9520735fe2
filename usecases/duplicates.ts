/**
 * Two reps, one customer (the article's opening story). A new customer whose name matches an active customer of
 * another rep (same name, a unique part, pinyin initials) is still created — the rep is not blocked — but the rep is
 * warned and both reps' direct supervisors get a card: 合并 (merge the new one into the earlier one), 归<rep> (merge
 * and give the customer to that rep), or 不是同一客户. Merging keeps every history row (store/duplicates.ts).
 */
import { duplicateCard } from '../cards/material-cards';
import { customerTexts } from '../cards/customer-texts';
import { materialTexts as T } from '../cards/material-texts';
import { findDuplicates } from '../domain/duplicate-match';
import { findStage } from '../domain/stages';
import type { ProcessDefinition } from '../domain/types';
import { changeOwner, getCustomer, listCustomers, type CustomerRow } from '../store/customers';
import type { Tx } from '../store/db';
import { getDuplicate, insertDuplicate, mergeCustomers, openDuplicatesOf, resolveDuplicateRow } from '../store/duplicates';
import { findPerson, type PersonRow } from '../store/people';
import { card, text } from './emit';
import { maySupervise, type Emit, type Source } from './material-deps';

export interface DuplicateDeps { process: ProcessDefinition; emit: Emit }

const isOpen = (process: ProcessDefinition, c: CustomerRow) => !findStage(process, c.stage)?.outcome;

/** After a customer was created: warns about likely duplicates of other reps' active customers. Returns the warnings raised. */
export async function warnIfDuplicate(tx: Tx, deps: DuplicateDeps, input: { customer: CustomerRow; now: Date }): Promise<number> {
  const c = input.customer;
  const others = (await listCustomers(tx, { limit: 5000 }))
    .filter((x) => x.id !== c.id && x.ownerId.toLowerCase() !== c.ownerId.toLowerCase() && isOpen(deps.process, x));
  const hits = findDuplicates(c.name, others.map((x) => ({ ...x, id: String(x.id) })), 1);
  if (!hits.length) return 0;
  const other = others.find((x) => String(x.id) === hits[0]!.customer.id)!;
  const dup = await insertDuplicate(tx, { customerId: c.id, otherId: other.id, matchKind: hits[0]!.kind }, input.now);
  const [rep, otherRep] = [await findPerson(tx, c.ownerId), await findPerson(tx, other.ownerId)];
  const stageName = (x: CustomerRow) => findStage(deps.process, x.stage)?.name ?? x.stage;
  await deps.emit([c.ownerId], text(T.duplicate.warnRep(c.name, other.name, otherRep?.name ?? other.ownerId)));
  const supervisors = [...new Set([rep?.supervisorId, otherRep?.supervisorId].filter((s): s is string => !!s))];
  if (supervisors.length) {
    await deps.emit(supervisors, card(duplicateCard({
      dupId: dup.id, kind: dup.matchKind,
      created: { id: c.id, name: c.name, ownerId: c.ownerId, ownerName: rep?.name ?? c.ownerId, stageName: stageName(c) },
      other: { id: other.id, name: other.name, ownerId: other.ownerId, ownerName: otherRep?.name ?? other.ownerId, stageName: stageName(other) },
    })));
  }
  return 1;
}

export type MergeResult = { ok: true; kept: CustomerRow; text: string } | { ok: false; status: 403 | 404 | 409 | 400; text: string };

/**
 * Merges customer `dropId` into `keepId` (history kept), optionally giving the kept one to `ownerId`. Admins (or
 * the API with its admin token) and the direct supervisor of either owner may do it. Both reps are told.
 */
export async function mergeCustomer(tx: Tx, deps: DuplicateDeps, input: {
  dropId: number; keepId: number; ownerId?: string | null; actorId: string; adminChecked?: boolean; source: Source; now: Date;
}): Promise<MergeResult> {
  if (input.dropId === input.keepId) return { ok: false, status: 400, text: '不能把客户合并到它自己。' };
  const [drop, keep] = [await getCustomer(tx, input.dropId), await getCustomer(tx, input.keepId)];
  if (!drop || !keep || drop.mergedInto !== null || keep.mergedInto !== null) return { ok: false, status: 404, text: '客户不存在或已被合并。' };
  const actor = await findPerson(tx, input.actorId);
  const owners = [await findPerson(tx, drop.ownerId), await findPerson(tx, keep.ownerId)];
  if (!input.adminChecked && !maySupervise(input.actorId, actor, owners)) return { ok: false, status: 403, text: T.duplicate.notAllowed };
  let newOwner: PersonRow | null = null;
  if (input.ownerId && input.ownerId.toLowerCase() !== keep.ownerId.toLowerCase()) {
    newOwner = await findPerson(tx, input.ownerId);
    if (!newOwner?.active) return { ok: false, status: 400, text: `找不到在职人员 ${input.ownerId}` };
  }
  let kept = await mergeCustomers(tx, { keep, drop, actorId: input.actorId, source: input.source }, input.now);
  if (!kept) return { ok: false, status: 409, text: '客户刚刚被修改，请重试。' };
  if (newOwner) {
    kept = await changeOwner(tx, { customer: kept, ownerId: newOwner.userId, officeId: newOwner.officeId, actorId: input.actorId, source: input.source === 'card' ? 'card' : input.source === 'text' ? 'text' : 'api', note: `合并“${drop.name}”后指派` }, input.now);
    if (!kept) return { ok: false, status: 409, text: '客户刚刚被修改，请重试。' };
  }
  const raised = await openDuplicatesOf(tx, drop.id);
  for (const d of raised) {
    await resolveDuplicateRow(tx, d.id, newOwner ? 'assigned' : 'merged', input.actorId, { keptId: keep.id, droppedId: drop.id, ownerId: kept.ownerId }, input.now);
  }
  const ownerName = newOwner?.name ?? owners[1]?.name ?? kept.ownerId;
  const actorName = nameOfActor(actor, input);
  const notMe = (u: string) => u.toLowerCase() !== input.actorId.toLowerCase();
  const reps = [...new Set([drop.ownerId, keep.ownerId, kept.ownerId])].filter(notMe);
  if (reps.length) await deps.emit(reps, text(T.duplicate.toRep(drop.name, kept.name, ownerName, actorName)));
  // A raised duplicate asked both reps' supervisors: the other one is told it is decided, and how.
  if (raised.length) await tellSupervisors(deps, owners, [input.actorId, ...reps], T.duplicate.toSupervisor(actorName, T.duplicate.merged(drop.name, kept.name, ownerName)));
  return { ok: true, kept, text: T.duplicate.merged(drop.name, kept.name, ownerName) };
}

/** A supervisor's decision on a duplicate warning (card click or API): merge, assign to a rep, or dismiss. */
export async function resolveDuplicate(tx: Tx, deps: DuplicateDeps, input: {
  duplicateId: number; action: 'merge' | 'assign' | 'dismiss'; ownerId?: string | null; actorId: string; adminChecked?: boolean; source: Source; now: Date;
}): Promise<MergeResult> {
  const dup = await getDuplicate(tx, input.duplicateId);
  if (!dup) return { ok: false, status: 404, text: '没有这条疑似重复记录。' };
  if (dup.status !== 'open') {
    // Say who decided, and what (the other supervisor's card still shows the buttons).
    const by = dup.resolvedBy ? await findPerson(tx, dup.resolvedBy) : null;
    return { ok: false, status: 409, text: by ? T.duplicate.alreadyBy(by.name, T.duplicate.outcome[dup.status] ?? dup.status) : T.duplicate.already };
  }
  if (input.action === 'dismiss') {
    const [a, b] = [await getCustomer(tx, dup.customerId), await getCustomer(tx, dup.otherId)];
    const actor = await findPerson(tx, input.actorId);
    const owners = [a ? await findPerson(tx, a.ownerId) : null, b ? await findPerson(tx, b.ownerId) : null];
    if (!input.adminChecked && !maySupervise(input.actorId, actor, owners)) return { ok: false, status: 403, text: T.duplicate.notAllowed };
    if (!(await resolveDuplicateRow(tx, dup.id, 'dismissed', input.actorId, null, input.now))) return { ok: false, status: 409, text: T.duplicate.already };
    const what = T.duplicate.dismissed(a?.name ?? '', b?.name ?? '');
    await tellSupervisors(deps, owners, [input.actorId], T.duplicate.toSupervisor(nameOfActor(actor, input), what));
    return { ok: true, kept: a!, text: what };
  }
  // The earlier customer is kept; the new one (the suspected duplicate) is merged into it.
  return mergeCustomer(tx, deps, {
    dropId: dup.customerId, keepId: dup.otherId, ownerId: input.action === 'assign' ? input.ownerId : null,
    actorId: input.actorId, adminChecked: input.adminChecked, source: input.source, now: input.now,
  });
}

/** The owners' supervisors, but not those already told (the actor, a rep who is also a supervisor): one line each. */
async function tellSupervisors(deps: DuplicateDeps, owners: readonly (PersonRow | null)[], told: readonly string[], line: string): Promise<void> {
  const done = new Set(told.map((u) => u.toLowerCase()));
  const to = [...new Set(owners.map((o) => o?.supervisorId).filter((s): s is string => !!s))].filter((s) => !done.has(s.toLowerCase()));
  if (to.length) await deps.emit(to, text(line));
}

/** How the one who decided is named: by name, else 管理员 for the API's admin token, else their id. */
function nameOfActor(actor: PersonRow | null, input: { actorId: string; adminChecked?: boolean }): string {
  return actor?.name ?? (input.adminChecked ? customerTexts.apiActor : input.actorId);
}
