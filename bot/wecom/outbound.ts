/**
 * Outbound message shapes as WeCom's message/send expects them (without touser/agentid, which delivery adds): what
 * the renderer (render.ts) makes of the neutral messages, and what outbox rows written before the channel seam hold.
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
