/**
 * Cards for material packs and the customer's side: the rep's bind card for a new external contact (客户联系) and
 * the supervisors' card for a suspected duplicate customer (two reps, one customer). Pure builders.
 */
import type { CardModel } from '../domain/messages';
import { newTaskId } from './customer-cards';
import { materialTexts as T } from './material-texts';

export const MATERIAL_ACTION = {
  pack: (customerId: number) => `pack:${customerId}`,
  bind: (contactId: number, customerId: number) => `xbind:${contactId}:${customerId}`,
  dupMerge: (dupId: number) => `dup:${dupId}:merge`,
  dupAssign: (dupId: number, userId: string) => `dup:${dupId}:assign:${userId}`,
  dupDismiss: (dupId: number) => `dup:${dupId}:dismiss`,
};

export type MaterialAction =
  | { kind: 'pack'; customerId: number }
  | { kind: 'bind'; contactId: number; customerId: number }
  | { kind: 'dup'; dupId: number; action: 'merge' | 'dismiss' }
  | { kind: 'dup'; dupId: number; action: 'assign'; userId: string };

export function parseMaterialAction(key: string): MaterialAction | null {
  let m = /^pack:(\d{1,10})$/.exec(key);
  if (m) return { kind: 'pack', customerId: Number(m[1]) };
  m = /^xbind:(\d{1,12}):(\d{1,10})$/.exec(key);
  if (m) return { kind: 'bind', contactId: Number(m[1]), customerId: Number(m[2]) };
  m = /^dup:(\d{1,12}):(merge|dismiss)$/.exec(key);
  if (m) return { kind: 'dup', dupId: Number(m[1]), action: m[2] as 'merge' | 'dismiss' };
  m = /^dup:(\d{1,12}):assign:([\w.@-]{1,64})$/.exec(key);
  if (m) return { kind: 'dup', dupId: Number(m[1]), action: 'assign', userId: m[2]! };
  return null;
}

/** To the rep who added a customer contact in WeCom: bind it to one of their customers (≤ 5 shown). */
export function bindContactCard(contactId: number, externalUserId: string, customers: { id: number; name: string }[]): CardModel {
  const shown = customers.slice(0, 5);
  return {
    id: newTaskId(`xc${contactId}`),
    source: '客户联系',
    title: T.contact.cardTitle,
    subtitle: T.contact.cardDesc(`（${externalUserId.slice(0, 12)}…）`),
    fields: [],
    note: T.contact.cardHint,
    buttons: shown.length
      ? shown.map((c) => ({ label: c.name.slice(0, 10), style: 'primary' as const, key: MATERIAL_ACTION.bind(contactId, c.id) }))
      : [{ label: T.contact.newButton, style: 'danger' as const, key: `xbindnew:${contactId}` }],
  };
}

export interface DuplicateFacts {
  dupId: number;
  kind: string;
  created: { id: number; name: string; ownerId: string; ownerName: string; stageName: string };
  other: { id: number; name: string; ownerId: string; ownerName: string; stageName: string };
}

/** To both reps' supervisors: 合并 (into the earlier customer), 归<rep> (merge and give it to that rep), 不是同一客户. */
export function duplicateCard(f: DuplicateFacts): CardModel {
  return {
    id: newTaskId(`dup${f.dupId}`),
    source: '疑似重复客户',
    tone: 'alert',
    title: T.duplicate.cardTitle(f.created.name).slice(0, 26),
    subtitle: T.duplicate.cardDesc,
    fields: [
      { label: '新建', value: `${f.created.name}（${f.created.ownerName}，${f.created.stageName}）` },
      { label: '已有', value: `${f.other.name}（${f.other.ownerName}，${f.other.stageName}）` },
      { label: '匹配', value: T.duplicate.kind[f.kind] ?? f.kind },
    ],
    buttons: [
      { label: T.duplicate.merge, style: 'primary', key: MATERIAL_ACTION.dupMerge(f.dupId) },
      { label: T.duplicate.assignTo(f.other.ownerName).slice(0, 10), style: 'primary', key: MATERIAL_ACTION.dupAssign(f.dupId, f.other.ownerId) },
      ...(f.created.ownerId !== f.other.ownerId
        ? [{ label: T.duplicate.assignTo(f.created.ownerName).slice(0, 10), style: 'primary' as const, key: MATERIAL_ACTION.dupAssign(f.dupId, f.created.ownerId) }]
        : []),
      { label: T.duplicate.dismiss, style: 'default', key: MATERIAL_ACTION.dupDismiss(f.dupId) },
    ],
  };
}
