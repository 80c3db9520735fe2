/**
 * Outbound message shapes as WeCom's message/send expects them (without touser/agentid, which delivery adds).
 * Card builders in cards/ produce these; the outbox stores them; the delivery worker sends them.
 * 详情请参阅 https://developer.work.weixin.qq.com/document/path/90236
 */
export type TemplateCard = Record<string, unknown> & { card_type: string; task_id?: string };

export type OutboundMessage =
  | { msgtype: 'text'; text: { content: string } }
  | { msgtype: 'markdown'; markdown: { content: string } }
  | { msgtype: 'textcard'; textcard: { title: string; description: string; url: string; btntxt?: string } }
  | { msgtype: 'file'; file: { media_id: string } }
  | { msgtype: 'image'; image: { media_id: string } }
  | { msgtype: 'news'; news: { articles: { title: string; description?: string; url: string; picurl?: string }[] } }
  | { msgtype: 'template_card'; template_card: TemplateCard };

/** A change to a card already sent: full replacement, or grey out the buttons with a label. */
export type CardUpdate = { template_card: TemplateCard } | { button: { replace_name: string } };

/** A one-line zh-CN summary of a message, used when several are merged into one digest. */
export function summarize(m: OutboundMessage): string {
  switch (m.msgtype) {
    case 'text':
      return firstLine(m.text.content);
    case 'markdown':
      return firstLine(m.markdown.content.replace(/[#*>`]|<[^>]+>/g, ''));
    case 'textcard':
      return m.textcard.title;
    case 'file':
      return '文件';
    case 'image':
      return '图片';
    case 'news':
      return m.news.articles[0]?.title ?? '图文';
    case 'template_card': {
      const main = m.template_card.main_title as { title?: string } | undefined;
      return main?.title ?? String(m.template_card.sub_title_text ?? '卡片消息');
    }
  }
}

function firstLine(s: string): string {
  const line = s.trim().split('\n')[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

/** A text message. */
export const textMessage = (content: string): OutboundMessage => ({ msgtype: 'text', text: { content } });

/** A template card message. */
export const cardMessage = (card: TemplateCard): OutboundMessage => ({ msgtype: 'template_card', template_card: card });

/** What the outbox records beside a message: its type, the card's id (for updates) and a one-line summary. */
export function outboxFields(m: OutboundMessage): { msgtype: string; taskId: string | undefined; summary: string } {
  return { msgtype: m.msgtype, taskId: m.msgtype === 'template_card' ? m.template_card.task_id : undefined, summary: summarize(m) };
}
