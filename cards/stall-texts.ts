import { TEXTS_ZH } from '../domain/texts.zh';

interface StallDetail {
  name: string; ownerId: string; ownerName: string; days: number; flag: string; lastUpdate: Date;
  touchpoints: { direction: string; text: string | null; at: Date }[];
}

/** WeCom refuses app text over 2048 bytes (bot/wecom/render.ts cuts as a last resort); keep within budget, say how many were left out. */
const MAX_BYTES = 1900;

/** The daily stall list (R5) for one person: each customer with its last 3 communication records. */
export function stallText(list: StallDetail[], total: number, recipient: string): string {
  const head = `${list[0]?.flag ?? '⚠️'} 以下 ${total} 个客户超过7天没有更新：`;
  const tail = `建议今天联系客户，更新进展后记录，例如：${list[0]?.name ?? '<客户>'} 留言 客户的原话`;
  const blocks: string[] = [];
  let bytes = Buffer.byteLength(head + tail) + 40;
  for (const s of list) {
    const lines = [`【${s.name}】${s.ownerId === recipient ? '' : `负责人：${s.ownerName}，`}已 ${s.days} 天未更新（最后更新 ${TEXTS_ZH.formatTime(s.lastUpdate)}）`];
    if (!s.touchpoints.length) lines.push('  · 暂无沟通记录');
    for (const t of s.touchpoints) lines.push(`  · ${TEXTS_ZH.formatTime(t.at)} ${t.direction === 'in' ? '客户' : '我方'}：${(t.text ?? '').slice(0, 30)}`);
    const block = lines.join('\n');
    if (bytes + Buffer.byteLength(block) + 2 > MAX_BYTES) break;
    blocks.push(block);
    bytes += Buffer.byteLength(block) + 2;
  }
  const more = total - blocks.length;
  return [head, ...blocks, ...(more > 0 ? [`…另有 ${more} 个，请查看看板`] : []), tail].join('\n\n');
}
