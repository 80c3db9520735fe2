import nock from 'nock';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { BotError, BotErrorCode, WecomApiError, WecomTransportError } from '../../../../bot/errors';
import {
  classifyWecomError, createMemoryTokenStore, createRedisTokenStore, createWecomClient, outcomeUnknown, WecomPayloadError,
  type ApiLogger, type WecomClientOptions, type WecomErrorClass,
} from '../../../../bot/wecom/api';

const BASE = 'https://qyapi.test';
const CORP = 'ww-test-corp';
const AGENT = 1000002;
const SECRET = 'fake-secret-do-not-log';
const OK = { errcode: 0, errmsg: 'ok' };

function fakeLog(): ApiLogger & { [K in keyof ApiLogger]: jest.Mock } {
  return { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
}

function makeClient(overrides: Partial<WecomClientOptions> = {}) {
  const sleeps: number[] = [];
  const log = fakeLog();
  const onRefresh = jest.fn();
  const client = createWecomClient({
    baseUrl: BASE, corpId: CORP, agentId: AGENT, secret: SECRET, tokenStore: createMemoryTokenStore(), log, onRefresh,
    retry: { baseDelayMs: 10, sleep: async (ms) => { sleeps.push(ms); } },
    ...overrides,
  });
  return { client, sleeps, log, onRefresh };
}

function mockGettoken(token: string, opts: { delayMs?: number } = {}) {
  return nock(BASE).get('/cgi-bin/gettoken').query({ corpid: CORP, corpsecret: SECRET })
    .delay(opts.delayMs ?? 0)
    .reply(200, { ...OK, access_token: token, expires_in: 7200 });
}

function mockSend(token: string, reply: object = OK, times = 1) {
  return nock(BASE).post('/cgi-bin/message/send').query({ access_token: token }).times(times).reply(200, reply);
}

beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

describe('access token', () => {
  it('fetches the token once and reuses it for sequential sends', async () => {
    mockGettoken('tok');
    mockSend('tok', OK, 5);
    const { client, onRefresh } = makeClient();
    for (let i = 0; i < 5; i++) await client.sendText(['zhangsan'], `hello ${i}`);
    expect(onRefresh).toHaveBeenCalledTimes(1);
  });

  it('calls gettoken exactly once for 20 concurrent sends with an empty cache', async () => {
    mockGettoken('tok', { delayMs: 50 });
    mockSend('tok', OK, 20);
    const { client, onRefresh } = makeClient();
    await Promise.all(Array.from({ length: 20 }, (_, i) => client.sendText(['zhangsan'], `hi ${i}`)));
    expect(onRefresh).toHaveBeenCalledTimes(1);
  });

  it('refreshes the token once on 42001 and retries the send successfully', async () => {
    mockGettoken('tok-old');
    mockSend('tok-old', { errcode: 42001, errmsg: 'access_token expired' });
    mockGettoken('tok-new');
    mockSend('tok-new', { ...OK, msgid: 'm1' });
    const { client, onRefresh } = makeClient();
    await expect(client.sendText(['zhangsan'], 'hi')).resolves.toMatchObject({ msgId: 'm1' });
    expect(onRefresh).toHaveBeenCalledTimes(2);
  });

  it('surfaces a second 42001 instead of looping', async () => {
    mockGettoken('tok-1');
    mockSend('tok-1', { errcode: 42001, errmsg: 'access_token expired' });
    mockGettoken('tok-2');
    mockSend('tok-2', { errcode: 42001, errmsg: 'access_token expired' });
    const { client } = makeClient();
    const err = await client.sendText(['zhangsan'], 'hi').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WecomApiError);
    expect((err as WecomApiError).errcode).toBe(42001);
    expect(classifyWecomError(err)).toBe('token');
  });

  it('treats 40001 as a configuration error: hint, one error log, no gettoken storm', async () => {
    nock(BASE).get('/cgi-bin/gettoken').query(true).reply(200, { errcode: 40001, errmsg: 'invalid credential' });
    const { client, log, sleeps } = makeClient();
    const first = await Promise.allSettled(Array.from({ length: 5 }, () => client.sendText(['zhangsan'], 'hi')));
    const later = await client.sendText(['zhangsan'], 'again').catch((e: unknown) => e);
    for (const err of [...first.map((r) => (r as PromiseRejectedResult).reason), later]) {
      expect(err).toBeInstanceOf(WecomApiError);
      expect((err as WecomApiError).errcode).toBe(40001);
      expect((err as WecomApiError).hint).toBe(
        'WECOM_SECRET does not match WECOM_CORP_ID/WECOM_AGENT_ID, or the app is disabled (check 应用管理 → Secret)',
      );
      expect(classifyWecomError(err)).toBe('config');
    }
    expect(log.error).toHaveBeenCalledTimes(1);
    expect(sleeps).toEqual([]);
  });

  it('puts the access_token in the query string only, never in the body', async () => {
    mockGettoken('tok-q');
    let body: Record<string, unknown> = {};
    nock(BASE)
      .post('/cgi-bin/message/send', (b: Record<string, unknown>) => { body = b; return !('access_token' in b); })
      .query((q) => q.access_token === 'tok-q')
      .reply(200, OK);
    const { client } = makeClient();
    await client.sendMarkdown(['zhangsan', 'lisi'], '**bold**');
    expect(body).toEqual({
      touser: 'zhangsan|lisi', msgtype: 'markdown', agentid: AGENT, markdown: { content: '**bold**' },
      enable_duplicate_check: 1, duplicate_check_interval: 1800, // a re-send of the same row is dropped by WeCom
    });
  });

  it('never logs the token or the secret, even on retries and transport errors', async () => {
    mockGettoken('tok-sensitive-1');
    mockSend('tok-sensitive-1', { errcode: 40014, errmsg: 'invalid access_token' });
    mockGettoken('tok-sensitive-2');
    // A 502 from a proxy: axios errors carry the full URL, token included, in their config.
    // (nock's replyWithError is avoided: with several test files in one process it can surface as an unhandled error.)
    mockSend('tok-sensitive-2', { errcode: -1, errmsg: 'system busy' });
    mockSend('tok-sensitive-2', { errcode: -1, errmsg: 'system busy' });
    mockSend('tok-sensitive-2', { errcode: -1, errmsg: 'system busy' });
    const { client, log } = makeClient();
    const err = await client.sendText(['zhangsan'], 'hi').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WecomApiError);
    const logged = JSON.stringify([log.debug, log.info, log.warn, log.error].map((m) => m.mock.calls));
    expect(logged).not.toMatch(/tok-sensitive|fake-secret/);
  });
});

