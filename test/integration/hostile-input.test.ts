/**
 * Bad input that used to lose a message or trip alerts (issue 15): NUL in a signed text, deeply nested XML before
 * the signature, timestamps outside the window or not numbers. Real server and PostgreSQL; WeCom's API is nock'd.
 */
import { systemClock } from '../../app/clock'; // WeCom's timestamps are its wall clock, checked against ours
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { getSignature } from '@wecom/crypto';
import pino from 'pino';
import { startTestBot, type TestBot } from '../helpers/bot';
import { seedSmallOrg } from '../helpers/org';
import { ADMIN_TOKEN, TOKEN, mockWecom, sealCallback, textXml, waitFor } from '../helpers/wecom';

interface LogLine { level: number; msg: string; err?: { stack?: string }; [k: string]: unknown }

function capturingLogger() {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l) as LogLine);
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

const WARN = 40;

describe('hostile or odd callback input', () => {
  let t: TestBot;
  let wecom: ReturnType<typeof mockWecom>;
  let logs: ReturnType<typeof capturingLogger>;

  beforeEach(async () => {
    wecom = mockWecom();
    logs = capturingLogger();
    t = await startTestBot({ log: logs.log, config: { callbackMaxSkewSec: 300 } });
  });

  afterEach(async () => {
    await t.stop();
    wecom.done();
  });

  const inboxCount = async () => (await t.db.rows<{ n: number }>(sql`select count(*)::int as n from inbox`))[0]!.n;

  it('a signed text containing U+0000 is stored, handled and answered', async () => {
    const res = await t.callback(textXml('nul_user', '帮\u0000助'));
    expect(res.status).toBe(200);
    await waitFor(() => wecom.sent.length === 1, 'the reply');
    expect(wecom.sent[0]).toMatchObject({ touser: 'nul_user', msgtype: 'text' });
    const [row] = await t.db.rows<{ status: string; text: string }>(sql`select status, payload->>'text' as text from inbox`);
    expect(row).toEqual({ status: 'done', text: '帮助' });
  });

  it('9,000-level nested XML without a valid signature → 400, one warn line without a stack, nothing stored', async () => {
    const deep = `<xml>${'<a>'.repeat(9000)}${'</a>'.repeat(9000)}</xml>`;
    expect(deep.length).toBeGreaterThan(60_000);
    const sealed = sealCallback(textXml('u', 'x'));
    for (let i = 0; i < 3; i++) {
      const res = await t.post(`/wecom/callback?${sealed.query}`, deep, { 'content-type': 'text/xml' });
      expect(res.status).toBe(400);
    }
    // The same nesting wrapped around a correctly signed <Encrypt>: the signature holds, the depth limit refuses it.
    const enc = /<Encrypt><!\[CDATA\[(.*?)\]\]>/.exec(sealed.body)![1]!;
    const wrapped = `<xml><Encrypt><![CDATA[${enc}]]></Encrypt>${'<a>'.repeat(9000)}${'</a>'.repeat(9000)}</xml>`;
    expect((await t.post(`/wecom/callback?${sealed.query}`, wrapped, { 'content-type': 'text/xml' })).status).toBe(400);
    const refusals = logs.lines.filter((l) => /callback refused/.test(l.msg));
    expect(refusals).toHaveLength(4);
    expect(refusals.every((l) => l.level === WARN && !l.err && !JSON.stringify(l).includes('    at '))).toBe(true);
    expect(logs.lines.filter((l) => l.level > WARN)).toEqual([]);
    expect(await inboxCount()).toBe(0);
  });

  it('refuses a timestamp outside the default window (401) and a non-numeric one (400)', async () => {
    const old = sealCallback(textXml('u', 'x'), { timestamp: String(Math.floor(systemClock.now().getTime() / 1000) - 5 * 365 * 86400) });
    expect((await t.post(`/wecom/callback?${old.query}`, old.body)).status).toBe(401);
    const nan = sealCallback(textXml('u', 'x'), { timestamp: 'abc' });
    expect((await t.post(`/wecom/callback?${nan.query}`, nan.body)).status).toBe(400);
    const sig = getSignature(TOKEN, '1e3', 'n', 'x');
    expect((await t.post(`/wecom/callback?msg_signature=${sig}&timestamp=1e3&nonce=n`, '<xml><Encrypt>x</Encrypt></xml>')).status).toBe(400);
    expect(await inboxCount()).toBe(0);
    // A fresh one still passes.
    expect((await t.callback(textXml('u', '帮助'))).status).toBe(200);
  });
});

describe('names shown in cards', () => {
  it('drops bidirectional controls from a new customer’s name and refuses an over-long name with a clear answer', async () => {
    const wecom = mockWecom();
    const t = await startTestBot();
    try {
      await seedSmallOrg(t.db.db, t.clock.now());
      const say = async (text: string) => {
        expect((await t.callback(textXml('lina', text))).status).toBe(200);
        await t.bot.runner.runNow('inbox');
        await t.bot.runner.runNow('outbox');
      };
      await say('新客户 华夏\u202Egpj.exe医疗');
      await say(`新客户 ${'很'.repeat(31)}`);
      const names = await t.db.rows<{ name: string }>(sql`select name from customers order by id`);
      expect(names.map((r) => r.name)).toEqual(['华夏gpj.exe医疗']);
      const card = wecom.sent.find((m) => m.msgtype === 'template_card') as unknown as { template_card: { main_title: { title: string } } };
      expect(card.template_card.main_title.title).toBe('华夏gpj.exe医疗');
      const texts = wecom.sent.filter((m) => m.msgtype === 'text').map((m) => (m.text as { content: string }).content);
      expect(texts.at(-1)).toContain('客户名称最长 30 个字');
    } finally {
      await t.stop();
      wecom.done();
    }
  });
});

describe('/metrics is not public', () => {
  it('needs the admin token on the main port, or is served only on METRICS_LISTEN', async () => {
    const wecom = mockWecom();
    const a = await startTestBot();
    const b = await startTestBot({ config: { metricsListen: '127.0.0.1:3139' } });
    try {
      expect((await a.get('/metrics')).status).toBe(401);
      const ok = await a.get('/metrics', { authorization: `Bearer ${ADMIN_TOKEN}` });
      expect(ok.status).toBe(200);
      expect(ok.body).toContain('# TYPE');
      expect((await b.get('/metrics', { authorization: `Bearer ${ADMIN_TOKEN}` })).status).toBe(404);
      const side = await fetch('http://127.0.0.1:3139/metrics');
      expect(side.status).toBe(200);
      expect(await side.text()).toContain('# TYPE');
    } finally {
      await a.stop();
      await b.stop();
      wecom.done();
    }
  });
});

describe('configuration default', () => {
  it('the timestamp window is on by default (300 s)', async () => {
    const { loadConfig } = await import('../../app/config');
    expect(loadConfig({ SANDBOX: '1', PORT: '0' } as NodeJS.ProcessEnv).callbackMaxSkewSec).toBe(300);
  });
});
