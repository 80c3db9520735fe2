/**
 * The pain-point record (客户痛点记录, process spec R3), as reps type it in WeCom on a phone. Pure: no I/O,
 * `now` is always passed in, times are in the business time zone (business-time.ts).
 *
 * The record has three required parts:
 *   worries       客户最焦虑的3个问题 — exactly three, distinct
 *   deliverables  现场承诺的交付物     — at least one
 *   nextContact   下次联系时间         — a date-time strictly after now
 *
 * Two ways in:
 *   1. One labelled message, parsed leniently (parsePainPointMessage):
 *        痛点：1.价格太高 2.交付周期长 3.担心售后响应慢
 *        承诺：3天内发方案；周一前发报价单
 *        下次联系：下周一上午10点
 *      Labels: 痛点/担忧/焦虑/顾虑/问题/客户担心 (worries), 承诺/交付物/答应 (deliverables),
 *      下次联系/下次沟通/回访时间/约了 (next contact); with or without a colon, on their own line or
 *      inline. Items: numbered (1. 1、 1) (1) ① 1️⃣ 一、 第一), bulleted (- • ·), one per line, or on one
 *      line separated by ；/;/、 (for the three worries also by ，, spaces or 和 when that gives exactly 3).
 *      Text before the first label (好的/收到/“华夏医疗痛点记录如下”) is ignored, as are emoji and
 *      chatter-only lines.
 *   2. A guided conversation (painPointSteps + applyAnswer): one question at a time, the state is plain
 *      JSON so the caller stores it between messages; “取消” cancels at any step.
 *
 * Date-time phrases are read by chinese-datetime.ts (rules documented there).
 */
import { cnToNumber, formatDateTime, readDateTime as readDateTimeIn, type DateTimeReading } from './chinese-datetime';

export { formatDateTime } from './chinese-datetime';

/** Date phrases are read after the same clean-up as the rest of a message (full-width, emoji). */
const cleanForDate = (t: string): string => stripEmoji(normalizeMessage(t));
function readDateTime(text: string, now: Date): DateTimeReading {
  return readDateTimeIn(text, now, cleanForDate);
}

/**
 * Reads a Chinese date-time phrase (明天下午3点, 下周一上午9点, 11月30日 15:00, 3天后…) in the business time zone relative to
 * `now`; null for anything it cannot place on the calendar. See chinese-datetime.ts for the rules.
 */
export function parseChineseDateTime(text: string, now: Date): Date | null {
  const r = readDateTime(text, now);
  return r.ok ? r.at : null;
}

// ───────────────────────────── types ─────────────────────────────

export type PainPointPart = 'worries' | 'deliverables' | 'nextContact';

export interface PainPointRecord {
  /** 客户最焦虑的3个问题: exactly three, as typed (numbering, emoji and stray spaces removed). */
  worries: string[];
  /** 现场承诺的交付物: at least one. */
  deliverables: string[];
  /** 下次联系时间, an absolute instant. */
  nextContactAt: Date;
  /** The next contact time as the rep wrote it (明天下午3点). */
  nextContactText: string;
}

export type PainPointProblemCode =
  | 'worries_missing'
  | 'worries_too_few'
  | 'worries_too_many'
  | 'worries_duplicate'
  | 'deliverables_missing'
  | 'next_contact_missing'
  | 'next_contact_unreadable'
  | 'next_contact_vague'
  | 'next_contact_invalid'
  | 'next_contact_past';

export interface PainPointProblem {
  part: PainPointPart;
  code: PainPointProblemCode;
  /** zh-CN, specific, ready to send to the rep. */
  message: string;
}

export type PainPointParseResult =
  | { ok: true; record: PainPointRecord }
  | { ok: false; record: Partial<PainPointRecord>; problems: PainPointProblem[] };

// ───────────────────────────── business-time calendar ─────────────────────────────


const EMOJI = /\p{Extended_Pictographic}|[\u{1F3FB}-\u{1F3FF}]|[\u{1F1E6}-\u{1F1FF}]|\uFE0F|\u200D|\u20E3/gu;
/** WeChat/WeCom inline emoji typed as [微笑], [强], [OK]… */
const WECHAT_EMOJI = new RegExp(
  '\\[(?:' +
    [
      '微笑', '撇嘴', '色', '发呆', '得意', '流泪', '害羞', '闭嘴', '睡', '大哭', '尴尬', '发怒', '调皮', '呲牙', '惊讶', '难过',
      '囧', '抓狂', '吐', '偷笑', '愉快', '白眼', '傲慢', '困', '惊恐', '憨笑', '悠闲', '咒骂', '疑问', '嘘', '晕', '衰',
      '骷髅', '敲打', '再见', '擦汗', '抠鼻', '鼓掌', '坏笑', '右哼哼', '左哼哼', '哈欠', '鄙视', '委屈', '快哭了', '阴险',
      '亲亲', '可怜', '笑脸', '生病', '脸红', '破涕为笑', '恐惧', '失望', '无语', '嘿哈', '捂脸', '奸笑', '机智', '皱眉', '耶',
      '吃瓜', '加油', '汗', '天啊', 'Emm', '社会社会', '旺柴', '好的', '打脸', '哇', '翻白眼', '666', '让我看看', '叹气',
      '苦涩', '裂开', '嘴唇', '爱心', '心碎', '拥抱', '强', '弱', '握手', '胜利', '抱拳', '勾引', '拳头', 'OK', '合十', '啤酒',
      '咖啡', '蛋糕', '玫瑰', '凋谢', '菜刀', '炸弹', '便便', '月亮', '太阳', '庆祝', '礼物', '红包', '發', '福', '烟花',
      '爆竹', '猪头', '跳跳', '发抖', '转圈',
    ].join('|') +
    ')\\]',
  'gi',
);
const CIRCLED = /[\u2460-\u2473\u2776-\u277f\u2780-\u2793]/g;
const KEYCAP = /\d\uFE0F?\u20E3/g;
const ZERO_WIDTH = /[\u200b\u200c\u2060\ufeff]/g;