describe('token cache shared through Redis', () => {
  const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `test-wecom-${process.pid}-${randomBytes(4).toString('hex')}`;
  let redisA: Redis;
  let redisB: Redis;

  beforeAll(() => {
    redisA = new Redis(url, { maxRetriesPerRequest: 1 });
    redisB = new Redis(url, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    const keys = await redisA.keys(`${prefix}:*`);
    if (keys.length) await redisA.del(...keys);
    await Promise.all([redisA.quit(), redisB.quit()]);
  });

  it('calls gettoken exactly once for 20 concurrent sends across two client instances', async () => {
    mockGettoken('tok-shared', { delayMs: 100 });
    mockSend('tok-shared', OK, 20);
    const a = makeClient({ tokenStore: createRedisTokenStore(redisA, prefix) });
    const b = makeClient({ tokenStore: createRedisTokenStore(redisB, prefix) });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).client.sendText(['zhangsan'], `hi ${i}`)),
    );
    expect(a.onRefresh.mock.calls.length + b.onRefresh.mock.calls.length).toBe(1);
    const key = `${prefix}:wecom:token:${CORP}:${AGENT}`;
    expect(await redisA.get(key)).toBe('tok-shared');
    const ttl = await redisA.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(7200_000 - 5 * 60_000);
    expect(await redisA.exists(`${key}:lock`)).toBe(0);
  });
});

