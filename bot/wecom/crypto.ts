/**
 * WeCom callback verification (wecom-api.md §1). Numbered checks, timing-safe comparison, injected time.
 * @wecom/crypto does the AES work; it does not compare signatures or check the receiveid, so we do.
 * 详情请参阅 https://developer.work.weixin.qq.com/document/path/91144
 */
import { timingSafeEqual } from 'node:crypto';
import { decrypt, encrypt, getSignature } from '@wecom/crypto';
import { CallbackAuthenticityError } from '../errors';

/** WeCom's query names, kept on purpose. */
export interface CallbackQuery {
  msg_signature: string;
  timestamp: string;
  nonce: string;
  echostr?: string;
}

export interface CallbackCrypto {
  /** GET handshake: returns the decrypted echostr to answer with. */
  verifyUrl(q: CallbackQuery): string;
  /** POST: verifies the signature over `encrypt`, decrypts, checks the corp. Returns the inner XML. */
  open(q: CallbackQuery, encrypted: string): string;
  /** Builds an encrypted, signed callback body (tests, the sandbox, passive replies). */
  seal(plaintext: string, timestamp: string, nonce: string): { encrypt: string; signature: string };
}

export interface CallbackCryptoOptions {
  token: string;
  encodingAesKey: string;
  corpId: string;
}

const SHA1_HEX = /^[0-9a-f]{40}$/;

/** Constant-time comparison of two hex signatures; lengths are checked first (timingSafeEqual throws otherwise). */
export function signaturesMatch(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given.toLowerCase(), 'utf8');
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

export function createCallbackCrypto(opts: CallbackCryptoOptions): CallbackCrypto {
  if (!opts.token || !opts.encodingAesKey || !opts.corpId) {
    throw new Error('callback crypto needs WECOM_TOKEN, WECOM_ENCODING_AES_KEY and WECOM_CORP_ID');
  }
  if (Buffer.from(`${opts.encodingAesKey}=`, 'base64').length !== 32) {
    throw new Error('WECOM_ENCODING_AES_KEY must be the 43-character key from the WeCom console');
  }

  function check(q: CallbackQuery, payload: string): string {
    // Rule 1: every signed part is present and well-formed.
    if (!q.msg_signature || !q.timestamp || !q.nonce || !payload) throw new CallbackAuthenticityError('missing parameter');
    if (!SHA1_HEX.test(q.msg_signature.toLowerCase())) throw new CallbackAuthenticityError('signature format');
    // Rule 2: sha1(sort(token, timestamp, nonce, payload)) equals msg_signature, compared in constant time.
    const expected = getSignature(opts.token, q.timestamp, q.nonce, payload);
    if (!signaturesMatch(expected, q.msg_signature)) throw new CallbackAuthenticityError('signature mismatch');
    // Rule 3: the payload decrypts (AES-256-CBC, PKCS#7 to 32 bytes).
    let opened: { message: string; id: string };
    try {
      opened = decrypt(opts.encodingAesKey, payload);
    } catch {
      throw new CallbackAuthenticityError('decryption failed');
    }
    // Rule 4: the receiveid at the end of the plaintext is our CorpID (the library does not check it).
    if (opened.id !== opts.corpId) throw new CallbackAuthenticityError('receiveid is not our corp');
    return opened.message;
  }

  return {
    verifyUrl(q) {
      return check(q, q.echostr ?? '');
    },
    open(q, encrypted) {
      return check(q, encrypted);
    },
    seal(plaintext, timestamp, nonce) {
      const enc = encrypt(opts.encodingAesKey, plaintext, opts.corpId);
      return { encrypt: enc, signature: getSignature(opts.token, timestamp, nonce, enc) };
    },
  };
}