/** NFKC (full-width → half-width), no zero-width characters; circled/keycap numbers start a new line. */
function normalizeMessage(text: string): string {
  return text
    .replace(ZERO_WIDTH, '')
    .replace(KEYCAP, '\n')
    .replace(CIRCLED, '\n')
    .normalize('NFKC')
    .replace(/\r\n?/g, '\n');
}

function stripEmoji(text: string): string {
  return text.replace(WECHAT_EMOJI, ' ').replace(EMOJI, ' ');
}

const CJK = '\\u3400-\\u9fff';
const CJK_GAP = new RegExp(`([${CJK}])\\s+(?=[${CJK}])`, 'g');

/** Collapses whitespace and removes spaces typed between two Chinese characters (售后 响应慢 → 售后响应慢). */
function tidy(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(CJK_GAP, '$1');
}

const CHATTER_WORD =
  /^(?:@\S*|好的?|好滴|好嘞|收到|收到了|ok|okay|嗯+|哦+|谢谢|多谢|谢了|以上|完毕|汇报完毕|就这些|没了|先这样|已填|填好了|已提交|哈+|呵呵|(?:辛苦|麻烦|请)(?:了|啦|您|领导|各位)*(?:查收|审阅|过目|看下|看一下|批示)?)$/i;

function isChatter(text: string): boolean {
  const words = stripEmoji(text).split(/[\s,.。!?~、;:…]+/).filter(Boolean);
  return words.every((w) => CHATTER_WORD.test(w));
}

const NONE = /^(?:无|没有|暂无|没|没啥|没什么|不知道|不清楚|跳过|略|待定|n\/?a|none|-+|\/)$/i;

// ───────────────────────────── labels ─────────────────────────────

/** Lets a rep type a space inside a label (痛 点, 下次 联系): `\s?` after every CJK literal outside […]. */
function spaced(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    out += c;
    if (c === '\\') {
      out += source[++i];
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (!inClass && /[\u3400-\u9fff]/.test(c)) {
      // the quantifier stays on the character: 的? → 的?\s?
      while (/[?*+]/.test(source[i + 1] ?? '')) out += source[++i];
      out += '\\s?';
    }
  }
  return out;
}

interface LabelDef {
  part: PainPointPart;
  core: RegExp;
  /** Strong labels are unambiguous enough to be taken without a colon. */
  strong: RegExp;
  suffix: RegExp;
}

const sticky = (source: string): RegExp => new RegExp(spaced(source), 'y');

const LABELS: LabelDef[] = [
  {
    part: 'worries',
    core: sticky(
      '(?:客户的?)?(?:主要|核心|最大的|最)?(?:(?:焦虑|担心|关心|在意|关注)的)?(?:[0-9一二三两]\\s?(?:个|大|点|条)\\s?)?' +
        '(?:焦虑|担忧|担心|顾虑|疑虑|痛点|关注点|问题)(?:的问题|问题|点)?',
    ),
    strong: /焦虑|担忧|顾虑|疑虑|痛点|^客户/,
    suffix: sticky('(?:\\s?\\([^)]{0,8}\\))?(?:\\s?(?:有|是|为|共|包括|如下))?(?:\\s?[0-9一二三两]\\s?(?:个|点|条)|\\s?[0-9一二三](?=\\s*[:=]))?'),
  },
  {
    part: 'deliverables',
    core: sticky(
      '(?:我们|我方|我|已经|已|现场|当场|当面)?(?:承诺|答应|许诺)(?:了)?(?:客户)?(?:的(?:交付物|交付|事项|内容|事情|东西|事))?(?:交付物|交付)?' +
        '|(?:现场)?(?:承诺的?)?交付物|交付(?:内容|事项|清单)|(?:待|需)?交付',
    ),
    strong: /承诺|答应|许诺|交付物/,
    suffix: sticky('(?:\\s?\\([^)]{0,8}\\))?(?:\\s?(?:有|是|为|包括|如下))?(?:\\s?[0-9一二三两]\\s?(?:个|项|点|条))?'),
  },
  {
    part: 'nextContact',
    core: sticky(
      '(?:下次|下一次|下回)(?:联系|沟通|跟进|回访|拜访|见面|电话|通话|约见|会面|联络)?(?:的)?(?:时间|日期)?' +
        '|(?:回访|跟进|复访)(?:时间|日期)|回访|(?:约(?:了|好了?|定了?)|预约(?:了)?|约定(?:了)?)(?:下次)?(?:时间)?',
    ),
    strong: /^(?:下次|下一次|下回).|时间|日期|^约|^预约/,
    suffix: sticky('(?:\\s?(?:是|为|定在|定于|约在|安排在|在))?'),
  },
];

const LABEL_DECOR_OPEN = /^[#*【[「]+\s*/;
const LABEL_DECOR_CLOSE = /\s*[】\]」]+/y;
const COLON = /\s*[:=]/y;
/** A label is a word of its own: never when followed by 的 (承诺的工期) or glued into a longer word. */
const LABEL_BLOCKED_AFTER = /^[的得地]/;
/** Inline labels are looked for after these. */
const SEPARATOR = /[\s,;、。.!?]/;
/** After a full stop a strong label starts a clause of its own (…售后差。承诺出方案). */
const SENTENCE_END = /[。.!?]/;

interface LabelHit {
  part: PainPointPart;
  strong: boolean;
  /** Starts with 我/已/现场/客户…: reads as a clause of its own even inline. */
  prefixed: boolean;
  colon: boolean;
  /** Index just after the label (and its colon). */
  end: number;
}

