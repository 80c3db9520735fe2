/**
 * The rules the fake WeCom applies to message/send and update_template_card bodies, as ../shared/docs/wecom-api.md
 * documents them (§3.2 message bodies and limits, §3.3 template cards, §3.5 card updates). Pure: a body in, the
 * first violation out as WeCom's `{errcode, errmsg}` (or null).
 *
 * Errcodes are WeCom's documented global codes (全局错误码, developer.work.weixin.qq.com/document/path/90313,
 * wecom-api.md §4.2 [S19]; the same table as mirrored in zsmhub/workweixin apis/api_error.go):
 *   40008 invalid msgtype · 40007 invalid media_id · 41006 missing media_id · 40039 invalid url length
 *   41010 missing url · 41016 missing title · 41033 missing description · 44004 empty content
 *   45002 content too large · 45008 too many news articles · 45034 url needs a protocol
 *   40058 "不合法的参数" (a parameter breaks the API's own rules: used for every template_card field rule, since
 *   WeCom documents no finer code for them) · 42045 "Template_Card card_action Missing or Invalid" (§3.3 [S35]).
 * errmsg always names the field, so a sandbox user sees what to fix (never match on errmsg, WeCom's wording changes).
 */

export interface WecomError {
  errcode: number;
  errmsg: string;
}

type Obj = Record<string, unknown>;

export const MSGTYPES = [
  'text', 'image', 'voice', 'video', 'file', 'textcard', 'news', 'mpnews', 'markdown', 'miniprogram_notice', 'template_card',
] as const;
export const CARD_TYPES = ['text_notice', 'news_notice', 'button_interaction', 'vote_interaction', 'multiple_interaction'] as const;
/** Cards that answer message/send with a response_code and whose buttons can be greyed out (§3.2, §3.5). */
export const INTERACTIVE_CARDS = new Set(['button_interaction', 'vote_interaction', 'multiple_interaction']);
const TASK_ID = /^[A-Za-z0-9_\-@]+$/;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const err = (errcode: number, errmsg: string): WecomError => ({ errcode, errmsg });
const param = (path: string, rule: string): WecomError => err(40058, `invalid parameter ${path}: ${rule}`);

function checkUrl(path: string, url: unknown, maxBytes = 2048): WecomError | null {
  const u = str(url);
  if (!u) return err(41010, `missing ${path}`);
  if (bytes(u) > maxBytes) return err(40039, `invalid url size ${path}: ${bytes(u)} bytes, at most ${maxBytes}`);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(u)) return err(45034, `${path} must start with a protocol (http:// or https://)`);
  return null;
}

function checkContent(path: string, part: unknown): WecomError | null {
  const content = isObj(part) ? str(part.content) : '';
  if (!content) return err(44004, `empty content: ${path} is required`);
  if (bytes(content) > 2048) return err(45002, `content size out of limit: ${path} is ${bytes(content)} bytes, at most 2048`);
  return null;
}

function checkTextCard(card: unknown): WecomError | null {
  if (!isObj(card)) return err(41016, 'missing textcard');
  const title = str(card.title);
  const description = str(card.description);
  if (!title) return err(41016, 'missing textcard.title');
  if (!description) return err(41033, 'missing textcard.description');
  if (bytes(title) > 128) return err(45002, `content size out of limit: textcard.title is ${bytes(title)} bytes, at most 128`);
  if (bytes(description) > 512) return err(45002, `content size out of limit: textcard.description is ${bytes(description)} bytes, at most 512`);
  const url = checkUrl('textcard.url', card.url);
  if (url) return url;
  if (card.btntxt !== undefined && [...str(card.btntxt)].length > 4) return param('textcard.btntxt', 'at most 4 characters');
  return null;
}

