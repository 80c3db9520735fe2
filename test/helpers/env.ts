/** Where the real services for tests live. CI starts them (.ci/run); locally they are the machine's own. */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The instant tests start their clocks at unless they state another: Thursday 2026-11-26 14:00 Asia/Shanghai. */
export const TEST_START = new Date('2026-11-26T14:00:00+08:00');