function matchLabel(text: string, at: number): LabelHit | null {
  let best: LabelHit | null = null;
  for (const def of LABELS) {
    def.core.lastIndex = at;
    const core = def.core.exec(text);
    if (!core) continue;
    const word = core[0].replace(/\s/g, '');
    let end = at + core[0].replace(/\s+$/, '').length;
    def.suffix.lastIndex = end;
    const suffix = def.suffix.exec(text);
    if (suffix) end += suffix[0].replace(/\s+$/, '').length;
    LABEL_DECOR_CLOSE.lastIndex = end;
    const close = LABEL_DECOR_CLOSE.exec(text);
    if (close) end += close[0].length;
    COLON.lastIndex = end;
    const colon = COLON.exec(text);
    if (colon) end += colon[0].length;
    if (!colon && LABEL_BLOCKED_AFTER.test(text.slice(end))) continue;
    const hit: LabelHit = {
      part: def.part,
      strong: def.strong.test(word),
      prefixed: /^(?:我|已|现场|当场|当面|客户)/.test(word),
      colon: Boolean(colon),
      end,
    };
    if (!best || hit.end > best.end) best = hit;
  }
  return best;
}

const LINE_MARKER = /^(?:[-•·*●○▪■◆>]+|\(\s?\d{1,2}\s?\)|\d{1,2}(?:[.、)](?!\d)|\s)|\(?[一二三四五六七八九十][、.)]|第[一二三四五六七八九十\d]{1,2}(?:点|个|条)?[,、.:]?|[;,、]+)\s*/;

// ───────────────────────────── sections ─────────────────────────────

interface Sections {
  worries: string[][];
  deliverables: string[][];
  nextContact: string[][];
}

/**
 * Cuts a message into labelled sections; each section is a list of pieces (one per line, or the part of
 * a line between two labels). Text before the first label is dropped. `strict` (answers in the guided
 * conversation): weak labels (问题, 交付, 回访) count only with a colon.
 */
function extractSections(message: string, strict = false): Sections {
  const sections: Sections = { worries: [], deliverables: [], nextContact: [] };
  let current: PainPointPart | null = null;
  let pieces: string[] | null = null;

  const open = (part: PainPointPart): void => {
    current = part;
    pieces = [];
    sections[part].push(pieces);
  };
  const push = (text: string): void => {
    if (pieces && text.trim()) pieces.push(text);
  };
  /** A numbered or bulleted list before any label: the worries, if no worries label follows. */
  const preambleList: string[] = [];

  /** Looks for labels inside a line's content and splits there. */
  const feed = (content: string): void => {
    let from = 0;
    for (let i = 1; i < content.length; i++) {
      const afterSeparator = SEPARATOR.test(content[i - 1]);
      const afterSentence = SENTENCE_END.test(content[i - 1]);
      if (afterSentence && current !== 'nextContact' && isNextContactClause(content.slice(i))) {
        // …答应周一发方案。下周三下午3点再联系
        push(content.slice(from, i));
        open('nextContact');
        from = i;
        continue;
      }
      const hit = matchLabel(content, i);
      if (!hit || hit.part === current) continue;
      const next = content.slice(hit.end);
      const ws = next === '' || /^\s/.test(next);
      const accepted = afterSeparator
        ? hit.colon ||
          (hit.strong && (ws || afterSentence)) ||
          (hit.part === 'nextContact' && (hit.strong || (!strict && readsAsTime(next)))) ||
          hit.prefixed
        : hit.colon && hit.strong;
      if (!accepted) continue;
      push(content.slice(from, i));
      open(hit.part);
      from = hit.end;
      i = hit.end;
    }
    push(content.slice(from));
  };

  for (const raw of normalizeMessage(message).split('\n')) {
    let line = tidyLine(raw);
    if (!line || isChatter(line) || /^[-=_*~—·.。]{3,}$/.test(line)) continue;
    if (current === null) {
      // 【华夏医疗痛点记录】 is a title; 痛点记录如下： followed by a list starts the worries (the form's first part)
      const title = /^.*?痛点记录([^:\w]*)(:?)\s*/.exec(line);
      if (title) {
        line = line.slice(title[0].length);
        if (title[2] || /如下/.test(title[1])) open('worries');
      }
    }
    if (!line) continue;
    const marker = LINE_MARKER.exec(line);
    const rest = (marker ? line.slice(marker[0].length) : line).replace(LABEL_DECOR_OPEN, '');
    const hit = matchLabel(rest, 0);
    if (hit && acceptAtLineStart(hit, rest, Boolean(marker), current, strict)) {
      open(hit.part);
      feed(rest.slice(hit.end));
    } else if (current !== 'nextContact' && !marker && isNextContactClause(line)) {
      open('nextContact');
      feed(line);
    } else if (current === null && marker && !/^[;,、]/.test(marker[0])) {
      preambleList.push(line);
    } else {
      feed(line);
    }
  }
  if (!sections.worries.length && preambleList.length) sections.worries.push(preambleList);
  return sections;
}

function tidyLine(raw: string): string {
  return stripEmoji(raw).replace(/[ \t\u3000]+/g, ' ').trim();
}

/** Any fixed instant will do: only whether the text reads as a date-time matters. */
const SOME_DAY = new Date(Date.UTC(2026, 0, 5, 2));

function readsAsTime(text: string): boolean {
  return text.trim() !== '' && readDateTime(text, SOME_DAY).ok;
}

/**
 * An unlabelled clause that says when to get back to the customer: it starts with the time and ends with
 * the contact (下周三下午3点再联系), up to the next full stop. 担心明天没人联系 is not one.
 */
function isNextContactClause(text: string): boolean {
  const clause = /^[^。.!?;]*/.exec(text)?.[0].trim() ?? '';
  return (
    /^(?:今|明|后天|大后天|下|这|本|周|星期|礼拜|月|上午|下午|中午|晚上|早上|[0-9一二三四五六七八九十两])/.test(clause) &&
    /(?:联系|沟通|回访|电话|通话|聊|拜访|见面)(?:一下|吧|了)?$/.test(clause) &&
    readsAsTime(clause)
  );
}