function checkNews(news: unknown): WecomError | null {
  const articles = isObj(news) && Array.isArray(news.articles) ? news.articles : [];
  if (articles.length < 1 || articles.length > 8) return err(45008, `article size out of limit: news.articles has ${articles.length}, 1 to 8 allowed`);
  for (const [i, a] of articles.entries()) {
    const p = `news.articles[${i}]`;
    if (!isObj(a) || !str(a.title)) return err(41016, `missing ${p}.title`);
    if (bytes(str(a.title)) > 128) return err(45002, `content size out of limit: ${p}.title is ${bytes(str(a.title))} bytes, at most 128`);
    if (bytes(str(a.description)) > 512) return err(45002, `content size out of limit: ${p}.description is ${bytes(str(a.description))} bytes, at most 512`);
    if (!str(a.appid)) {
      const url = checkUrl(`${p}.url`, a.url);
      if (url) return url;
    }
  }
  return null;
}

function list(card: Obj, field: string): unknown[] | null {
  const v = card[field];
  if (v === undefined) return null;
  return Array.isArray(v) ? v : [v];
}

function checkOptions(path: string, options: unknown, max: number): WecomError | null {
  if (!Array.isArray(options) || options.length < 1 || options.length > max) return param(path, `1 to ${max} options`);
  const ids = new Set<string>();
  for (const [i, o] of options.entries()) {
    if (!isObj(o) || !str(o.id) || !str(o.text)) return param(`${path}[${i}]`, 'id and text are required');
    if (ids.has(str(o.id))) return param(`${path}[${i}].id`, 'ids must be unique');
    ids.add(str(o.id));
  }
  return null;
}

function checkSubmit(card: Obj): WecomError | null {
  const s = card.submit_button;
  if (!isObj(s) || !str(s.text) || !str(s.key)) return param('template_card.submit_button', 'text and key are required');
  if (bytes(str(s.key)) > 1024) return param('template_card.submit_button.key', 'at most 1024 bytes');
  return null;
}

export interface CardCheckOptions {
  /** Is this task id already used by the app? (Unique per app, §3.3.) Not asked for card updates. */
  taskIdTaken?: (taskId: string) => boolean;
}

