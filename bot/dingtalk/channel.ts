/**
 * The DingTalk channel (bot/channel.ts): one person, one message, one classified result.
 * - text, markdown, link, fallback cards → robot 1:1 (oToMessages/batchSend); the member named in
 *   invalidStaffIdList → never; in flowControlledStaffIdList → a work notification when allowed (guarded against
 *   silent drops, work-notice.ts), else later;
 * - files and images → media/upload once (DingTalk media ids do not expire), then sampleFile / sampleImageMsg;
 * - cards → interactive card (createAndDeliver, outTrackId = card id) when a template id is configured, updated in
 *   place with PUT /v1.0/card/instances; otherwise ActionCard/markdown fallback (renderer.ts) whose update is a
 *   new message to the member who clicked.
 * Exactly once, as far as DingTalk allows (issue 15): effectful calls are never repeated blindly (http.ts); a
 * re-sent card is delivered only if its outTrackId is unknown; an update sets the same data again (idempotent).
 * Robot messages and work notices have no idempotency key at DingTalk: a crash between DingTalk accepting one and
 * the outbox marking it sent can show it twice (docs/decisions/0006, 0009).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../../domain/clock';
import type { CardModel, CardRef, CardUpdate, Channel, ChannelLimits, MediaRef, OutMessage, SendResult } from '../channel';
import type { DingtalkClient, MediaKind } from './client';
import { classifyDingtalkError, DingtalkApiError, DingtalkPayloadError } from './errors';
import type { DingtalkLogger } from './http';
import { fallbackCard, MAX_TEMPLATE_BUTTONS, robotPayload, templateParams, workNoticeMsg, type RobotPayload } from './renderer';
import { dingtalkTexts } from '../../cards/dingtalk-texts';
import type { WorkNoticeGuard } from './work-notice';

/**
 * DingTalk publishes no per-member robot limit; these are our budget (docs/decisions/0009). silentDrops is true
 * because work notifications drop silently, so the outbox must never rely on an error to notice.
 */
export const DINGTALK_LIMITS: ChannelLimits = { perMemberPerMinute: 20, perMemberPerHour: 300, recipientsPerCall: 20, silentDrops: true };

/** Where media ids are remembered (they never expire): memory by default; a table or Redis in production. */
export interface MediaIdCache { get(key: string): Promise<string | undefined>; set(key: string, id: string): Promise<void> }

export interface DingtalkChannelConfig {
  cardTemplateId?: string;
  workNoticeFallback?: boolean;
  /** Base directory for relative MediaRef paths (the project root or DATA_DIR). */
  mediaRoot?: string;
}

export interface DingtalkChannelDeps {
  client: DingtalkClient;
  clock: Clock;
  log: DingtalkLogger;
  workNotices?: WorkNoticeGuard;
  mediaCache?: MediaIdCache;
}

export type DingtalkChannel = Channel & {
  /** The robot payload a message would be sent as (for the sandbox console and tests). */
  render(message: OutMessage): RobotPayload | { template: string; params: Record<string, string> };
};

function memoryCache(): MediaIdCache {
  const m = new Map<string, string>();
  return { get: async (k) => m.get(k), set: async (k, v) => void m.set(k, v) };
}

export function failure(err: unknown): SendResult & { ok: false } {
  const kind = classifyDingtalkError(err);
  const code = err instanceof DingtalkApiError ? err.code : err instanceof Error ? err.name : 'error';
  const message = err instanceof Error ? err.message : String(err);
  switch (kind) {
    case 'token':
    case 'transient':
      return { ok: false, retry: 'later', code, message };
    case 'rate_limited':
      return { ok: false, retry: 'later', code, message, retryAfterMs: 60_000 };
    case 'quota':
      return { ok: false, retry: 'later', code, message, retryAfterMs: 3600_000 };
    default:
      return { ok: false, retry: 'never', code, message };
  }
}