describe('retries', () => {
  it('backs off on 45009 with growing sleeps, then succeeds', async () => {
    mockGettoken('tok');
    mockSend('tok', { errcode: 45009, errmsg: 'api freq out of limit' }, 2);
    mockSend('tok', { ...OK, msgid: 'm2' });
    const { client, sleeps } = makeClient();
    await expect(client.sendText(['zhangsan'], 'hi')).resolves.toMatchObject({ msgId: 'm2' });
    expect(sleeps).toHaveLength(2);
    expect(sleeps[1]).toBeGreaterThan(sleeps[0]);
    expect(sleeps[0]).toBeGreaterThan(10); // longer than the transient base delay
  });

  it('gives up on -1 after exactly 3 attempts', async () => {
    mockGettoken('tok');
    mockSend('tok', { errcode: -1, errmsg: 'system busy' }, 3);
    const { client, sleeps } = makeClient();
    const err = await client.sendText(['zhangsan'], 'hi').catch((e: unknown) => e);
    expect((err as WecomApiError).errcode).toBe(-1);
    expect(classifyWecomError(err)).toBe('transient');
    expect(sleeps).toEqual([10, 20]);
  });

  it('honours a configured maxAttempts', async () => {
    mockGettoken('tok');
    mockSend('tok', { errcode: -1, errmsg: 'system busy' }, 2);
    const { client, sleeps } = makeClient({ retry: { maxAttempts: 2, baseDelayMs: 1, sleep: async (ms) => { sleeps.push(ms); } } });
    await expect(client.sendText(['zhangsan'], 'hi')).rejects.toBeInstanceOf(WecomApiError);
    expect(sleeps).toEqual([1]);
  });

  it('retries network errors and 5xx of a read-only call as transport errors, then succeeds', async () => {
    mockGettoken('tok');
    nock(BASE).get('/cgi-bin/user/get').query(true).delay(4_000).reply(200, OK); // times out
    nock(BASE).get('/cgi-bin/user/get').query(true).reply(502, 'bad gateway');
    nock(BASE).get('/cgi-bin/user/get').query(true).reply(200, { ...OK, userid: 'zhangsan', name: '张三' });
    const { client, sleeps } = makeClient({ timeoutMs: 1_000 });
    await expect(client.getUser('zhangsan')).resolves.toMatchObject({ userId: 'zhangsan' });
    expect(sleeps).toEqual([10, 20]);
  });

  it('never repeats a message/send whose outcome is unknown (timeout, 502) inside the call', async () => {
    const tokenStore = createMemoryTokenStore();
    await tokenStore.set(`wecom:token:${CORP}:${AGENT}`, 'tok', 60_000); // only the send may time out
    let calls = 0;
    nock(BASE).post('/cgi-bin/message/send').query(true).times(3).delay(1_000).reply(() => {
      calls++;
      return [200, OK];
    });
    const { client, sleeps } = makeClient({ timeoutMs: 100, tokenStore });
    const err = await client.sendText(['zhangsan'], 'hi').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WecomTransportError);
    expect((err as Error).message).toMatch(/timeout/);
    expect(classifyWecomError(err)).toBe('transient'); // the outbox re-sends later, under WeCom's duplicate check
    expect(outcomeUnknown(err)).toBe(true);
    expect(sleeps).toEqual([]);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(calls).toBe(1);
    nock.cleanAll();

    nock(BASE).post('/cgi-bin/message/send').query(true).reply(502, 'bad gateway');
    const err502 = await client.sendText(['zhangsan'], 'hi').catch((e: unknown) => e);
    expect(outcomeUnknown(err502)).toBe(true);
    expect(sleeps).toEqual([]);
  });

  it('does not retry a permanent errcode such as 81013 and gives its hint', async () => {
    mockGettoken('tok');
    mockSend('tok', { errcode: 81013, errmsg: 'user & party & tag all invalid' });
    const { client, sleeps } = makeClient();
    const err = await client.sendText(['ghost'], 'hi').catch((e: unknown) => e);
    expect((err as WecomApiError).hint).toMatch(/visible range/);
    expect(classifyWecomError(err)).toBe('permanent');
    expect(sleeps).toEqual([]);
  });
});

