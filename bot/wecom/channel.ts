/**
 * WeCom as a Channel (bot/channel.ts): neutral messages rendered (render.ts) and sent with message/send (WeCom's
 * duplicate check on), card updates through update_template_card with the click's single-use response_code,
 * files and images uploaded as media first (SOPs through the media cache, which re-uploads before WeCom forgets
 * them). Every failure is classified once here (error-policy.ts) into the neutral SendResult the outbox reads.
 */
import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { CardRef, CardUpdate, Channel, MediaRef, OutMessage, SendResult } from '../channel';
import { errorMessage, WecomApiError } from '../errors';
import { classifyWecomError, type WecomClient } from './api';
import { WECOM_LIMITS } from './limits';
import { isInvalidMediaIdError, SOP_DIR, SOP_REF_PREFIX, type MediaCache } from './media';
import { renderCardUpdate, renderMessage } from './render';
import type { OutboundMessage } from './outbound';

/** WeCom's frequency limit: the block lasts the limit's window (60 s), so waiting less is pointless. */
const FREQUENCY_LIMIT = 45009;

export interface WecomChannelDeps {
  client: Pick<WecomClient, 'sendMessage' | 'updateTemplateCard' | 'uploadMedia'>;
  /** SOP files (config/sop/) go through the media cache. */
  media: Pick<MediaCache, 'withMediaId'>;
  /** The SOP ref to send for an SOP ref (the PDF once laid out: schedulers/sop-pdf.ts). */
  preferSop?(ref: string): string;
  /** The project root, for relative media paths. */
  root: string;
}

export type WecomChannel = Channel & { name: 'wecom' };

/** A WeCom failure as the outbox reads it. */
export function wecomFailure(err: unknown): SendResult & { ok: false } {
  const kind = classifyWecomError(err);
  const code = err instanceof WecomApiError ? String(err.errcode) : kind;
  if (kind === 'transient' || kind === 'token') return { ok: false, retry: 'later', code, message: errorMessage(err) };
  if (kind === 'rate_limited') {
    return { ok: false, retry: 'later', code, message: errorMessage(err), ...(code === String(FREQUENCY_LIMIT) ? { retryAfterMs: 60_000 } : {}) };
  }
  return { ok: false, retry: 'never', code, message: errorMessage(err) };
}

/** Rows stored before the seam hold WeCom bodies already (they have `msgtype`): sent as they are. */
const isWecomBody = (m: unknown): m is OutboundMessage => !!m && typeof (m as { msgtype?: unknown }).msgtype === 'string';

/** WeCom keeps temporary media for 3 days; a file's upload is reused for less than that. */
const REUSE_MS = 2.5 * 24 * 3_600_000;

export function createWecomChannel(deps: WecomChannelDeps): WecomChannel {
  const sopPrefix = `${SOP_DIR}/`;
  // Other files (the weekly heatmap picture, one per office scope, sent to several managers): uploaded once per
  // content and reused while fresh. Elapsed time only, never the time of day.
  const uploaded = new Map<string, { mediaId: Promise<string>; at: number }>();

  /** Uploads the file (SOPs through the cache) and sends with its media id; a stale id is replaced once. */
  async function withMedia<T>(media: MediaRef, kind: 'file' | 'image', send: (mediaId: string) => Promise<T>): Promise<T> {
    const rel = media.path.split(path.sep).join('/');
    if (rel.startsWith(SOP_REF_PREFIX) || rel.startsWith(sopPrefix)) {
      const ref = rel.startsWith(SOP_REF_PREFIX) ? rel : `${SOP_REF_PREFIX}${rel.slice(sopPrefix.length)}`;
      return deps.media.withMediaId(deps.preferSop ? deps.preferSop(ref) : ref, send);
    }
    const data = await fsp.readFile(path.resolve(deps.root, media.path));
    const key = `${kind}:${media.name}:${createHash('sha256').update(data).digest('hex')}`;
    let hit = uploaded.get(key);
    if (!hit || performance.now() - hit.at > REUSE_MS) {
      for (const [k, v] of uploaded) if (performance.now() - v.at > REUSE_MS) uploaded.delete(k); // WeCom forgot those
      hit = { mediaId: deps.client.uploadMedia(kind, media.name, data, media.contentType).then((u) => u.mediaId), at: performance.now() };
      uploaded.set(key, hit);
      hit.mediaId.catch(() => uploaded.delete(key));
    }
    try {
      return await send(await hit.mediaId);
    } catch (err) {
      if (!isInvalidMediaIdError(err)) throw err;
      uploaded.delete(key); // WeCom forgot it (40007): upload again, once
      const fresh = await deps.client.uploadMedia(kind, media.name, data, media.contentType);
      uploaded.set(key, { mediaId: Promise.resolve(fresh.mediaId), at: performance.now() });
      return send(fresh.mediaId);
    }
  }

  async function send(to: string, message: OutMessage | OutboundMessage, _idempotencyKey: string): Promise<SendResult> {
    try {
      const post = (m: OutboundMessage) => deps.client.sendMessage({ touser: to, ...m } as Parameters<WecomClient['sendMessage']>[0]);
      let result;
      if (isWecomBody(message)) {
        const legacyRef = message.msgtype === 'file' && message.file.media_id.startsWith(SOP_REF_PREFIX) ? message.file.media_id : null;
        result = legacyRef
          ? await withMedia({ path: legacyRef, name: legacyRef.slice(SOP_REF_PREFIX.length) }, 'file', (id) => post({ msgtype: 'file', file: { media_id: id } }))
          : await post(message);
      } else if (message.type === 'file' || message.type === 'image') {
        const kind = message.type;
        result = await withMedia(message.media, kind, (id) => post(renderMessage(message, () => id)));
      } else {
        result = await post(renderMessage(message));
      }
      return {
        ok: true, platformId: result.msgId, cardToken: result.responseCode,
        ...(result.invalidUser?.length ? { warning: `invalid recipients: ${result.invalidUser.join('|')}` } : {}),
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, retry: 'never', code: 'media_missing', message: errorMessage(err) };
      return wecomFailure(err);
    }
  }

  async function updateCard(ref: CardRef, update: CardUpdate, _idempotencyKey: string, to?: string): Promise<SendResult> {
    // A response_code works once: a second try after an unknown outcome can only fail, never show twice.
    if (!ref.token) return { ok: false, retry: 'never', code: 'no_response_code', message: 'a WeCom card is updated with the click’s response_code' };
    if (!to) return { ok: false, retry: 'never', code: 'no_recipient', message: 'a WeCom card update names its member' };
    try {
      const legacy = update as unknown as { template_card?: Record<string, unknown>; button?: { replace_name: string } };
      const body = legacy.template_card || legacy.button ? legacy : renderCardUpdate(update);
      await deps.client.updateTemplateCard({
        userIds: [to], responseCode: ref.token,
        ...('template_card' in body && body.template_card ? { card: body.template_card } : { replaceName: (body as { button: { replace_name: string } }).button.replace_name }),
      });
      return { ok: true };
    } catch (err) {
      return wecomFailure(err);
    }
  }

  return { name: 'wecom', limits: WECOM_LIMITS, send, updateCard };
}