export function createDingtalkChannel(config: DingtalkChannelConfig, deps: DingtalkChannelDeps): DingtalkChannel {
  const { client, log } = deps;
  const media = deps.mediaCache ?? memoryCache();
  const useTemplate = (card: CardModel) => !!config.cardTemplateId && card.buttons.length <= MAX_TEMPLATE_BUTTONS;

  async function mediaId(ref: MediaRef, kind: MediaKind): Promise<string> {
    const file = path.resolve(config.mediaRoot ?? process.cwd(), ref.path);
    const s = await stat(file);
    const key = `${kind}:${file}:${s.size}:${s.mtimeMs}`;
    const cached = await media.get(key);
    if (cached) return cached;
    const id = await client.uploadMedia(kind, ref.name, await readFile(file), ref.contentType);
    await media.set(key, id);
    return id;
  }

  async function robot(to: string, payload: RobotPayload, original: OutMessage): Promise<SendResult> {
    const r = await client.batchSendOto([to], payload.msgKey, payload.msgParam);
    if (r.invalidStaffIdList.includes(to)) {
      return { ok: false, retry: 'never', code: 'staffId.invalid', message: `${to} is not a member the robot can reach (left, or outside the app’s 可见范围)` };
    }
    if (!r.flowControlledStaffIdList.includes(to)) return { ok: true, platformId: r.processQueryKey };
    const notice = config.workNoticeFallback && deps.workNotices ? workNoticeMsg(original) : null;
    if (!notice) return { ok: false, retry: 'later', code: 'flow_controlled', message: `robot messages to ${to} are flow-controlled`, retryAfterMs: 60_000 };
    const decision = await deps.workNotices!.prepare(to, notice);
    if (!decision.ok) {
      return { ok: false, retry: 'later', code: 'flow_controlled', message: 'robot flow-controlled and work-notice budget spent today', retryAfterMs: decision.retryAfterMs };
    }
    const { taskId } = await client.sendWorkNotice([to], decision.msg);
    await decision.commit();
    log.info({ to, taskId }, 'robot flow-controlled: sent as a work notification');
    return { ok: true, platformId: `work_notice:${taskId}` };
  }

  async function sendCard(to: string, card: CardModel, original: OutMessage): Promise<SendResult> {
    if (!useTemplate(card)) return robot(to, fallbackCard(card), original);
    // The outTrackId is the card's id, fixed when the outbox row was written, so every re-send of the row (after a
    // crash between delivery and `sent`, or an answer that never came) carries the same one. DingTalk delivers a
    // known outTrackId again, so a card that already exists was this row's: done, and never shown twice (nor reset
    // to its first state after a click).
    if (await client.cardExists(card.id)) return { ok: true, platformId: card.id };
    await client.createAndDeliverCard({
      cardTemplateId: config.cardTemplateId!, outTrackId: card.id, cardParamMap: templateParams(card), userId: to, callbackType: 'STREAM',
    });
    return { ok: true, platformId: card.id };
  }

  return {
    name: 'dingtalk',
    limits: DINGTALK_LIMITS,

    render(message) {
      if (message.type === 'card' && useTemplate(message.card)) return { template: config.cardTemplateId!, params: templateParams(message.card) };
      if (message.type === 'file' || message.type === 'image') return { msgKey: message.type === 'file' ? 'sampleFile' : 'sampleImageMsg', msgParam: { name: message.media.name } };
      return robotPayload(message);
    },

    async send(to, message, _idempotencyKey) {
      try {
        switch (message.type) {
          case 'card':
            return await sendCard(to, message.card, message);
          case 'image':
            return await robot(to, { msgKey: 'sampleImageMsg', msgParam: { photoURL: await mediaId(message.media, 'image') } }, message);
          case 'file': {
            const ext = path.extname(message.media.name).slice(1).toLowerCase() || 'file';
            const id = await mediaId(message.media, 'file');
            return await robot(to, { msgKey: 'sampleFile', msgParam: { mediaId: id, fileName: message.media.name, fileType: ext } }, message);
          }
          default:
            return await robot(to, robotPayload(message), message);
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, retry: 'never', code: 'media_missing', message: (err as Error).message };
        return failure(err);
      }
    },

    async updateCard(ref: CardRef, update: CardUpdate, _idempotencyKey) {
      try {
        // A fallback card (its click came as a text): no in-place update exists, so the member gets the new state.
        if (ref.token?.startsWith('user:')) {
          const to = ref.token.slice('user:'.length);
          if (update.type === 'replace') return await robot(to, fallbackCard(update.card), { type: 'card', card: update.card });
          const text = dingtalkTexts.updated(update.label);
          return await robot(to, { msgKey: 'sampleText', msgParam: { content: text } }, { type: 'text', text });
        }
        if (!config.cardTemplateId) throw new DingtalkPayloadError('a fallback card can only be updated after a click (no recipient known)');
        const params = update.type === 'replace'
          ? templateParams(update.card)
          : { status: update.label, has_buttons: 'false', has_select: 'false',
            ...Object.fromEntries(Array.from({ length: MAX_TEMPLATE_BUTTONS }, (_, i) => [`btn${i + 1}_show`, 'false'])) };
        await client.updateCard(ref.id, params);
        return { ok: true, platformId: ref.id };
      } catch (err) {
        return failure(err);
      }
    },
  };
}
