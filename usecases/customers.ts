/**
 * Customer actions other than moves: create, hand over (change owner), add a document, record a touchpoint, end a
 * visit, record an objection. Each is one function for every way in (chat, API, upload page, sandbox), with its
 * permission rule and its messages, in the caller's transaction.
 */
import { MAX_INDUSTRY_CHARS, MAX_NAME_CHARS } from '../domain/text-normalize';
import { customerTexts as T } from '../cards/customer-texts';
import { openStages } from '../domain/stages';
import type { StageDef } from '../domain/types';
import type { TaskDef } from '../domain/task-schema';
import { addObjection } from '../store/analytics';
import {
  addDocument as storeDocument, addTouchpoint, changeOwner as storeChangeOwner, createCustomer as storeCreateCustomer, getCustomer,
  listCustomers, type CustomerRow, type DocumentRow, type TouchpointRow,
} from '../store/customers';
import { listPeople } from '../store/org';
import { findPerson, type PersonRow } from '../store/people';
import { openTasksOf, type TaskRow } from '../store/tasks';
import type { Call, UseCaseDeps } from './deps';
import { text } from './emit';
import { warnIfDuplicate } from './duplicates';
import { sha256Hex } from './document-bytes';
import { uploadReply } from './document-uploaded';
import { mayOverride, sameUser, type Actor } from './permissions';
import { applyTaskEvent, taskDef } from './tasks';

// ---- create ----

export type CreateCustomerResult =
  | { kind: 'too_long'; what: '客户名称' | '行业'; max: number; length: number }
  | { kind: 'created'; customer: CustomerRow; stage: StageDef; opened: TaskRow[] }
  | { kind: 'duplicate'; customer: CustomerRow }
  | { kind: 'not_in_org' };

/** A new customer in the first open stage, owned by the actor (who must be in the org); never a twin of their own. */
export async function createCustomer(call: Call, deps: UseCaseDeps, input: {
  actor: Actor; name: string; industry: string | null;
  /** The caller's reply shows the opened task (chat folds it into the stage card): no separate at-open reminder. */
  announced?: boolean;
}): Promise<CreateCustomerResult> {
  // Names are shown as card titles: longer ones would be cut off there, so ask for a short form.
  const nameLen = [...input.name].length;
  if (nameLen > MAX_NAME_CHARS) return { kind: 'too_long', what: '客户名称', max: MAX_NAME_CHARS, length: nameLen };
  const industryLen = [...(input.industry ?? '')].length;
  if (industryLen > MAX_INDUSTRY_CHARS) return { kind: 'too_long', what: '行业', max: MAX_INDUSTRY_CHARS, length: industryLen };
  const person = await findPerson(call.tx, input.actor.userId);
  if (!person) return { kind: 'not_in_org' };
  const dup = (await listCustomers(call.tx, { ownerId: person.userId })).find((c) => c.name === input.name);
  if (dup) return { kind: 'duplicate', customer: dup };
  const first = openStages(deps.process)[0]!;
  const customer = await storeCreateCustomer(call.tx, {
    name: input.name, industry: input.industry, ownerId: person.userId, officeId: person.officeId, stage: first.key, source: call.source,
  }, call.now);
  const opened = await applyTaskEvent(call.tx, deps.tasks, {
    customerId: customer.id, event: { kind: 'stage_entered', stage: first.key }, actorId: person.userId, now: call.now, announced: input.announced,
  });
  // Two reps, one customer: another rep's active customer of that name → the rep is warned, both supervisors asked.
  await warnIfDuplicate(call.tx, { process: deps.process, emit: call.emit }, { customer, now: call.now });
  return { kind: 'created', customer, stage: first, opened };
}

// ---- change owner (客户转移) ----

export type ChangeOwnerResult =
  | { kind: 'changed'; customer: CustomerRow; from: PersonRow | null; to: PersonRow; told: string[] }
  | { kind: 'not_found' }
  | { kind: 'not_allowed'; customer: CustomerRow }
  | { kind: 'unknown_person'; customer: CustomerRow; who: string }
  | { kind: 'ambiguous_person'; customer: CustomerRow; who: string }
  | { kind: 'same_owner'; customer: CustomerRow; owner: PersonRow }
  | { kind: 'conflict'; customer: CustomerRow };