describe('payload checks (refused before any HTTP call)', () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`);

  it('refuses 1001 recipients', async () => {
    const { client } = makeClient();
    await expect(client.sendText(ids(1001), 'hi')).rejects.toThrow(/1001 recipients.*at most 1000/);
    await expect(client.updateTemplateCard({ userIds: ids(1001), responseCode: 'rc', replaceName: 'done' }))
      .rejects.toBeInstanceOf(WecomPayloadError);
  });

  it('refuses text and markdown content over 2048 UTF-8 bytes', async () => {
    const { client } = makeClient();
    const chinese = '中'.repeat(683); // 2049 bytes, only 683 characters
    await expect(client.sendText(['zhangsan'], chinese)).rejects.toThrow(/2049 bytes/);
    await expect(client.sendMarkdown(['zhangsan'], 'a'.repeat(2049))).rejects.toBeInstanceOf(WecomPayloadError);
    await expect(client.sendText(['zhangsan'], '')).rejects.toThrow(/empty/);
  });

  it('accepts content of exactly 2048 bytes and 1000 recipients', async () => {
    mockGettoken('tok');
    mockSend('tok');
    const { client } = makeClient();
    await expect(client.sendText(ids(1000), 'a'.repeat(2048))).resolves.toBeDefined();
  });

  it('refuses media of 5 bytes or fewer and over the type limit', async () => {
    const { client } = makeClient();
    await expect(client.uploadMedia('file', 'tiny.txt', Buffer.from('12345'))).rejects.toThrow(/more than 5/);
    await expect(client.uploadMedia('voice', 'long.amr', Buffer.alloc(2 * 1024 * 1024 + 1))).rejects.toThrow(/voice limit/);
  });

  it('refuses an update with both a card and replaceName', async () => {
    const { client } = makeClient();
    await expect(client.updateTemplateCard({ atAll: true, responseCode: 'rc', card: {}, replaceName: 'x' }))
      .rejects.toThrow(/exactly one/);
  });
});

describe('endpoints', () => {
  it('uploads media as multipart with field "media" and the filename', async () => {
    mockGettoken('tok');
    let raw = '';
    nock(BASE)
      .post('/cgi-bin/media/upload', (body: string) => { raw = body; return true; })
      .query({ access_token: 'tok', type: 'file' })
      .matchHeader('content-type', /^multipart\/form-data; boundary=/)
      .reply(200, { errcode: 0, errmsg: '', type: 'file', media_id: 'MEDIA1', created_at: '1380000000' });
    const { client } = makeClient();
    const media = await client.uploadMedia('file', 'weekly-report.txt', Buffer.from('pipeline: 3 deals'), 'text/plain');
    expect(media).toEqual({ mediaId: 'MEDIA1', createdAt: 1380000000 });
    expect(raw).toMatch(/Content-Disposition: form-data; name="media"; filename="weekly-report.txt"/);
    expect(raw).toMatch(/Content-Type: text\/plain/);
    expect(raw).toContain('pipeline: 3 deals');
    expect(raw).not.toContain('access_token');
  });

  it('maps the send response to camelCase', async () => {
    mockGettoken('tok');
    mockSend('tok', { ...OK, invaliduser: 'a|b', unlicenseduser: 'c', msgid: 'm9', response_code: 'rc9' });
    const { client } = makeClient();
    await expect(client.sendTemplateCard(['a', 'b', 'c', 'd'], { card_type: 'button_interaction' })).resolves.toEqual({
      msgId: 'm9', responseCode: 'rc9', invalidUser: ['a', 'b'], invalidParty: [], invalidTag: [], unlicensedUser: ['c'],
    });
  });

  it('greys out card buttons through update_template_card', async () => {
    mockGettoken('tok');
    nock(BASE)
      .post('/cgi-bin/message/update_template_card', {
        userids: ['zhangsan'], atall: 0, agentid: AGENT, response_code: 'rc1', button: { replace_name: '已处理' },
      })
      .query({ access_token: 'tok' })
      .reply(200, OK);
    const { client } = makeClient();
    await client.updateTemplateCard({ userIds: ['zhangsan'], responseCode: 'rc1', replaceName: '已处理' });
  });

  it('reads users and departments into camelCase shapes', async () => {
    mockGettoken('tok');
    const rawUser = { userid: 'zhangsan', name: '张三', department: [1, 2], main_department: 2, direct_leader: ['lisi'], position: '销售', status: 1 };
    const user = { userId: 'zhangsan', name: '张三', department: [1, 2], mainDepartment: 2, directLeader: ['lisi'], position: '销售', status: 1 };
    const scope = nock(BASE).get('/cgi-bin/user/get').query({ access_token: 'tok', userid: 'zhangsan' }).reply(200, { ...OK, ...rawUser })
      .get('/cgi-bin/department/list').query({ access_token: 'tok', id: 2 })
      .reply(200, { ...OK, department: [{ id: 2, name: '销售部', name_en: 'Sales', parentid: 1, order: 10 }] })
      .get('/cgi-bin/user/list').query({ access_token: 'tok', department_id: 2 }).reply(200, { ...OK, userlist: [rawUser] });
    const { client } = makeClient();
    await expect(client.getUser('zhangsan')).resolves.toEqual(user);
    await expect(client.listDepartments(2)).resolves.toEqual([{ id: 2, name: '销售部', parentId: 1, order: 10 }]);
    await expect(client.listDepartmentUsers(2)).resolves.toEqual([user]);
    expect(scope.isDone()).toBe(true);
  });
});

describe('classifyWecomError', () => {
  const api = (code: number) => new WecomApiError(code, 'x', '/cgi-bin/message/send');
  const transport = (status?: number) =>
    new WecomTransportError('/cgi-bin/message/send', Object.assign(new Error('boom'), status ? { status } : {}));
  const table: Array<[string, WecomErrorClass, unknown]> = [
    ['40014 invalid token', 'token', api(40014)],
    ['42001 expired token', 'token', api(42001)],
    ['-1 system busy', 'transient', api(-1)],
    ['45009 frequency', 'rate_limited', api(45009)],
    ['45033 concurrency', 'rate_limited', api(45033)],
    ['40001 wrong secret', 'config', api(40001)],
    ['40013 bad corp id', 'config', api(40013)],
    ['48002 no permission', 'config', api(48002)],
    ['60020 untrusted IP', 'config', api(60020)],
    ['301002 wrong agent', 'config', api(301002)],
    ['81013 all recipients invalid', 'permanent', api(81013)],
    ['44004 empty content', 'permanent', api(44004)],
    ['network error', 'transient', transport()],
    ['HTTP 503', 'transient', transport(503)],
    ['HTTP 429', 'rate_limited', transport(429)],
    ['HTTP 404', 'permanent', transport(404)],
    ['refused payload', 'permanent', new WecomPayloadError('too long')],
    ['configuration BotError', 'config', new BotError(BotErrorCode.Configuration, 'x')],
    ['unknown infrastructure error', 'transient', new Error('redis down')],
  ];
  it.each(table)('%s → %s', (_name, expected, err) => {
    expect(classifyWecomError(err)).toBe(expected);
  });
});
