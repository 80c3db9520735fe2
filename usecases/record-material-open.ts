/**
 * Proof of receipt (资料已接收, R6): the material page's beacon — sent by the page after it rendered, never by the
 * GET a link preview or a scanner makes — counts an open. The first open of an item records a touchpoint from the
 * customer's side (it moves 客户上次留言 too), tells the rep once ("客户已打开《案例集》"), and when every required
 * item of the pack has been opened, marks the pack received and closes its task. Later opens are only counted.
 * Exactly once even for concurrent beacons: the first open and the received mark are conditional updates.
 */
import { materialTexts as T } from '../cards/material-texts';
import { allRequiredOpened, circled } from '../domain/materials';
import { applyTaskEvent } from './tasks';
import { addTouchpoint, getCustomer } from '../store/customers';
import type { Tx } from '../store/db';
import { countOpen, getPackLink, linksOfSend, markPackReceived } from '../store/materials';
import type { LinkClaimsLike } from './material-file';
import type { MaterialDeps } from './material-deps';

export type OpenResult =
  | { ok: false; reason: 'not_found' }
  | { ok: true; first: boolean; openCount: number; packReceived: boolean };

export async function recordMaterialOpen(tx: Tx, deps: MaterialDeps, input: { claims: LinkClaimsLike; now: Date }): Promise<OpenResult> {
  const { claims, now } = input;
  const found = await getPackLink(tx, claims.linkId);
  // The claims must match the row: a link signed for another item, rep or customer is not this one.
  if (!found || found.link.itemNo !== claims.itemNo || found.link.repId !== claims.repId || found.send.id !== found.link.sendId) {
    return { ok: false, reason: 'not_found' };
  }
  const counted = await countOpen(tx, found.link.id, now);
  if (!counted) return { ok: false, reason: 'not_found' };
  if (!counted.first) return { ok: true, first: false, openCount: counted.link.openCount, packReceived: found.send.receivedAt !== null };
  const link = counted.link;
  const customer = await getCustomer(tx, link.customerId);
  await addTouchpoint(tx, {
    customerId: link.customerId, direction: 'in', channel: 'material', text: `客户打开资料${circled(link.itemNo)}《${link.title}》`, actorId: null, at: now,
  }, now);
  const all = await linksOfSend(tx, link.sendId);
  const received = allRequiredOpened(all) && (await markPackReceived(tx, link.sendId, now));
  const lines = [T.open.notice(customer?.name ?? String(link.customerId), link.title, circled(link.itemNo))];
  if (received) {
    lines.push(T.open.allReceived(found.send.packName));
    await applyTaskEvent(tx, deps.tasks, {
      customerId: link.customerId, event: { kind: 'pack_opened', stage: found.send.stage }, actorId: link.repId, deliverable: { packSend: link.sendId }, now,
    });
  }
  await deps.emit([link.repId], { type: 'text', text: lines.join('\n') });
  return { ok: true, first: true, openCount: link.openCount, packReceived: received };
}
