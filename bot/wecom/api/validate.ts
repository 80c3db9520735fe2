import { WecomPayloadError } from './error-policy';
import type { MediaType } from './types';

/**
 * Limits WeCom enforces by truncating or by an errcode; we refuse before calling instead.
 * message/send: https://developer.work.weixin.qq.com/document/path/90236
 * media/upload: https://developer.work.weixin.qq.com/document/path/96484
 */
export const MAX_USER_IDS = 1000;
export const MAX_CONTENT_BYTES = 2048;
const MB = 1024 * 1024;
export const MEDIA_MAX_BYTES: Record<MediaType, number> = {
  image: 10 * MB,
  voice: 2 * MB,
  video: 10 * MB,
  file: 20 * MB,
};
/** WeCom rejects files of 5 bytes or fewer. */
export const MEDIA_MIN_BYTES = 6;

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** `touser`: user ids joined with `|`, 1 to 1000 of them. */
export function joinUserIds(userIds: string[], field = 'touser'): string {
  if (userIds.length === 0) throw new WecomPayloadError(`${field}: no recipients given`);
  if (userIds.length > MAX_USER_IDS) {
    throw new WecomPayloadError(`${field}: ${userIds.length} recipients, WeCom allows at most ${MAX_USER_IDS} per call; split the batch`);
  }
  for (const id of userIds) {
    if (!id || id.includes('|')) throw new WecomPayloadError(`${field}: invalid user id ${JSON.stringify(id)}`);
  }
  return userIds.join('|');
}

export function checkBytes(field: string, value: string, maxBytes: number, opts: { required?: boolean } = {}): void {
  if (opts.required && value.length === 0) throw new WecomPayloadError(`${field} is empty`);
  const bytes = utf8Bytes(value);
  if (bytes > maxBytes) {
    throw new WecomPayloadError(`${field} is ${bytes} bytes (UTF-8); WeCom allows ${maxBytes} and would truncate or reject it`);
  }
}

export function checkContent(field: string, content: string): void {
  checkBytes(field, content, MAX_CONTENT_BYTES, { required: true });
}

export function checkMedia(type: MediaType, filename: string, size: number): void {
  if (!filename) throw new WecomPayloadError('media upload needs a filename (users see it on file messages)');
  if (size < MEDIA_MIN_BYTES) throw new WecomPayloadError(`media ${filename} is ${size} bytes; WeCom needs more than 5`);
  const max = MEDIA_MAX_BYTES[type];
  if (max === undefined) throw new WecomPayloadError(`unknown media type ${String(type)}`);
  if (size > max) throw new WecomPayloadError(`media ${filename} is ${size} bytes; the ${type} limit is ${max} bytes`);
}