/** The template_card rules of wecom-api.md §3.3. */
export function checkTemplateCard(card: unknown, opts: CardCheckOptions = {}): WecomError | null {
  if (!isObj(card)) return param('template_card', 'required');
  const type = str(card.card_type);
  if (!(CARD_TYPES as readonly string[]).includes(type)) {
    return param('template_card.card_type', `must be one of ${CARD_TYPES.join(', ')}`);
  }
  const p = (f: string) => `template_card.${f}`;

  // task_id: required for the interactive cards and whenever action_menu is set; [A-Za-z0-9_-@], ≤ 128 bytes, unique.
  const taskId = str(card.task_id);
  if (!taskId && (INTERACTIVE_CARDS.has(type) || card.action_menu !== undefined)) {
    return param(p('task_id'), `required for ${type}${card.action_menu !== undefined ? ' and with action_menu' : ''}`);
  }
  if (taskId) {
    if (!TASK_ID.test(taskId)) return param(p('task_id'), 'only digits, letters and _-@ are allowed');
    if (bytes(taskId) > 128) return param(p('task_id'), 'at most 128 bytes');
    if (opts.taskIdTaken?.(taskId)) return param(p('task_id'), 'already used by this app (task_id must be unique)');
  }

  if (card.source !== undefined) {
    if (!isObj(card.source)) return param(p('source'), 'must be an object');
    const c = card.source.desc_color;
    if (c !== undefined && ![0, 1, 2, 3].includes(Number(c))) return param(p('source.desc_color'), '0, 1, 2 or 3');
  }
  if (card.action_menu !== undefined) {
    const m = card.action_menu;
    const actions = isObj(m) && Array.isArray(m.action_list) ? m.action_list : [];
    if (actions.length < 1 || actions.length > 3) return param(p('action_menu.action_list'), '1 to 3 items');
    for (const [i, a] of actions.entries()) {
      if (!isObj(a) || !str(a.text) || !str(a.key)) return param(p(`action_menu.action_list[${i}]`), 'text and key are required');
      if (bytes(str(a.key)) > 1024) return param(p(`action_menu.action_list[${i}].key`), 'at most 1024 bytes');
    }
  }
  if (type === 'text_notice') {
    const title = isObj(card.main_title) ? str(card.main_title.title) : '';
    if (!title && !str(card.sub_title_text)) return param(p('main_title.title'), 'text_notice needs main_title.title or sub_title_text');
  }

  const horizontal = list(card, 'horizontal_content_list');
  if (horizontal) {
    if (horizontal.length > 6) return param(p('horizontal_content_list'), `at most 6 items, got ${horizontal.length}`);
    for (const [i, h] of horizontal.entries()) {
      const hp = p(`horizontal_content_list[${i}]`);
      if (!isObj(h) || !str(h.keyname)) return param(`${hp}.keyname`, 'required');
      const t = Number(h.type ?? 0);
      if (![0, 1, 2, 3].includes(t)) return param(`${hp}.type`, '0, 1, 2 or 3');
      if (t === 1 && !str(h.url)) return param(`${hp}.url`, 'required when type is 1');
      if (t === 2 && !str(h.media_id)) return param(`${hp}.media_id`, 'required when type is 2');
      if (t === 3 && !str(h.userid)) return param(`${hp}.userid`, 'required when type is 3');
    }
  }
  const jumps = list(card, 'jump_list');
  if (jumps) {
    if (jumps.length > 3) return param(p('jump_list'), `at most 3 items, got ${jumps.length}`);
    for (const [i, j] of jumps.entries()) {
      if (!isObj(j) || !str(j.title)) return param(p(`jump_list[${i}].title`), 'required');
      const t = Number(j.type ?? 0);
      if (t === 1 && !str(j.url)) return param(p(`jump_list[${i}].url`), 'required when type is 1');
      if (t === 2 && (!str(j.appid) || !str(j.pagepath))) return param(p(`jump_list[${i}]`), 'appid and pagepath are required when type is 2');
    }
  }

  // card_action: required for text_notice and news_notice; type 1 needs url, type 2 needs appid.
  const action = card.card_action;
  const actionType = isObj(action) ? Number(action.type ?? 0) : 0;
  const actionBroken = isObj(action) && ((actionType === 1 && !str(action.url)) || (actionType === 2 && !str(action.appid)));
  if ((type === 'text_notice' || type === 'news_notice') && (!isObj(action) || ![1, 2].includes(actionType) || actionBroken)) {
    return err(42045, 'Template_Card card_action Missing or Invalid (text_notice and news_notice need card_action type 1 with url or 2 with appid)');
  }
  if (action !== undefined && actionBroken) return err(42045, 'Template_Card card_action Missing or Invalid');

  switch (type) {
    case 'news_notice': {
      const image = isObj(card.card_image) ? card.card_image : null;
      const area = isObj(card.image_text_area) ? card.image_text_area : null;
      if (!(image && str(image.url)) && !(area && str(area.image_url))) {
        return param(p('card_image'), 'news_notice needs card_image.url or image_text_area.image_url');
      }
      if (image?.aspect_ratio !== undefined) {
        const r = Number(image.aspect_ratio);
        if (!(r >= 1.3 && r <= 2.25)) return param(p('card_image.aspect_ratio'), 'between 1.3 and 2.25');
      }
      const vertical = list(card, 'vertical_content_list');
      if (vertical) {
        if (vertical.length > 4) return param(p('vertical_content_list'), `at most 4 items, got ${vertical.length}`);
        for (const [i, v] of vertical.entries()) if (!isObj(v) || !str(v.title)) return param(p(`vertical_content_list[${i}].title`), 'required');
      }
      break;
    }
    case 'button_interaction': {
      const buttons = list(card, 'button_list');
      if (!buttons || buttons.length < 1) return param(p('button_list'), 'required for button_interaction');
      if (buttons.length > 6) return param(p('button_list'), `at most 6 buttons, got ${buttons.length}`);
      const keys = new Set<string>();
      for (const [i, b] of buttons.entries()) {
        const bp = p(`button_list[${i}]`);
        if (!isObj(b) || !str(b.text)) return param(`${bp}.text`, 'required');
        const t = Number(b.type ?? 0);
        if (t === 1) {
          if (!str(b.url)) return param(`${bp}.url`, 'required when type is 1');
          continue;
        }
        if (t !== 0) return param(`${bp}.type`, '0 (callback) or 1 (url)');
        const key = str(b.key);
        if (!key) return param(`${bp}.key`, 'required when type is 0');
        if (bytes(key) > 1024) return param(`${bp}.key`, 'at most 1024 bytes');
        if (keys.has(key)) return param(`${bp}.key`, 'keys must be unique');
        keys.add(key);
        if (b.style !== undefined && ![1, 2, 3, 4].includes(Number(b.style))) return param(`${bp}.style`, '1 to 4');
      }
      if (card.button_selection !== undefined) {
        const s = card.button_selection;
        if (!isObj(s) || !str(s.question_key)) return param(p('button_selection.question_key'), 'required');
        const o = checkOptions(p('button_selection.option_list'), s.option_list, 10);
        if (o) return o;
      }
      break;
    }
    case 'vote_interaction': {
      const c = card.checkbox;
      if (!isObj(c) || !str(c.question_key)) return param(p('checkbox.question_key'), 'required for vote_interaction');
      const o = checkOptions(p('checkbox.option_list'), c.option_list, 20);
      if (o) return o;
      if (c.mode !== undefined && ![0, 1].includes(Number(c.mode))) return param(p('checkbox.mode'), '0 (single) or 1 (multiple)');
      return checkSubmit(card);
    }
    case 'multiple_interaction': {
      const selects = list(card, 'select_list');
      if (!selects || selects.length < 1 || selects.length > 3) return param(p('select_list'), '1 to 3 selectors');
      for (const [i, s] of selects.entries()) {
        if (!isObj(s) || !str(s.question_key)) return param(p(`select_list[${i}].question_key`), 'required');
        const o = checkOptions(p(`select_list[${i}].option_list`), s.option_list, 10);
        if (o) return o;
      }
      return checkSubmit(card);
    }
    default:
      break;
  }
  return null;
}

