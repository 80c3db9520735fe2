/**
 * Chinese word segmentation for objection words (R10): @node-rs/jieba (a native module shipped as prebuilt
 * binaries through npm) with its default dictionary plus a few sales words. When it cannot be loaded (an
 * unsupported platform, a broken install) the dashboard keeps working on character bigrams and says so in the
 * log once.
 */
import type { Logger } from 'pino';
import { bigrams, objectionTerms } from '../domain/objections';

export interface Segmenter {
  mode: 'jieba' | 'bigram';
  /** Raw tokens, in order. */
  cut(text: string): string[];
  /** Countable terms of one objection (stop words out, each term once). */
  terms(text: string): string[];
}

/** Words the default dictionary splits but sales teams use as one (运维 → 运 维 otherwise). */
export const DOMAIN_WORDS = [
  '运维', '响应慢', '售后', '交付周期', '付款方式', '账期', '回款', '预付款', '报价单', '性价比', '竞品', '招标', '投标',
  '定制化', '二次开发', '私有化部署', '培训', '上线周期', '数据安全', '对接', '接口', '审批流程', '决策链',
];

let shared: Segmenter | null = null;

type JiebaInstance = { cut(sentence: string, hmm?: boolean | null): string[]; loadDict(dict: Uint8Array): void };

export function createSegmenter(log?: Pick<Logger, 'info' | 'warn'>, opts: { forceFallback?: boolean } = {}): Segmenter {
  let jieba: JiebaInstance | null = null;
  if (!opts.forceFallback) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Jieba } = require('@node-rs/jieba') as { Jieba: { withDict(d: Uint8Array): JiebaInstance } };
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { dict } = require('@node-rs/jieba/dict') as { dict: Uint8Array };
      jieba = Jieba.withDict(dict);
      jieba.loadDict(Buffer.from(DOMAIN_WORDS.map((w) => `${w} 20000 n`).join('\n')));
      log?.info({ segmenter: 'jieba' }, 'objection words: @node-rs/jieba loaded');
    } catch (err) {
      jieba = null;
      log?.warn({ err: (err as Error).message, segmenter: 'bigram' },
        'objection words: @node-rs/jieba could not be loaded; falling back to character bigrams (coarser word counts)');
    }
  }
  const cut = jieba ? (text: string) => jieba!.cut(text, true) : bigrams;
  return { mode: jieba ? 'jieba' : 'bigram', cut, terms: (text) => objectionTerms(cut(text)) };
}

/** One segmenter per process (loading the dictionary takes ~100 ms). */
export function sharedSegmenter(log?: Pick<Logger, 'info' | 'warn'>): Segmenter {
  shared ??= createSegmenter(log);
  return shared;
}