function acceptAtLineStart(hit: LabelHit, rest: string, numbered: boolean, current: PainPointPart | null, strict: boolean): boolean {
  if (hit.colon) return true;
  // 担心售后响应慢 inside the worries section is a worry, not a second worries label.
  if (hit.part === current) return false;
  const next = rest.slice(hit.end);
  const eol = next.trim() === '';
  const ws = eol || /^\s/.test(next);
  // weak labels (问题, 交付, 回访) are common words: inside a section they need a colon, or (回访) a time after them
  if (!hit.strong) return !strict && ((current === null && (ws || LINE_MARKER.test(next))) || (hit.part === 'nextContact' && readsAsTime(next)));
  if (numbered) return ws;
  return true;
}

// ───────────────────────────── items ─────────────────────────────

interface Marker {
  piece: number;
  start: number;
  end: number;
  /** null for bullets. */
  num: number | null;
  atStart: boolean;
  bare: boolean;
}

const UNIT_AFTER_DIGIT = /^[天个小周月年万千百点号日期次家人台套份方元块倍成楼层分秒折%]/;

function findMarkers(piece: string, index: number): Marker[] {
  const found: Marker[] = [];
  const add = (start: number, end: number, num: number | null, bare = false): void => {
    const atStart = piece.slice(0, start).trim() === '';
    if (!found.some((m) => start < m.end && end > m.start)) found.push({ piece: index, start, end, num, atStart, bare });
  };
  const scan = (re: RegExp, f: (m: RegExpExecArray) => void): void => {
    for (const m of piece.matchAll(re)) f(m as RegExpExecArray);
  };
  // 1. 1、 1) (1) — not 1.5万
  scan(/(?<=^|[\s;,、。!?:])\(?\s?(\d{1,2})\s?(?:[.、](?!\d)|\))\s*/g, (m) => add(m.index, m.index + m[0].length, Number(m[1])));
  // 一、 (一)
  scan(/(?<=^|[\s;,。!?:])\(?([一二三四五六七八九十])(?:[、.]|\))\s*/g, (m) => add(m.index, m.index + m[0].length, cnToNumber(m[1])));
  // 一是价格，二是交付
  scan(/(?<=^|[\s;,、。])([一二三四五六七八九十])是/g, (m) => add(m.index, m.index + m[0].length, cnToNumber(m[1]), true));
  // 第一， 第二点：
  scan(/第([一二三四五六七八九十]|\d{1,2})(?:点|个|条)?(?:[,、.:]|\s)\s*/g, (m) => add(m.index, m.index + m[0].length, cnToNumber(m[1])));
  // bullets
  scan(/(?<=^|\s)[-•·*●○▪■◆>]+(?=\s*\S)\s*/g, (m) => add(m.index, m.index + m[0].length, null));
  // 1价格高2交付慢3售后差 — bare digits, accepted only in sequence and never before a unit (3天内)
  scan(new RegExp(`(?<=^|[\\s;,、。${CJK}])(\\d)(?=[${CJK}])`, 'g'), (m) => {
    if (!UNIT_AFTER_DIGIT.test(piece.slice(m.index + 1))) add(m.index, m.index + 1, Number(m[1]), true);
  });
  return found.sort((a, b) => a.start - b.start);
}

/** Keeps numbering that reads as numbering: at a line start, or the next number in sequence. */
function acceptedMarkers(pieces: string[]): Marker[] {
  const all = pieces.flatMap((p, i) => findMarkers(p, i));
  const accepted: Marker[] = [];
  let expected = 1;
  for (const m of all) {
    if (m.num === null) {
      accepted.push(m);
    } else if (m.atStart && !m.bare) {
      accepted.push(m);
      expected = m.num + 1;
    } else if (m.num === expected) {
      accepted.push(m);
      expected++;
    }
  }
  return accepted;
}

const WIDE: Record<string, string> = { ',': '，', ';': '；', ':': '：', '?': '？', '!': '！', '(': '（', ')': '）' };
const NARROW_IN_CJK = new RegExp(`(?<=[${CJK}])[,;:?!()]|[,;:?!()](?=[${CJK}])`, 'g');

/** Punctuation next to Chinese text goes back to full width for display (NFKC made it half width). */
function widen(text: string): string {
  return text.replace(NARROW_IN_CJK, (c) => WIDE[c] ?? c);
}