/**
 * Hands a customer to another rep: the owner's supervisor or an admin (or the admin API) may; `to` is a userid or
 * a name of an active person. The change is logged in the customer's history, open tasks follow the customer,
 * and both reps are told (the old one unless they made the change).
 */
export async function changeOwner(call: Call, deps: UseCaseDeps, input: {
  actor: Actor; customer: CustomerRow | number; to: string; note?: string | null;
}): Promise<ChangeOwnerResult> {
  const { tx, now } = call;
  const c = typeof input.customer === 'number' ? await getCustomer(tx, input.customer) : input.customer;
  if (!c) return { kind: 'not_found' };
  const me = input.actor.userId;
  const actor = await findPerson(tx, me);
  const owner = await findPerson(tx, c.ownerId);
  if (!input.actor.trusted && !mayOverride(me, actor, owner)) return { kind: 'not_allowed', customer: c };
  const who = input.to.trim();
  const candidates = (await listPeople(tx, {})).filter((p) => p.name === who || sameUser(p.userId, who));
  const exact = candidates.filter((p) => sameUser(p.userId, who));
  const pick = exact.length === 1 ? exact : candidates;
  if (pick.length > 1) return { kind: 'ambiguous_person', customer: c, who };
  const to = pick[0];
  if (!to) return { kind: 'unknown_person', customer: c, who };
  if (sameUser(to.userId, c.ownerId)) return { kind: 'same_owner', customer: c, owner: to };
  const moved = await storeChangeOwner(tx, { customer: c, ownerId: to.userId, officeId: to.officeId, actorId: me, source: call.source, note: input.note ?? null }, now);
  if (!moved) return { kind: 'conflict', customer: c };
  const actorName = actor?.name ?? (input.actor.trusted ? T.apiActor : me);
  const told = sameUser(to.userId, me) ? [] : [to.userId];
  // The open tasks came with the customer (store changeOwner): the new owner hears of them now, not at a warning.
  const due = (await openTasksOf(tx, moved.id)).filter((t) => t.kind !== 'review').map((t) => ({
    name: taskDef(deps.process, t.kind)?.name ?? t.kind, dueAt: t.dueAt,
  }));
  // Handed to oneself (a supervisor taking a customer over): the answer to the command is the notice.
  if (!sameUser(to.userId, me)) await call.emit([to.userId], text([T.handedToYou(actorName, c.name), ...due.map((t) => T.handedTask(t.name, t.dueAt, now))].join('\n')));
  if (owner && !sameUser(owner.userId, me)) {
    await call.emit([owner.userId], text(T.handedAway(actorName, c.name, to.name)));
    told.push(owner.userId);
  }
  return { kind: 'changed', customer: moved, from: owner, to, told };
}

// ---- documents ----

declare const kept: unique symbol;

/** A document's bytes, hashed and made durable where they are kept (`keepDocumentBytes`), before any transaction. */
export interface KeptBytes {
  readonly [kept]: true;
  readonly size: number;
  readonly sha256: string;
  /** What the row's `content` holds: the bytes, or null when they are kept outside the database. */
  readonly inRow: Buffer | null;
}

/**
 * First half of adding a document, outside the transaction: hashes the bytes (a slice per turn of the event loop)
 * and keeps them where this mode keeps them (usecases/document-bytes.ts: the row, or a file under DATA_DIR), so
 * the transaction that inserts the row is short and a committed row never names missing bytes.
 */
export async function keepDocumentBytes(deps: Pick<UseCaseDeps, 'documentBytes'>, content: Buffer): Promise<KeptBytes> {
  const sha256 = await sha256Hex(content);
  const inRow = await deps.documentBytes.keep(content, sha256);
  return { size: content.length, sha256, inRow } as KeptBytes;
}

export interface DocumentInput {
  customerId: number;
  /** Already checked (app/upload-routes.ts checkFile): clean name, stored MIME type. */
  name: string;
  mimeType: string;
  /** From `keepDocumentBytes`, before the caller's transaction. */
  bytes: KeptBytes;
  uploaderId: string;
}

export type AddDocumentResult =
  | { kind: 'added'; document: DocumentRow; customer: CustomerRow; closed: string[] }
  | { kind: 'not_found' };

