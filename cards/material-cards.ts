/**
 * Cards for material packs and the customer's side: the rep's bind card for a new external contact (客户联系) and
 * the supervisors' card for a suspected duplicate customer (two reps, one customer). Pure builders.
 */
import type { TemplateCard } from '../bot/wecom/outbound';
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
export function bindContactCard(contactId: number, externalUserId: string, customers: { id: number; name: string }[]): TemplateCard {
  const shown = customers.slice(0, 5);
  return {
    card_type: 'button_interaction',
    task_id: newTaskId(`xc${contactId}`),
    source: { desc: '客户联系', desc_color: 0 },
    main_title: { title: T.contact.cardTitle, desc: T.contact.cardDesc(`（${externalUserId.slice(0, 12)}…）`) },
    sub_title_text: T.contact.cardHint,
    ...(shown.length
      ? { button_list: shown.map((c) => ({ text: c.name.slice(0, 10), style: 1, key: MATERIAL_ACTION.bind(contactId, c.id) })) }
      : { button_list: [{ text: T.contact.newButton, style: 2, key: `xbindnew:${contactId}` }] }),
  };
}

export interface DuplicateFacts {
  dupId: number;
  kind: string;
  created: { id: number; name: string; ownerId: string; ownerName: string; stageName: string };
  other: { id: number; name: string; ownerId: string; ownerName: string; stageName: string };
}

/** To both reps' supervisors: 合并 (into the earlier customer), 归<rep> (merge and give it to that rep), 不是同一客户. */
export function duplicateCard(f: DuplicateFacts): TemplateCard {
  return {
    card_type: 'button_interaction',
    task_id: newTaskId(`dup${f.dupId}`),
    source: { desc: '疑似重复客户', desc_color: 2 },
    main_title: { title: T.duplicate.cardTitle(f.created.name).slice(0, 26), desc: T.duplicate.cardDesc },
    horizontal_content_list: [
      { keyname: '新建', value: `${f.created.name}（${f.created.ownerName}，${f.created.stageName}）` },
      { keyname: '已有', value: `${f.other.name}（${f.other.ownerName}，${f.other.stageName}）` },
      { keyname: '匹配', value: T.duplicate.kind[f.kind] ?? f.kind },
    ],
    button_list: [
      { text: T.duplicate.merge, style: 1, key: MATERIAL_ACTION.dupMerge(f.dupId) },
      { text: T.duplicate.assignTo(f.other.ownerName).slice(0, 10), style: 1, key: MATERIAL_ACTION.dupAssign(f.dupId, f.other.ownerId) },
      ...(f.created.ownerId !== f.other.ownerId
        ? [{ text: T.duplicate.assignTo(f.created.ownerName).slice(0, 10), style: 1, key: MATERIAL_ACTION.dupAssign(f.dupId, f.created.ownerId) }]
        : []),
      { text: T.duplicate.dismiss, style: 4, key: MATERIAL_ACTION.dupDismiss(f.dupId) },
    ],
  };
}
