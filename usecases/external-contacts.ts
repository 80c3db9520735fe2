/**
 * The customer's own side as evidence: WeCom external contacts (客户联系). When a rep adds a customer contact
 * (change_external_contact), the rep gets a card to bind it to one of their customers (or to create one). Once bound,
 * the contact's events are touchpoints on that customer — those made by the customer (accepting or adding the
 * contact, removing the rep, agreeing to archiving) are customer→rep and move 客户上次留言, which the 报价单 guard
 * reads. Binding also records the contact's first event, so the add that started it counts.
 */
import { card } from './emit';
import { bindContactCard } from '../cards/material-cards';
import { materialTexts as T } from '../cards/material-texts';
import { addTouchpoint, getCustomer, listCustomers, type CustomerRow } from '../store/customers';
import type { Tx } from '../store/db';
import { bindContact, getExternalContact, pendingContactsOf, recordContactEvent, type ExternalContactRow } from '../store/external-contacts';
import { findPerson } from '../store/people';
import { isAdmin, mayActOn, type MaterialDeps } from './material-deps';

/** Change types made by the customer (客户侧), as opposed to the member editing or deleting them. */
const CUSTOMER_SIDE = new Set(['add_external_contact', 'add_half_external_contact', 'del_follow_user', 'msg_audit_approved']);
const REMOVED = new Set(['del_external_contact', 'del_follow_user']);
const TEXT: Record<string, string> = {
  add_external_contact: '客户通过了企业微信好友申请', add_half_external_contact: '客户添加了企业微信联系人',
  edit_external_contact: '销售编辑了客户联系人备注', del_external_contact: '销售删除了客户联系人',
  del_follow_user: '客户删除了销售的企业微信', msg_audit_approved: '客户同意了会话存档', transfer_fail: '客户接替失败',
};

async function touch(tx: Tx, contact: ExternalContactRow, customerId: number, changeType: string, at: Date, now: Date) {
  await addTouchpoint(tx, {
    customerId, direction: CUSTOMER_SIDE.has(changeType) ? 'in' : 'out', channel: 'wecom_contact',
    text: TEXT[changeType] ?? changeType, actorId: CUSTOMER_SIDE.has(changeType) ? null : contact.memberUserId, at,
  }, now);
}

export interface ContactEventInput { changeType: string; memberUserId: string; externalUserId: string; at: Date; now: Date }

/** Handles one change_external_contact event (the inbox dedupes WeCom's retries). */
export async function onExternalContactEvent(tx: Tx, deps: Pick<MaterialDeps, 'emit'>, e: ContactEventInput): Promise<{ contact: ExternalContactRow; carded: boolean; touched: boolean } | null> {
  if (!e.externalUserId || !e.memberUserId) return null;
  const { row, isNew } = await recordContactEvent(tx, {
    externalUserId: e.externalUserId, memberUserId: e.memberUserId, changeType: e.changeType, at: e.at, removed: REMOVED.has(e.changeType),
  });
  if (row.customerId !== null) {
    await touch(tx, row, row.customerId, e.changeType, e.at, e.now);
    return { contact: row, carded: false, touched: true };
  }
  const rep = await findPerson(tx, e.memberUserId);
  if (!isNew || row.status !== 'pending' || !rep?.active) return { contact: row, carded: false, touched: false };
  const mine = await listCustomers(tx, { ownerId: rep.userId, limit: 500 });
  const recent = [...mine].sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime());
  await deps.emit([rep.userId], card(bindContactCard(row.id, row.externalUserId, recent)));
  return { contact: row, carded: true, touched: false };
}

export type BindResult = { ok: true; customer: CustomerRow; contact: ExternalContactRow; text: string } | { ok: false; text: string };

/** Binds a contact (or the actor's latest pending one) to a customer the actor may act on. */
export async function bindExternalContact(tx: Tx, _deps: unknown, input: { contactId: number | null; customerId: number; actorId: string; now: Date }): Promise<BindResult> {
  const actor = await findPerson(tx, input.actorId);
  const contact = input.contactId !== null ? await getExternalContact(tx, input.contactId) : (await pendingContactsOf(tx, input.actorId))[0] ?? null;
  if (!contact) return { ok: false, text: input.contactId !== null ? T.contact.gone : T.contact.none };
  if (contact.memberUserId.toLowerCase() !== input.actorId.toLowerCase() && !isAdmin(actor)) return { ok: false, text: T.contact.notYours };
  const customer = await getCustomer(tx, input.customerId);
  if (!customer || customer.mergedInto !== null) return { ok: false, text: `没有找到客户（编号 ${input.customerId}）。` };
  const owner = await findPerson(tx, customer.ownerId);
  if (!mayActOn(input.actorId, actor, customer, owner)) return { ok: false, text: `抱歉，客户“${customer.name}”由${owner?.name ?? customer.ownerId}负责。` };
  const first = contact.customerId === null;
  const bound = await bindContact(tx, contact.id, customer.id, input.actorId, input.now);
  // The event that started the contact (the customer accepting or adding it) counts from now on, at its own time.
  if (first) await touch(tx, contact, customer.id, contact.lastChangeType, contact.lastEventAt, input.now);
  return { ok: true, customer, contact: bound!, text: T.contact.bound(customer.name) };
}
