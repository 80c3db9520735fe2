import { loadConfig, redactedConfig } from '../../../../app/config';
import { channelFromEnv, loadDingtalkConfig } from '../../../../bot/dingtalk/config';
import { classifyDingtalkError, DingtalkApiError, DingtalkTransportError, readErrorBody } from '../../../../bot/dingtalk/errors';

describe('DingTalk configuration', () => {
  it('defaults: stream mode, the public hosts, robotCode = ClientID', () => {
    const c = loadDingtalkConfig({ CHANNEL: 'dingtalk', DINGTALK_CLIENT_ID: 'dingabc', DINGTALK_CLIENT_SECRET: 's' });
    expect(c).toMatchObject({ receiveMode: 'stream', apiBase: 'https://api.dingtalk.com', oapiBase: 'https://oapi.dingtalk.com', robotCode: 'dingabc', monthlyQuota: 10000, workNoticeFallback: false });
  });

  it('names every missing or wrong variable', () => {
    expect(() => loadDingtalkConfig({ DINGTALK_RECEIVE_MODE: 'webhook', DINGTALK_API_BASE: 'nope' })).toThrow(
      /DINGTALK_CLIENT_ID[\s\S]*DINGTALK_CLIENT_SECRET[\s\S]*DINGTALK_RECEIVE_MODE must be stream or http[\s\S]*DINGTALK_API_BASE must be a URL/);
    expect(() => loadDingtalkConfig({ DINGTALK_CLIENT_ID: 'a', DINGTALK_CLIENT_SECRET: 'b', DINGTALK_RECEIVE_MODE: 'http' })).toThrow(/DINGTALK_EVENT_TOKEN[\s\S]*DINGTALK_EVENT_AES_KEY/);
    expect(() => channelFromEnv({ CHANNEL: 'lark' })).toThrow(/CHANNEL must be wecom or dingtalk/);
    expect(channelFromEnv({})).toBe('wecom');
  });
});

describe('DingTalk error shapes, classified in one place', () => {
  it('old API: HTTP 200 with errcode', () => {
    const e = (code: number) => readErrorBody('oapi', 200, { errcode: code, errmsg: 'x' }, '/p')!;
    expect(readErrorBody('oapi', 200, { errcode: 0, errmsg: 'ok' }, '/p')).toBeNull();
    expect([40014, 42001, -1, 88, 90020, 40089, 60121].map((c) => classifyDingtalkError(e(c)))).toEqual(
      ['token', 'token', 'transient', 'transient', 'quota', 'config', 'permanent']);
  });

  it('new API: HTTP 4xx/5xx with {code, message}', () => {
    const e = (status: number, code: string) => readErrorBody('api', status, { code, message: 'x', requestid: 'r' }, '/p')!;
    expect(readErrorBody('api', 200, { success: true }, '/p')).toBeNull();
    expect([
      e(401, 'InvalidAuthentication'), e(403, 'Forbidden.AccessDenied.ApiCountLimitForOrg'), e(403, 'Forbidden.AccessDenied.QpsLimitForApi'),
      e(403, 'Forbidden.AccessDenied.AccessTokenPermissionDenied'), e(504, 'ServiceTimeout'), e(400, 'param.outTrackIdEmpty'),
    ].map(classifyDingtalkError)).toEqual(['token', 'quota', 'rate_limited', 'config', 'transient', 'permanent']);
    expect(e(400, 'x')).toBeInstanceOf(DingtalkApiError);
    expect(classifyDingtalkError(new DingtalkTransportError('/p', 'ECONNRESET'))).toBe('transient');
  });
});

describe('app configuration with CHANNEL=dingtalk', () => {
  it('needs no WeCom variable; names the missing DingTalk ones', () => {
    const c = loadConfig({ CHANNEL: 'dingtalk', DINGTALK_CLIENT_ID: 'dingabc', DINGTALK_CLIENT_SECRET: 'topsecret', DINGTALK_CARD_TEMPLATE_ID: 't.schema' }, '/x');
    expect(c).toMatchObject({ channel: 'dingtalk', sandbox: false, dingtalk: { clientId: 'dingabc', cardTemplateId: 't.schema', receiveMode: 'stream' } });
    expect(JSON.stringify(redactedConfig(c))).not.toContain('topsecret');
    expect(c.secret).toBe('topsecret'); // keys the signed upload and dashboard links, as WeCom's secret does
    expect(() => loadConfig({ CHANNEL: 'dingtalk', DINGTALK_CLIENT_ID: 'dingabc', DINGTALK_RECEIVE_MODE: 'http' }, '/x')).toThrow(/DINGTALK_CLIENT_SECRET[\s\S]*/);
  });

  it('without DingTalk credentials (or SANDBOX=dingtalk) it is the DingTalk sandbox, never next to real credentials', () => {
    expect(loadConfig({ CHANNEL: 'dingtalk' }, '/x')).toMatchObject({ channel: 'dingtalk', sandbox: true, allowTimeTravel: true });
    expect(loadConfig({ SANDBOX: 'dingtalk' }, '/x')).toMatchObject({ channel: 'dingtalk', sandbox: true });
    expect(() => loadConfig({ SANDBOX: 'dingtalk', DINGTALK_CLIENT_ID: 'dingabc' }, '/x')).toThrow(/never runs with real credentials/);
    expect(loadConfig({}, '/x')).toMatchObject({ channel: 'wecom', sandbox: true });
  });
});

describe('the server with CHANNEL=dingtalk', () => {
  it('builds on the DingTalk channel with no WeCom value set: no WeCom receiver, delivery through DingTalk', async () => {
    const { createBot } = await import('../../../../app/server');
    const config = loadConfig({ CHANNEL: 'dingtalk', DINGTALK_CLIENT_ID: 'dingabc', DINGTALK_CLIENT_SECRET: 's', LOG_LEVEL: 'silent', SANDBOX: '0' }, process.cwd());
    const bot = await createBot({ ...config, dataDir: 'memory://' });
    try {
      expect(bot.channel.name).toBe('dingtalk');
      expect(bot.crypto).toBeNull();
      expect(bot.sandbox).toBeNull();
      expect(bot.dingtalk).not.toBeNull();
    } finally {
      await bot.stop();
    }
  });
});
