import { loadConfig, redactedConfig } from '../../../app/config';

const valid = {
  WECOM_CORP_ID: 'ww123', WECOM_AGENT_ID: '1000002', WECOM_SECRET: 's3cret-value', WECOM_TOKEN: 'Tok123',
  WECOM_ENCODING_AES_KEY: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
};

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig(valid, '/srv/bot');
    expect(c).toMatchObject({ apiBase: 'https://qyapi.weixin.qq.com', port: 3000, tz: 'Asia/Shanghai', dataDir: '/srv/bot/data', agentId: 1000002 });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
  });

  it('treats empty values from a copied .env.example as unset', () => {
    const c = loadConfig({ ...valid, PORT: '', DATABASE_URL: '', ADMIN_TOKEN: '', REDIS_URL: '' }, '/x');
    expect(c.port).toBe(3000);
    expect(c.adminToken).toBeUndefined();
  });

  it('fails fast naming every bad variable', () => {
    expect(() => loadConfig({ ...valid, WECOM_ENCODING_AES_KEY: 'short', WECOM_AGENT_ID: 'abc' })).toThrow(
      /WECOM_AGENT_ID[\s\S]*WECOM_ENCODING_AES_KEY|WECOM_ENCODING_AES_KEY[\s\S]*WECOM_AGENT_ID/,
    );
    expect(() => loadConfig({ ...valid, WECOM_CORP_ID: undefined })).toThrow(/WECOM_CORP_ID/);
  });

  it('never shows secrets or database passwords in the loggable view', () => {
    const c = loadConfig({ ...valid, ADMIN_TOKEN: 'a-very-long-admin-token', DATABASE_URL: 'postgres://bot:hunter2@db:5432/bot' });
    const text = JSON.stringify(redactedConfig(c));
    for (const secret of ['s3cret-value', 'Tok123', valid.WECOM_ENCODING_AES_KEY, 'a-very-long-admin-token', 'hunter2']) {
      expect(text).not.toContain(secret);
    }
  });
});