export interface SendCheckDeps extends CardCheckOptions {
  /** The media type of an uploaded media_id, or undefined when unknown/expired. */
  mediaType(mediaId: string): string | undefined;
}

/** The message part of a message/send body (recipients and agentid are checked by the route). */
export function checkMessage(body: Obj, deps: SendCheckDeps): WecomError | null {
  const msgtype = str(body.msgtype);
  if (!(MSGTYPES as readonly string[]).includes(msgtype)) return err(40008, `invalid message type ${JSON.stringify(msgtype)}`);
  const part = body[msgtype];
  switch (msgtype) {
    case 'text':
    case 'markdown':
      return checkContent(`${msgtype}.content`, part);
    case 'textcard':
      return checkTextCard(part);
    case 'news':
      return checkNews(part);
    case 'image':
    case 'voice':
    case 'video':
    case 'file': {
      const mediaId = isObj(part) ? str(part.media_id) : '';
      if (!mediaId) return err(41006, `missing ${msgtype}.media_id`);
      const type = deps.mediaType(mediaId);
      if (!type) return err(40007, `invalid media_id ${msgtype}.media_id (unknown or older than 3 days)`);
      // A file message may carry any uploaded media; the others need their own type.
      if (msgtype !== 'file' && type !== msgtype) return err(40007, `invalid media_id: ${msgtype} message with a ${type} media`);
      return null;
    }
    case 'template_card':
      return checkTemplateCard(part, deps);
    case 'mpnews': {
      const articles = isObj(part) && Array.isArray(part.articles) ? part.articles : [];
      if (articles.length < 1 || articles.length > 8) return err(45008, 'article size out of limit: mpnews.articles 1 to 8');
      return null;
    }
    default:
      return null;
  }
}
