/**
 * Sending a material pack (资料包, R6): the pack of the customer's stage (and industry) becomes numbered links, one
 * per item, each bound to the customer, the rep and the item and signed; the rep forwards them to the customer.
 * Recorded as a pack send (for the measures), an outgoing touchpoint, and the task event `pack_sent` (which closes
 * "send the pack" tasks and opens "pack opened" ones). One function for chat, the stage card button, the API and the
 * sandbox.
 */
import { materialTexts as T } from '../cards/material-texts';
import { circled, materialOf, packFor, type PackDef } from '../domain/materials';
import { findStage } from '../domain/stages';
import { applyTaskEvent } from './tasks';
import { addTouchpoint, getCustomer, type CustomerRow } from '../store/customers';
import type { Tx } from '../store/db';
import { insertPackLinks, insertPackSend, latestMaterialVersion, type PackSendRow } from '../store/materials';
import { findPerson } from '../store/people';
import { mayActOn, type MaterialDeps, type Source } from './material-deps';

export interface SentItem { itemNo: number; title: string; version: number; required: boolean; url: string }

export type SendPackResult =
  | { ok: true; customer: CustomerRow; pack: PackDef; send: PackSendRow; items: SentItem[]; text: string }
  | { ok: false; reason: 'not_found' | 'not_allowed' | 'closed' | 'no_pack'; text: string };

/** The version a new link points at: the newest uploaded one, or the shipped file's. */
export async function currentVersion(tx: Tx, deps: Pick<MaterialDeps, 'materials'>, key: string): Promise<number> {
  const shipped = materialOf(deps.materials, key)?.version ?? 1;
  const uploaded = await latestMaterialVersion(tx, key);
  return Math.max(shipped, uploaded?.version ?? 0);
}

export async function sendPack(tx: Tx, deps: MaterialDeps, input: { customerId: number; actorId: string; source: Source; now: Date }): Promise<SendPackResult> {
  const { now } = input;
  const c = await getCustomer(tx, input.customerId);
  if (!c || c.mergedInto !== null) return { ok: false, reason: 'not_found', text: `没有找到客户（编号 ${input.customerId}）。` };
  const [actor, owner] = [await findPerson(tx, input.actorId), await findPerson(tx, c.ownerId)];
  if (!mayActOn(input.actorId, actor, c, owner)) return { ok: false, reason: 'not_allowed', text: T.pack.notAllowed(c.name, owner?.name ?? c.ownerId) };
  const stage = findStage(deps.process, c.stage);
  if (stage?.outcome) return { ok: false, reason: 'closed', text: T.pack.closed(c.name) };
  const pack = packFor(deps.materials, c.stage, c.industry);
  if (!pack) {
    const withPacks = [...new Set(deps.materials.packs.map((p) => findStage(deps.process, p.stage)?.name ?? p.stage))].join('、');
    return { ok: false, reason: 'no_pack', text: T.pack.noPack(c.name, stage?.name ?? c.stage, withPacks) };
  }
  const repId = actor?.userId ?? input.actorId;
  const send = await insertPackSend(tx, {
    customerId: c.id, repId, officeId: c.officeId, packKey: pack.key, packName: pack.name, stage: c.stage, source: input.source,
    stageEnteredAt: c.stageEnteredAt, sentAt: now,
  });
  const rows = [];
  for (const [i, item] of pack.items.entries()) {
    const m = materialOf(deps.materials, item.material)!;
    rows.push({
      sendId: send.id, customerId: c.id, repId, itemNo: i + 1, materialKey: m.key, title: m.title,
      version: await currentVersion(tx, deps, m.key), required: item.required,
    });
  }
  const links = await insertPackLinks(tx, rows);
  const items = links.map((l) => ({
    itemNo: l.itemNo, title: l.title, version: l.version, required: l.required,
    url: deps.linkUrl({ id: l.id, customerId: l.customerId, repId: l.repId, itemNo: l.itemNo }),
  }));
  await addTouchpoint(tx, {
    customerId: c.id, direction: 'out', channel: 'material', text: `发送《${pack.name}》：${items.map((i) => `${circled(i.itemNo)}${i.title}`).join(' ')}`,
    actorId: repId, at: now,
  }, now);
  await applyTaskEvent(tx, deps.tasks, { customerId: c.id, event: { kind: 'pack_sent', stage: c.stage }, actorId: repId, deliverable: { packSend: send.id }, now });
  const text = [
    T.pack.header(c.name, pack.name, items.length),
    ...items.map((i) => T.pack.item(circled(i.itemNo), i.title, i.version, i.required, i.url)),
    T.pack.footer,
  ].join('\n');
  return { ok: true, customer: c, pack, send, items, text };
}