function cleanItem(text: string): string {
  const s = tidy(stripEmoji(text))
    .replace(/^[\s:=,;、.。!?~\-•·*>]+/, '')
    .replace(/[\s,;、。.!?~…]+$/, '')
    .replace(/^[“"'‘「『]+|[”"'’」』]+$/g, '')
    .trim();
  return isChatter(s) || NONE.test(s) ? '' : widen(s);
}

const tiers: ((s: string) => string[])[] = [
  (s) => s.split(/[;、]/),
  (s) => s.split(/[;、,/|]/),
  (s) => s.split(/[;、,/|\s]/),
  (s) => s.split(/[;、,/|\s]|以及|还有|另外|和|及/),
];

/**
 * Items of a section. Numbering wins; otherwise lines, bullets, ；/; and 、 separate items. With
 * `target` (the number of worries still needed), commas, spaces and 和 are tried in turn when the plain
 * split does not give exactly `target` items.
 */
function splitItems(pieces: string[], target: number | null): string[] {
  const markers = acceptedMarkers(pieces);
  const chunks: string[] = [];
  pieces.forEach((piece, i) => {
    let from = 0;
    for (const m of markers.filter((mk) => mk.piece === i)) {
      chunks.push(piece.slice(from, m.start));
      from = m.end;
    }
    chunks.push(piece.slice(from));
  });
  const numbered = markers.some((m) => m.num !== null);
  const finish = (list: string[]): string[] => list.map(cleanItem).filter(Boolean);
  if (numbered) return finish(chunks);
  const candidates = tiers.map((split) => finish(chunks.flatMap(split)));
  if (target !== null) {
    const exact = candidates.find((c) => c.length === target);
    if (exact) return exact;
  }
  return candidates[0];
}

function sectionText(sections: string[][]): string {
  const last = [...sections].reverse().find((s) => s.some((p) => p.trim()));
  if (!last) return '';
  return widen(stripEmoji(last.join(' ')).replace(/\s+/g, ' ').trim()
    .replace(/^[\s:=,;、]+/, '')
    .replace(/^(?:是|为|定在|定于|约在|在)\s*/, '')
    .replace(/(?:[\s,;、。.!~]*(?:好的?|收到|谢谢|ok|辛苦了?))+[\s,;、。.!~]*$/i, '')
    .replace(/[\s,;、。.!?~…]+$/, '')
    .trim());
}

function itemsOf(sections: string[][], part: 'worries' | 'deliverables'): string[] | undefined {
  if (!sections.length) return undefined;
  const target = part === 'worries' && sections.length === 1 ? 3 : null;
  return sections.flatMap((pieces) => splitItems(pieces, target));
}

const q = (s: string): string => `“${s}”`;
// Examples that stay true whatever the date (a fixed date would soon be in the past).
const EXAMPLE_TIMES = '可以写成“明天下午3点”“下周三 15:00”，或写具体日期“几月几日 几点”';

const PART_NAME: Record<PainPointPart, string> = {
  worries: '客户最焦虑的3个问题',
  deliverables: '现场承诺的交付物',
  nextContact: '下次联系时间',
};

export const PAIN_POINT_TEXTS = {
  formName: '客户痛点记录',
  partName: PART_NAME,
  problem: {
    worriesMissing: '缺少客户最焦虑的3个问题',
    worriesTooFew: (n: number): string => `只填写了${n}个担忧，需要正好3个`,
    worriesTooMany: (n: number): string => `填写了${n}个担忧，需要正好3个（只留客户最焦虑的3个）`,
    worriesDuplicate: (i: number, j: number, text: string): string => `第${i}个和第${j}个担忧重复（${q(text)}），需要3个不同的担忧`,
    deliverablesMissing: '缺少现场承诺的交付物',
    nextContactMissing: '缺少下次联系时间',
    nextContactUnreadable: (text: string): string => `没看懂下次联系时间${q(text)}，${EXAMPLE_TIMES}`,
    nextContactVague: (text: string): string => `下次联系时间${q(text)}不够具体，请写到哪天几点，例如“下周一上午10点”`,
    nextContactInvalid: (text: string): string => `下次联系时间${q(text)}不是有效的日期，请检查月份和日期`,
    /** The time as understood is shown too (昨天下午3点 → 11月26日（周四）15:00). */
    nextContactPast: (text: string, resolved: string): string => `下次联系时间${q(text)}（${resolved}）已经过去，请填写将来的时间`,
  },
  questions: {
    worries: '客户最焦虑的3个问题是什么？可以一次发3条（换行或用“；”隔开），也可以一条一条发。',
    deliverables: '现场承诺了客户哪些交付物？至少1项，例如：3天内发方案；周一前发报价单。',
    nextContact: '下次什么时候联系客户？例如：明天下午3点、下周一上午10点、下周三 15:00。',
  } as Record<PainPointPart, string>,
  start: (customer: string | null): string =>
    `开始填写${customer ? `${q(customer)}的` : ''}客户痛点记录，共3项，随时回复“取消”可退出。`,
  stepHeader: (n: number, of: number): string => `第${n}/${of}项：`,
  worriesSoFar: (items: string[]): string => `记下了：\n${numbered(items)}\n还差${3 - items.length}个担忧，请继续发送（可以一次发多个）。`,
  worriesOverflow: (have: number, got: number): string =>
    `已经记了${have}个担忧，这次又发了${got}个，超过了3个。请只发还差的${3 - have}个。`,
  worriesRepeated: (text: string): string => `${q(text)}已经记过了，请发一个不同的担忧。`,
  worriesDone: '好的，3个担忧已记下。',
  deliverablesDone: (n: number): string => `好的，已记下${n}项交付物。`,
  required: (part: PainPointPart): string => `${PART_NAME[part]}是必填的。`,
  cancelHint: '（回复“取消”可退出）',
  cancelled: '已取消填写客户痛点记录，刚才的内容没有保存。',
  alreadyFinished: '这份客户痛点记录已经结束了。',
  completed: '客户痛点记录已填写完整：',
} as const;

function numbered(items: string[]): string {
  return items.map((item, i) => `${i + 1}. ${item}`).join('\n');
}

// ───────────────────────────── validation ─────────────────────────────

/** Equality key for items: no spaces or punctuation, lower case. */
function itemKey(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[\s,;、。.!?~…:"“”'‘’()（）]/g, '');
}

function worryProblems(worries: string[] | undefined): PainPointProblem[] {
  const P = PAIN_POINT_TEXTS.problem;
  if (!worries || worries.length === 0) return [{ part: 'worries', code: 'worries_missing', message: P.worriesMissing }];
  if (worries.length < 3) return [{ part: 'worries', code: 'worries_too_few', message: P.worriesTooFew(worries.length) }];
  if (worries.length > 3) return [{ part: 'worries', code: 'worries_too_many', message: P.worriesTooMany(worries.length) }];
  for (let j = 1; j < worries.length; j++) {
    const i = worries.findIndex((w) => itemKey(w) === itemKey(worries[j]));
    if (i < j) return [{ part: 'worries', code: 'worries_duplicate', message: P.worriesDuplicate(i + 1, j + 1, worries[j]) }];
  }
  return [];
}

function nextContactProblems(at: Date | undefined, text: string | undefined, now: Date): PainPointProblem[] {
  const P = PAIN_POINT_TEXTS.problem;
  const typed = text?.trim() || (at ? formatDateTime(at, now) : '');
  if (!typed) return [{ part: 'nextContact', code: 'next_contact_missing', message: P.nextContactMissing }];
  if (!at) {
    const r = readDateTime(typed, now);
    const reason = r.ok ? 'unknown' : r.reason;
    if (reason === 'vague') return [{ part: 'nextContact', code: 'next_contact_vague', message: P.nextContactVague(typed) }];
    if (reason === 'invalid') return [{ part: 'nextContact', code: 'next_contact_invalid', message: P.nextContactInvalid(typed) }];
    return [{ part: 'nextContact', code: 'next_contact_unreadable', message: P.nextContactUnreadable(typed) }];
  }
  if (at.getTime() <= now.getTime()) {
    return [{ part: 'nextContact', code: 'next_contact_past', message: P.nextContactPast(typed, formatDateTime(at, now)) }];
  }
  return [];
}

/** Problems of a (partial) record, in form order: exactly 3 distinct worries, ≥1 deliverable, a future next contact. */
export function validatePainPoint(record: Partial<PainPointRecord>, now: Date): PainPointProblem[] {
  const problems = worryProblems(record.worries);
  if (!record.deliverables || record.deliverables.length === 0) {
    problems.push({ part: 'deliverables', code: 'deliverables_missing', message: PAIN_POINT_TEXTS.problem.deliverablesMissing });
  }
  problems.push(...nextContactProblems(record.nextContactAt, record.nextContactText, now));
  return problems;
}

function complete(record: Partial<PainPointRecord>): PainPointRecord {
  return {
    worries: record.worries ?? [],
    deliverables: record.deliverables ?? [],
    nextContactAt: record.nextContactAt as Date,
    nextContactText: record.nextContactText ?? '',
  };
}

/** What the labelled parts of a message say; parts without a label are absent. */
function readParts(text: string, now: Date, strict = false): Partial<PainPointRecord> {
  const sections = extractSections(text, strict);
  const record: Partial<PainPointRecord> = {};
  const worries = itemsOf(sections.worries, 'worries');
  if (worries) record.worries = worries;
  const deliverables = itemsOf(sections.deliverables, 'deliverables');
  if (deliverables) record.deliverables = deliverables;
  const next = sectionText(sections.nextContact);
  if (next) {
    record.nextContactText = next;
    const at = parseChineseDateTime(next, now);
    if (at) record.nextContactAt = at;
  }
  return record;
}

/** Parses one labelled message (see the module comment for what is understood). */
export function parsePainPointMessage(text: string, now: Date): PainPointParseResult {
  const record = readParts(text, now);
  const problems = validatePainPoint(record, now);
  return problems.length ? { ok: false, record, problems } : { ok: true, record: complete(record) };
}

/** `patch`'s parts replace `base`'s (a versioned edit that resends only 下次联系：…). */
export function mergeRecord(base: PainPointRecord, patch: Partial<PainPointRecord>): PainPointRecord {
  const next = patch.nextContactAt ? { nextContactAt: patch.nextContactAt, nextContactText: patch.nextContactText ?? formatDateTime(patch.nextContactAt) } : {};
  return {
    ...base,
    ...(patch.worries?.length ? { worries: patch.worries } : {}),
    ...(patch.deliverables?.length ? { deliverables: patch.deliverables } : {}),
    ...next,
  };
}

// ───────────────────────────── display and versions ─────────────────────────────

/** The record for a confirmation reply (zh-CN); the next contact is shown as understood, with its weekday. */
export function formatRecord(record: PainPointRecord, now?: Date): string {
  const T = PAIN_POINT_TEXTS.partName;
  return [
    `${T.worries}：`,
    numbered(record.worries),
    `${T.deliverables}：`,
    numbered(record.deliverables),
    `${T.nextContact}：${formatDateTime(record.nextContactAt, now)}`,
  ].join('\n');
}

export interface PainPointDiff {
  /** Parts that changed, in form order; empty when the versions say the same thing. */
  changed: PainPointPart[];
  /** Items compared without regard to order, spacing or punctuation. */
  worries: { added: string[]; removed: string[] };
  deliverables: { added: string[]; removed: string[] };
  /** Set when the instant changed (a different wording of the same time is no change). */
  nextContact: { from: Date; to: Date } | null;
}

function itemDiff(a: string[], b: string[]): { added: string[]; removed: string[] } {
  const aKeys = new Set(a.map(itemKey));
  const bKeys = new Set(b.map(itemKey));
  return { added: b.filter((x) => !aKeys.has(itemKey(x))), removed: a.filter((x) => !bKeys.has(itemKey(x))) };
}

/** What changed from version `a` to version `b`. */
export function diffRecords(a: PainPointRecord, b: PainPointRecord): PainPointDiff {
  const worries = itemDiff(a.worries, b.worries);
  const deliverables = itemDiff(a.deliverables, b.deliverables);
  const nextContact = a.nextContactAt.getTime() === b.nextContactAt.getTime() ? null : { from: a.nextContactAt, to: b.nextContactAt };
  const changed: PainPointPart[] = [];
  if (worries.added.length || worries.removed.length) changed.push('worries');
  if (deliverables.added.length || deliverables.removed.length) changed.push('deliverables');
  if (nextContact) changed.push('nextContact');
  return { changed, worries, deliverables, nextContact };
}

/** `客户最焦虑的3个问题：新增“…”，删除“…”；下次联系时间：11月30日（周一）15:00 → 12月1日（周二）09:00`; '' if unchanged. */
export function formatDiff(diff: PainPointDiff, now?: Date): string {
  const T = PAIN_POINT_TEXTS.partName;
  const items = (d: { added: string[]; removed: string[] }): string =>
    [d.added.length ? `新增${d.added.map(q).join('、')}` : '', d.removed.length ? `删除${d.removed.map(q).join('、')}` : '']
      .filter(Boolean)
      .join('，');
  return diff.changed
    .map((part) =>
      part === 'nextContact' && diff.nextContact
        ? `${T.nextContact}：${formatDateTime(diff.nextContact.from, now)} → ${formatDateTime(diff.nextContact.to, now)}`
        : `${T[part]}：${items(part === 'worries' ? diff.worries : diff.deliverables)}`,
    )
    .join('；');
}

// ───────────────────────────── guided conversation ─────────────────────────────

type StepValue = { worries: string[]; deliverables: string[]; nextContact: { at: Date; text: string } };
export type StepAnswer<K extends PainPointPart> = { ok: true; value: StepValue[K] } | { ok: false; problem: PainPointProblem };

export interface PainPointStep<K extends PainPointPart> {
  key: K;
  /** The part's name in the form (客户最焦虑的3个问题). */
  label: string;
  /** What the bot asks (zh-CN). */
  question: string;
  /**
   * Reads one answer on its own. `needed` (worries only) is how many are still missing, so that 价格贵，交付慢
   * is read as two worries when two are needed. Counts against the state are checked by applyAnswer.
   */
  parse(text: string, now: Date, needed?: number): StepAnswer<K>;
}

/** The answer without a leading label of its own part (答应：3天内发方案 → 3天内发方案). */
function answerPieces(text: string, part: PainPointPart): string[] {
  const sections = extractSections(text);
  const own = sections[part].flat();
  if (own.length) return own;
  return normalizeMessage(text)
    .split('\n')
    .map(tidyLine)
    .filter((l) => l && !isChatter(l));
}

export const painPointSteps: readonly [PainPointStep<'worries'>, PainPointStep<'deliverables'>, PainPointStep<'nextContact'>] = [
  {
    key: 'worries',
    label: PAIN_POINT_TEXTS.partName.worries,
    question: PAIN_POINT_TEXTS.questions.worries,
    parse(text, _now, needed = 3) {
      const items = splitItems(answerPieces(text, 'worries'), needed);
      return items.length
        ? { ok: true, value: items }
        : { ok: false, problem: { part: 'worries', code: 'worries_missing', message: PAIN_POINT_TEXTS.required('worries') } };
    },
  },
  {
    key: 'deliverables',
    label: PAIN_POINT_TEXTS.partName.deliverables,
    question: PAIN_POINT_TEXTS.questions.deliverables,
    parse(text) {
      const items = splitItems(answerPieces(text, 'deliverables'), null);
      return items.length
        ? { ok: true, value: items }
        : { ok: false, problem: { part: 'deliverables', code: 'deliverables_missing', message: PAIN_POINT_TEXTS.required('deliverables') } };
    },
  },
  {
    key: 'nextContact',
    label: PAIN_POINT_TEXTS.partName.nextContact,
    question: PAIN_POINT_TEXTS.questions.nextContact,
    parse(text, now) {
      const typed = sectionText([answerPieces(text, 'nextContact')]);
      const at = typed ? parseChineseDateTime(typed, now) ?? undefined : undefined;
      const problems = nextContactProblems(at, typed, now);
      return problems.length ? { ok: false, problem: problems[0] } : { ok: true, value: { at: at as Date, text: typed } };
    },
  },
];

const STEP_KEYS: PainPointPart[] = painPointSteps.map((s) => s.key);
export const PAIN_POINT_COMPLETED_STEP = painPointSteps.length;
export const PAIN_POINT_CANCELLED_STEP = -1;

/** Plain JSON, to be stored between messages (conversations.step + conversations.answers). */
export interface PainPointConversationState {
  /** Index into painPointSteps of the question being asked; 3 = completed, -1 = cancelled. */
  step: number;
  answers: {
    worries: string[];
    deliverables: string[];
    /** ISO 8601. */
    nextContactAt: string | null;
    nextContactText: string | null;
  };
  /** Unusable answers in a row at the current step; from the second on, replies remind how to cancel. */
  misses: number;
}

export interface PainPointTurn {
  state: PainPointConversationState;
  reply: string;
  /** The conversation is over (completed or cancelled); the caller drops the stored state. */
  done: boolean;
  cancelled: boolean;
  /** Set when the record is complete and valid. */
  record?: PainPointRecord;
}

const CANCEL = /^(?:取消|算了|退出|结束|不填了?|先不填了?|不弄了|cancel|quit|exit|stop)(?:吧|了|填写|记录)?$/i;

/** 取消 / 算了 / 不填了 / cancel, alone in the message. */
export function isCancel(text: string): boolean {
  return CANCEL.test(stripEmoji(normalizeMessage(text)).replace(/[\s,.。!?~…]/g, ''));
}

export function startPainPointConversation(customerName?: string): { state: PainPointConversationState; reply: string } {
  const state: PainPointConversationState = {
    step: 0,
    answers: { worries: [], deliverables: [], nextContactAt: null, nextContactText: null },
    misses: 0,
  };
  return { state, reply: `${PAIN_POINT_TEXTS.start(customerName ?? null)}\n\n${ask(0)}` };
}

function ask(step: number): string {
  return `${PAIN_POINT_TEXTS.stepHeader(step + 1, painPointSteps.length)}${painPointSteps[step].question}`;
}

/** The question for the state's step; for worries already started, what is still missing. */
function prompt(state: PainPointConversationState): string {
  const have = state.answers.worries;
  return state.step === 0 && have.length > 0 && have.length < 3 ? PAIN_POINT_TEXTS.worriesSoFar(have) : ask(state.step);
}

function recordOf(state: PainPointConversationState): Partial<PainPointRecord> {
  const a = state.answers;
  return {
    worries: a.worries,
    deliverables: a.deliverables,
    ...(a.nextContactAt ? { nextContactAt: new Date(a.nextContactAt) } : {}),
    ...(a.nextContactText ? { nextContactText: a.nextContactText } : {}),
  };
}

/** The first part still missing or no longer valid (a next contact can pass while the rep types). */
function firstOpenStep(state: PainPointConversationState, now: Date): number {
  const problems = validatePainPoint(recordOf(state), now);
  const open = STEP_KEYS.findIndex((k) => problems.some((p) => p.part === k));
  return open < 0 ? PAIN_POINT_COMPLETED_STEP : open;
}

function advance(state: PainPointConversationState, prefix: string[], now: Date): PainPointTurn {
  const step = firstOpenStep(state, now);
  const next: PainPointConversationState = { ...state, step, misses: 0 };
  if (step === PAIN_POINT_COMPLETED_STEP) {
    const record = complete(recordOf(next));
    return {
      state: next,
      reply: [...prefix, `${PAIN_POINT_TEXTS.completed}\n${formatRecord(record, now)}`].join('\n\n'),
      done: true,
      cancelled: false,
      record,
    };
  }
  return { state: next, reply: [...prefix, prompt(next)].join('\n\n'), done: false, cancelled: false };
}

function miss(state: PainPointConversationState, message: string): PainPointTurn {
  const misses = state.misses + 1;
  const question = prompt(state);
  const hint = misses >= 2 ? PAIN_POINT_TEXTS.cancelHint : '';
  return { state: { ...state, misses }, reply: `${message}\n\n${question}${hint}`, done: false, cancelled: false };
}

/** The rep pasted a labelled message naming another part too: take every valid part, report the rest. */
function applyPaste(state: PainPointConversationState, parts: Partial<PainPointRecord>, now: Date): PainPointTurn {
  const answers = { ...state.answers };
  const notes: string[] = [];
  if (parts.worries) {
    const problems = worryProblems(parts.worries);
    // a pasted form restates the worries: fewer than 3 distinct ones are kept and the rest asked for
    if (!problems.length || problems[0].code === 'worries_too_few') answers.worries = parts.worries;
    else notes.push(problems[0].message);
  }
  if (parts.deliverables) {
    if (parts.deliverables.length) answers.deliverables = parts.deliverables;
    else notes.push(PAIN_POINT_TEXTS.problem.deliverablesMissing);
  }
  if (parts.nextContactText) {
    const problems = nextContactProblems(parts.nextContactAt, parts.nextContactText, now);
    if (problems.length) {
      notes.push(problems[0].message);
    } else {
      answers.nextContactAt = (parts.nextContactAt as Date).toISOString();
      answers.nextContactText = parts.nextContactText;
    }
  }
  return advance({ ...state, answers }, notes, now);
}

/**
 * One rep message in the guided conversation → the new state and the reply. Never throws. A message
 * with labels for other parts (the whole form pasted) fills every valid part at once.
 */
export function applyAnswer(state: PainPointConversationState, text: string, now: Date): PainPointTurn {
  if (state.step < 0 || state.step >= PAIN_POINT_COMPLETED_STEP) {
    return { state, reply: PAIN_POINT_TEXTS.alreadyFinished, done: true, cancelled: state.step < 0 };
  }
  if (isCancel(text)) {
    return { state: { ...state, step: PAIN_POINT_CANCELLED_STEP }, reply: PAIN_POINT_TEXTS.cancelled, done: true, cancelled: true };
  }
  const part = STEP_KEYS[state.step];
  // an answer is read strictly: a weak label (交付 慢) is part of the answer unless followed by a colon
  const labelled = readParts(text, now, true);
  const otherParts = STEP_KEYS.filter((k) => k !== part).some((k) => (k === 'nextContact' ? labelled.nextContactText : labelled[k]) !== undefined);
  if (otherParts) return applyPaste(state, labelled, now);

  if (part === 'worries') {
    const have = state.answers.worries;
    const answer = painPointSteps[0].parse(text, now, 3 - have.length);
    if (!answer.ok) return miss(state, answer.problem.message);
    const fresh = answer.value.filter((w, i, all) => all.findIndex((x) => itemKey(x) === itemKey(w)) === i);
    const repeated = fresh.find((w) => have.some((h) => itemKey(h) === itemKey(w)));
    if (repeated) return miss(state, PAIN_POINT_TEXTS.worriesRepeated(repeated));
    if (have.length + fresh.length > 3) {
      const message = have.length ? PAIN_POINT_TEXTS.worriesOverflow(have.length, fresh.length) : PAIN_POINT_TEXTS.problem.worriesTooMany(fresh.length);
      return miss(state, message);
    }
    const worries = [...have, ...fresh];
    const next = { ...state, answers: { ...state.answers, worries }, misses: 0 };
    if (worries.length < 3) return { state: next, reply: PAIN_POINT_TEXTS.worriesSoFar(worries), done: false, cancelled: false };
    return advance(next, [PAIN_POINT_TEXTS.worriesDone], now);
  }
  if (part === 'deliverables') {
    const answer = painPointSteps[1].parse(text, now);
    if (!answer.ok) return miss(state, answer.problem.message);
    return advance({ ...state, answers: { ...state.answers, deliverables: answer.value } }, [PAIN_POINT_TEXTS.deliverablesDone(answer.value.length)], now);
  }
  const answer = painPointSteps[2].parse(text, now);
  if (!answer.ok) return miss(state, answer.problem.message);
  return advance(
    { ...state, answers: { ...state.answers, nextContactAt: answer.value.at.toISOString(), nextContactText: answer.value.text } },
    [],
    now,
  );
}