/**
 * Stores a document of a customer (upload page, API): the uploader is told it arrived and what to do next, and
 * the tasks it satisfies close (e.g. a 方案 closes the 48 h post-visit follow-up). Its bytes were kept by
 * `keepDocumentBytes` before the transaction; this writes the row.
 */
export async function addDocument(call: Call, deps: UseCaseDeps, input: DocumentInput): Promise<AddDocumentResult> {
  const { tx, now } = call;
  const customer = await getCustomer(tx, input.customerId);
  if (!customer) return { kind: 'not_found' };
  const document = await storeDocument(tx, {
    customerId: customer.id, name: input.name, mimeType: input.mimeType, size: input.bytes.size, content: input.bytes.inRow,
    sha256: input.bytes.sha256, uploaderId: input.uploaderId, source: call.source,
  }, now);
  // Honest: whether the file satisfies the rule of the stage change it is for, and if not, exactly why.
  await call.emit([input.uploaderId], text(await uploadReply(tx, deps.process, customer, document.id, document.name, now)));
  const before = await openKinds(call, customer.id);
  await applyTaskEvent(tx, deps.tasks, {
    customerId: customer.id, event: { kind: 'document_added', name: document.name }, actorId: input.uploaderId,
    deliverable: { document: document.name }, now,
  });
  const after = await openKinds(call, customer.id);
  return { kind: 'added', document, customer, closed: before.filter((k) => !after.includes(k)) };
}

async function openKinds(call: Call, customerId: number): Promise<string[]> {
  return (await openTasksOf(call.tx, customerId)).map((t) => t.kind);
}

// ---- touchpoints ----

export type TouchpointResult = { kind: 'recorded'; touchpoint: TouchpointRow; customer: CustomerRow } | { kind: 'not_found' };

/**
 * A communication record (沟通记录): a customer's message the rep logs in chat, or one an integration sends. A
 * customer → rep one moves the customer's last message time (客户上次留言) forward.
 */
export async function recordTouchpoint(call: Call, _deps: UseCaseDeps, input: {
  customerId: number; direction: 'in' | 'out'; channel: string; text: string | null; actorId: string | null; at: Date;
}): Promise<TouchpointResult> {
  if (!(await getCustomer(call.tx, input.customerId))) return { kind: 'not_found' };
  const touchpoint = await addTouchpoint(call.tx, input, call.now);
  const customer = (await getCustomer(call.tx, input.customerId))!;
  return { kind: 'recorded', touchpoint, customer };
}

// ---- visits (R7) ----

export type EndVisitResult = { kind: 'ended'; customer: CustomerRow; task: TaskRow | null; def: TaskDef | undefined } | { kind: 'not_found' };

/** `<客户> 拜访结束`: logs the visit and opens the 48-hour post-visit task (the rep is reminded by its timer at once). */
export async function endVisit(call: Call, deps: UseCaseDeps, input: {
  actor: Actor; customerId: number;
  /** The caller's reply names the opened task (chat): no separate at-open reminder to the rep. */
  announced?: boolean;
}): Promise<EndVisitResult> {
  const customer = await getCustomer(call.tx, input.customerId);
  if (!customer) return { kind: 'not_found' };
  await addTouchpoint(call.tx, { customerId: customer.id, direction: 'out', channel: 'visit', text: '拜访结束', actorId: input.actor.userId, at: call.now }, call.now);
  const opened = await applyTaskEvent(call.tx, deps.tasks, { customerId: customer.id, customer, event: { kind: 'visit_ended' }, actorId: input.actor.userId, now: call.now, announced: input.announced });
  const task = opened[0] ?? null;
  return { kind: 'ended', customer, task, def: task ? taskDef(deps.process, task.kind) : undefined };
}

// ---- objections (R10) ----

export type ObjectionResult = { kind: 'recorded'; customer: CustomerRow; id: number } | { kind: 'not_found' };

/** A customer objection (客户异议): a touchpoint of kind `objection`, counted by the dashboard's word cloud. */
export async function recordObjection(call: Call, _deps: UseCaseDeps, input: { actor: Actor; customerId: number; text: string }): Promise<ObjectionResult> {
  const customer = await getCustomer(call.tx, input.customerId);
  if (!customer) return { kind: 'not_found' };
  const row = await addObjection(call.tx, { customerId: customer.id, text: input.text, actorId: input.actor.userId, at: call.now }, call.now);
  return { kind: 'recorded', customer, id: row.id };
}
