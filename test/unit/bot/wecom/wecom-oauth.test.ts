// getUserIdByCode: the dashboard's OAuth2 (snsapi_base) code → userid, through the client's token and error handling.
import nock from 'nock';
import { createMemoryTokenStore, createWecomClient } from '../../../../bot/wecom/api';
import { WecomApiError } from '../../../../bot/errors';

const BASE = 'https://qyapi.test';
const log = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
const client = () => createWecomClient({
  baseUrl: BASE, corpId: 'ww-corp', agentId: 1000002, secret: 's', tokenStore: createMemoryTokenStore(), log, retry: { sleep: async () => undefined },
});

beforeEach(() => {
  nock(BASE).get('/cgi-bin/gettoken').query(true).reply(200, { errcode: 0, errmsg: 'ok', access_token: 'tok', expires_in: 7200 });
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

describe('getUserIdByCode', () => {
  it('answers the member’s userid', async () => {
    nock(BASE).get('/cgi-bin/auth/getuserinfo').query({ access_token: 'tok', code: 'CODE' })
      .reply(200, { errcode: 0, errmsg: 'ok', userid: 'zhangsan', user_ticket: 't', expires_in: 1800 });
    await expect(client().getUserIdByCode('CODE')).resolves.toBe('zhangsan');
  });

  it('answers null for a visitor outside the corp (openid only)', async () => {
    nock(BASE).get('/cgi-bin/auth/getuserinfo').query(true).reply(200, { errcode: 0, errmsg: 'ok', openid: 'oX' });
    await expect(client().getUserIdByCode('CODE')).resolves.toBeNull();
  });

  it('throws WeCom’s error for a bad or used code', async () => {
    nock(BASE).get('/cgi-bin/auth/getuserinfo').query(true).reply(200, { errcode: 40029, errmsg: 'invalid code' });
    await expect(client().getUserIdByCode('USED')).rejects.toBeInstanceOf(WecomApiError);
  });

  it('refuses an empty code before calling', async () => {
    nock.cleanAll();
    await expect(client().getUserIdByCode('')).rejects.toThrow(/needs a code/);
  });
});
