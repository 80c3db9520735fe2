/**
 * The org (办事处, people, roles, 直属上级) on a live server: PUT/GET /api/org, actor resolution, the WeCom directory
 * sync (nock'd department/list, user/list, user/get), change_contact callbacks, and WeCom refusing at start.
 * Real PostgreSQL (and the repository on PGlite too); WeCom's API is nock'd.
 */
import { systemClock } from '../../app/clock'; // CreateTime is WeCom's wall clock
import { sql } from 'drizzle-orm';
import nock from 'nock';
import type { Actor } from '../../bot/context';
import { listPeople, replaceOrg, supervisorChain, upsertPerson, type PersonRow } from '../../store/org';
import { startTestBot, type TestBot } from '../helpers/bot';
import { DRIVERS, openTestDatabase, type TestDatabase } from '../helpers/db';
import { ADMIN_TOKEN, API_BASE, CORP_ID, AGENT_ID, mockWecom, textXml, waitFor } from '../helpers/wecom';

const AUTH = { authorization: `Bearer ${ADMIN_TOKEN}` };
const T0 = new Date('2026-03-02T01:00:00Z');

/** What an admin pastes from the org spreadsheet. 王芳 has no roles column filled in: derived. */
const SPREADSHEET = {
  offices: [
    { id: 'hq', name: '销售总部' },
    { id: 'east', name: '华东办事处', parentId: 'hq' },
    { id: 'south', name: '华南办事处', parentId: 'hq' },
  ],
  people: [
    { userId: 'zhaolei', name: '赵磊', officeId: 'hq', roles: ['supervisor', 'admin'] },
    { userId: 'zhangwei', name: '张伟', officeId: 'east', roles: ['supervisor'], supervisorId: 'zhaolei' },
    { userId: 'lina', name: '李娜', officeId: 'east', roles: ['rep'], supervisorId: 'zhangwei' },
    { userId: 'wangfang', name: '王芳', officeId: 'east', supervisorId: 'zhangwei' },
    { userId: 'chenjing', name: '陈静', officeId: 'south', roles: ['supervisor'], supervisorId: 'zhaolei' },
    { userId: 'liuyang', name: '刘洋', officeId: 'south', roles: ['rep'], supervisorId: 'chenjing' },
    { userId: 'sunli', name: '孙丽', officeId: 'hq', roles: ['reviewer'] },
  ],
};

type Problem = { path: string; message: string };
interface OrgView {
  offices: { id: string; name: string; parentId: string | null }[];
  people: (PersonRow & { updatedAt: string })[];
  lastReplace: { source: string; people: number } | null;
}

async function call(t: TestBot, method: string, path: string, body?: unknown, headers: Record<string, string> = AUTH) {
  const res = await fetch(t.base + path, {
    method, headers: { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const putOrg = (t: TestBot, body: unknown) => call(t, 'PUT', '/api/org', body);
const getOrg = async (t: TestBot, query = ''): Promise<OrgView> => (await call(t, 'GET', `/api/org${query}`)).body as unknown as OrgView;
const byId = (org: OrgView) => Object.fromEntries(org.people.map((p) => [p.userId, p]));

function contactXml(changeType: string, fields: Record<string, string>, createTime = Math.floor(systemClock.now().getTime() / 1000)): string {
  const extra = Object.entries(fields).map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`).join('');
  return `<xml><ToUserName><![CDATA[${CORP_ID}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>` +
    `<CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event>` +
    `<ChangeType><![CDATA[${changeType}]]></ChangeType>${extra}<AgentID>${AGENT_ID}</AgentID></xml>`;
}

const ok = (data: object) => ({ errcode: 0, errmsg: 'ok', ...data });
const wecomUser = (userid: string, name: string, main: number, leaders: string[] = [], extra: Record<string, unknown> = {}) => ({
  userid, name, department: [main], main_department: main, direct_leader: leaders, is_leader_in_dept: [0], status: 1, ...extra,
});

/** The same company in WeCom's directory: 1 the company, 2 华东办事处, 3 华南办事处. */
function nockDirectory() {
  const lists: Record<string, unknown[]> = {
    1: [wecomUser('zhaolei', '赵磊', 1), wecomUser('sunli', '孙丽', 1, ['zhaolei'])],
    2: [
      wecomUser('zhangwei', '张伟', 2, ['zhaolei']),
      wecomUser('lina', '李娜', 2, ['zhangwei']),
      wecomUser('wangfang', '王芳', 2, ['zhangwei'], { department: [2, 3] }),
      wecomUser('zhouqiang', '周强', 2, ['zhangwei'], { status: 5 }), // quit
    ],
    3: [
      wecomUser('chenjing', '陈静', 3, ['zhaolei']),
      wecomUser('liuyang', '刘洋', 3, ['chenjing']),
      wecomUser('wangfang', '王芳', 2, ['zhangwei'], { department: [2, 3] }), // listed in both departments
      wecomUser('huanglei', '黄磊', 3, ['chenjing']),
    ],
  };
  const asked: string[] = [];
  nock(API_BASE).get('/cgi-bin/department/list').query(true).reply(200, ok({
    department: [
      { id: 1, name: '星海科技', parentid: 0, order: 1 },
      { id: 2, name: '华东办事处', parentid: 1, order: 2 },
      { id: 3, name: '华南办事处', parentid: 1, order: 3 },
    ],
  }));
  nock(API_BASE).get('/cgi-bin/user/list').query(true).times(3).reply((uri) => {
    const id = new URL(uri, API_BASE).searchParams.get('department_id')!;
    asked.push(id);
    return [200, ok({ userlist: lists[id] ?? [] })];
  });
  return asked;
}

describe('org on a live server', () => {
  let t: TestBot;
  let wecom: ReturnType<typeof mockWecom>;

  beforeEach(async () => {
    wecom = mockWecom();
    t = await startTestBot();
  });

  afterEach(async () => {
    await t.stop();
    wecom.done();
  });

  it('PUT /api/org from a spreadsheet, then GET returns it, with derived roles and the source', async () => {
    const res = await putOrg(t, SPREADSHEET);
    expect(res).toEqual({ status: 200, body: { ok: true, offices: 3, people: 7, deactivated: 0 } });
    const org = await getOrg(t);
    expect(org.offices).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'east', name: '华东办事处', parentId: 'hq' })]));
    const p = byId(org);
    expect(Object.keys(p).sort()).toEqual(['chenjing', 'lina', 'liuyang', 'sunli', 'wangfang', 'zhangwei', 'zhaolei']);
    expect(p.lina).toMatchObject({ name: '李娜', officeId: 'east', roles: ['rep'], supervisorId: 'zhangwei', active: true });
    expect(p.zhaolei!.roles).toEqual(['supervisor', 'admin']);
    expect(p.wangfang!.roles).toEqual(['rep']); // no roles given: derived
    expect(p.sunli!.roles).toEqual(['reviewer']);
    expect(org.lastReplace).toMatchObject({ source: 'api', people: 7 });

    const reps = await getOrg(t, '?role=rep&officeId=east');
    expect(reps.people.map((x) => x.userId).sort()).toEqual(['lina', 'wangfang']);
    expect((await call(t, 'GET', '/api/org?role=boss')).status).toBe(400);
  });

  it('refuses without the admin token', async () => {
    expect((await call(t, 'PUT', '/api/org', SPREADSHEET, {})).status).toBe(401);
    expect((await call(t, 'GET', '/api/org', undefined, { authorization: 'Bearer wrong-token-wrong-token!' })).status).toBe(401);
    expect((await listPeople(t.db.db, { activeOnly: false }))).toHaveLength(0);
  });

  it('resolves the actor of a text callback to the person with office and supervisor', async () => {
    await putOrg(t, SPREADSHEET);
    const seen: Actor[] = [];
    t.bot.router.use(async (ctx, next) => {
      if (ctx.event.kind === 'message.text') seen.push(ctx.actor);
      await next();
    });
    expect((await t.callback(textXml('lina', '帮助'))).status).toBe(200);
    await waitFor(() => seen.length === 1, 'the handler to run');
    expect(seen[0]).toEqual({
      userId: 'lina',
      person: { userId: 'lina', name: '李娜', officeId: 'east', roles: ['rep'], supervisorId: 'zhangwei' },
    });
    expect((await supervisorChain(t.db.db, 'lina')).map((p) => p.name)).toEqual(['张伟', '赵磊']);
  });

  it('answers 400 with every problem, in zh-CN, and writes nothing', async () => {
    expect((await putOrg(t, SPREADSHEET)).status).toBe(200);
    const before = await getOrg(t);
    const bad = structuredClone(SPREADSHEET) as { offices: unknown[]; people: Record<string, unknown>[] };
    bad.people[0]!.supervisorId = 'lina'; // 赵磊 → 李娜 → 张伟 → 赵磊
    bad.people[5]!.supervisorId = 'wangqiang'; // not in the list
    bad.people.push({ userId: 'LiNa', name: '李娜', officeId: 'east', roles: ['rep'] }); // duplicate userid
    bad.people.push({ userId: 'zhaoyun', officeId: 'north', roles: ['boss'] }); // no name, unknown office, unknown role
    bad.people.push({ userId: 'gaofei', name: 42 }); // wrong type
    const res = await putOrg(t, bad);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_org');
    const problems = res.body.problems as Problem[];
    const at = (path: string) => problems.filter((p) => p.path === path).map((p) => p.message);
    expect(at('people[0].supervisorId')).toEqual(['直属上级形成循环：赵磊（zhaolei） → 李娜（lina） → 张伟（zhangwei） → 赵磊（zhaolei）']);
    expect(at('people[5].supervisorId')).toEqual(['刘洋（liuyang）的直属上级 wangqiang 不在人员名单中']);
    expect(at('people[7].userId')).toEqual(['企业微信账号 LiNa 重复：李娜（LiNa）与 people[2] 李娜（lina）相同']);
    expect(at('people[8].name')).toEqual(['人员 zhaoyun 缺少姓名（name）']);
    expect(at('people[8].officeId')).toEqual(['zhaoyun的办事处 north 不在办事处列表中']);
    expect(at('people[8].roles[0]')).toEqual(['未知角色 boss，可选：rep、supervisor、reviewer、admin']);
    expect(at('people[9].name')).toEqual(['应为文本']); // the type problem, not a second "missing name"
    expect(problems).toHaveLength(7);
    expect(res.body.message).toBe('组织架构数据有 7 处问题，未写入任何数据');
    expect(await getOrg(t)).toEqual(before);
  });

  it('answers 400 for a body that is not an org at all, and for an empty people list', async () => {
    const notOrg = await putOrg(t, [1, 2]);
    expect(notOrg.status).toBe(400);
    expect((notOrg.body.problems as Problem[])[0]!.message).toContain('offices');
    const empty = await putOrg(t, { offices: [], people: [] });
    expect(empty.status).toBe(400);
    expect((empty.body.problems as Problem[]).map((p) => p.path)).toEqual(['people']);
    expect((await call(t, 'PUT', '/api/org', '{"offices": [')).status).toBe(400);
  });

  it('a re-PUT without someone marks them inactive, never deletes them; a later PUT brings them back', async () => {
    await putOrg(t, SPREADSHEET);
    const without = { ...SPREADSHEET, people: SPREADSHEET.people.filter((p) => p.userId !== 'liuyang') };
    expect((await putOrg(t, without)).body).toEqual({ ok: true, offices: 3, people: 6, deactivated: 1 });
    const all = byId(await getOrg(t));
    expect(all.liuyang).toMatchObject({ name: '刘洋', active: false, supervisorId: 'chenjing' });
    expect(byId(await getOrg(t, '?activeOnly=1')).liuyang).toBeUndefined();
    const [n] = await t.db.rows<{ n: number }>(sql`select count(*)::int as n from people`);
    expect(n!.n).toBe(7);
    expect((await putOrg(t, SPREADSHEET)).body).toMatchObject({ deactivated: 0 });
    expect(byId(await getOrg(t)).liuyang!.active).toBe(true);
  });

  it('syncs offices, people, supervisors and derived roles from WeCom, keeping granted roles', async () => {
    // Before: the spreadsheet org (赵磊 admin, 孙丽 reviewer) and someone WeCom no longer lists.
    await putOrg(t, { ...SPREADSHEET, people: [...SPREADSHEET.people, { userId: 'olduser', name: '老员工', officeId: 'east' }] });
    const asked = nockDirectory();
    const result = await t.bot.syncOrg();
    expect(result).toMatchObject({ ok: true, offices: 3, people: 9 });
    expect(asked.sort()).toEqual(['1', '2', '3']);

    const org = await getOrg(t);
    expect(org.offices.filter((o) => ['1', '2', '3'].includes(o.id))).toEqual([
      expect.objectContaining({ id: '1', name: '星海科技', parentId: null }),
      expect.objectContaining({ id: '2', name: '华东办事处', parentId: '1' }),
      expect.objectContaining({ id: '3', name: '华南办事处', parentId: '1' }),
    ]);
    const p = byId(org);
    expect(p.zhaolei).toMatchObject({ officeId: '1', supervisorId: null, roles: ['supervisor', 'admin'], active: true });
    expect(p.zhangwei).toMatchObject({ officeId: '2', supervisorId: 'zhaolei', roles: ['supervisor'] });
    expect(p.lina).toMatchObject({ officeId: '2', supervisorId: 'zhangwei', roles: ['rep'] });
    expect(p.wangfang).toMatchObject({ officeId: '2', supervisorId: 'zhangwei', roles: ['rep'] }); // main_department wins
    expect(p.chenjing).toMatchObject({ officeId: '3', roles: ['supervisor'] });
    expect(p.huanglei).toMatchObject({ name: '黄磊', officeId: '3', supervisorId: 'chenjing', roles: ['rep'], active: true });
    expect(p.sunli).toMatchObject({ officeId: '1', roles: ['rep', 'reviewer'] }); // reviewer kept from the PUT
    expect(p.zhouqiang).toMatchObject({ active: false }); // status 5: quit
    expect(p.olduser).toMatchObject({ active: false });
    expect(org.lastReplace).toMatchObject({ source: 'wecom' });
  });

  it('a change_contact update_user callback re-fetches the member and updates them', async () => {
    await putOrg(t, SPREADSHEET);
    nock(API_BASE).get('/cgi-bin/user/get').query({ access_token: /.*/, userid: 'lina' })
      .reply(200, ok(wecomUser('lina', '李娜', 3, ['liuyang'])));
    expect((await t.callback(contactXml('update_user', { UserID: 'lina' }))).status).toBe(200);
    await waitFor(async () => (await supervisorChain(t.db.db, 'lina'))[0]?.userId === 'liuyang', 'lina to be updated');
    const p = byId(await getOrg(t));
    expect(p.lina).toMatchObject({ officeId: '3', supervisorId: 'liuyang', roles: ['rep'], active: true });
    expect(p.liuyang!.roles).toEqual(['supervisor']); // someone reports to them now
  });

  it('create_user adds the member; delete_user marks them inactive', async () => {
    await putOrg(t, SPREADSHEET);
    nock(API_BASE).get('/cgi-bin/user/get').query(true)
      .reply(200, ok(wecomUser('xuming', '徐明', 2, ['zhangwei'])));
    await t.callback(contactXml('create_user', { UserID: 'xuming' }));
    await waitFor(async () => !!byId(await getOrg(t)).xuming, 'xuming to be created');
    expect(byId(await getOrg(t)).xuming).toMatchObject({ name: '徐明', officeId: '2', supervisorId: 'zhangwei', roles: ['rep'] });

    await t.callback(contactXml('delete_user', { UserID: 'liuyang' }));
    await waitFor(async () => byId(await getOrg(t)).liuyang?.active === false, 'liuyang to be deactivated');
    expect(byId(await getOrg(t)).liuyang).toMatchObject({ name: '刘洋', supervisorId: 'chenjing' });
  });

  it('a member the app may not read (60011) is skipped with the org unchanged; the inbox row is done', async () => {
    await putOrg(t, SPREADSHEET);
    const before = await getOrg(t);
    const userGet = nock(API_BASE).get('/cgi-bin/user/get').query(true)
      .reply(200, { errcode: 60011, errmsg: 'no privilege to access/modify contact/party/agent' });
    await t.callback(contactXml('update_user', { UserID: 'lina' }));
    await waitFor(async () => (await t.db.rows<{ n: number }>(sql`select count(*)::int as n from inbox where status = 'done'`))[0]!.n === 1, 'the row to be handled');
    expect(userGet.isDone()).toBe(true);
    expect(await getOrg(t)).toEqual(before);
  });

  it('a party change resyncs the offices', async () => {
    await putOrg(t, SPREADSHEET);
    nock(API_BASE).get('/cgi-bin/department/list').query(true).reply(200, ok({
      department: [{ id: 1, name: '星海科技', parentid: 0, order: 1 }, { id: 4, name: '西南办事处', parentid: 1, order: 4 }],
    }));
    await t.callback(contactXml('create_party', { Id: '4' }));
    await waitFor(async () => (await getOrg(t)).offices.some((o) => o.id === '4'), 'the new office');
    expect((await getOrg(t)).offices.find((o) => o.id === '4')).toMatchObject({ name: '西南办事处', parentId: '1' });
    expect((await getOrg(t)).offices).toHaveLength(5); // nothing removed
  });
});

describe('org sync at start', () => {
  let db: TestDatabase;
  let wecom: ReturnType<typeof mockWecom>;

  beforeEach(async () => {
    wecom = mockWecom();
    db = await openTestDatabase('postgres');
    await replaceOrg(db.db, {
      offices: [{ id: 'east', name: '华东办事处' }],
      people: [{ userId: 'zhangwei', name: '张伟', officeId: 'east', roles: ['supervisor'] },
        { userId: 'lina', name: '李娜', officeId: 'east', roles: ['rep'], supervisorId: 'zhangwei' }],
    }, T0, 'api');
  });

  afterEach(async () => {
    wecom.done();
    await db.close();
  });

  async function orgRows() {
    return (await listPeople(db.db, { activeOnly: false })).map(({ updatedAt: _u, ...rest }) => rest);
  }

  it('WeCom answering 60011: start still works, the org is unchanged, and the hint is reported', async () => {
    const before = await orgRows();
    nock(API_BASE).get('/cgi-bin/department/list').query(true).reply(200, { errcode: 60011, errmsg: 'no privilege to access/modify contact/party/agent' });
    const t = await startTestBot({ db, config: { orgSyncOnStart: true } });
    try {
      expect((await t.get('/healthz')).status).toBe(200);
      const result = await t.bot.initialOrgSync();
      expect(result).toMatchObject({ ok: false, errcode: 60011, hint: expect.stringContaining('可见范围') });
      expect(await orgRows()).toEqual(before);
      await t.callback(textXml('lina', '帮助'));
      await waitFor(() => wecom.sent.length === 1, 'the bot to still answer');
    } finally {
      await t.stop({ keepDatabase: true });
    }
  });

  it('a failure half-way (48002 on one user/list) keeps the whole existing org', async () => {
    const before = await orgRows();
    nock(API_BASE).get('/cgi-bin/department/list').query(true).reply(200, ok({
      department: [{ id: 1, name: '星海科技', parentid: 0, order: 1 }, { id: 2, name: '华东办事处', parentid: 1, order: 2 }],
    }));
    nock(API_BASE).get('/cgi-bin/user/list').query({ access_token: /.*/, department_id: '1' }).reply(200, ok({ userlist: [wecomUser('zhaolei', '赵磊', 1)] }));
    nock(API_BASE).get('/cgi-bin/user/list').query({ access_token: /.*/, department_id: '2' }).reply(200, { errcode: 48002, errmsg: 'api forbidden' });
    const t = await startTestBot({ db, config: { orgSyncOnStart: true } });
    try {
      const result = await t.bot.initialOrgSync();
      expect(result).toMatchObject({ ok: false, errcode: 48002, hint: expect.stringContaining('not permitted') });
      expect(await orgRows()).toEqual(before);
    } finally {
      await t.stop({ keepDatabase: true });
    }
  });

  it('without the flag, start does not call WeCom', async () => {
    const t = await startTestBot({ db });
    try {
      expect(t.bot.initialOrgSync()).toBeNull();
    } finally {
      await t.stop({ keepDatabase: true });
    }
  });
});

describe.each(DRIVERS)('org repository on %s', (driver) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase(driver);
  });
  beforeEach(async () => {
    await db.execScript('truncate offices, people, app_state');
  });
  afterAll(async () => {
    await db.close();
  });

  const org = {
    offices: [{ id: 'east', name: '华东办事处' }],
    people: [
      { userId: 'zhaolei', name: '赵磊', officeId: 'east', roles: ['supervisor'] },
      { userId: 'zhangwei', name: '张伟', officeId: 'east', roles: ['supervisor'], supervisorId: 'zhaolei' },
      { userId: 'lina', name: '李娜', officeId: 'east', roles: ['rep'], supervisorId: 'zhangwei' },
    ],
  };

  it('replaces in one transaction, filters by role, and bumps updatedAt only on a real change', async () => {
    expect(await replaceOrg(db.db, org, T0, 'api')).toEqual({ offices: 1, people: 3, deactivated: 0 });
    const later = new Date(T0.getTime() + 60_000);
    await replaceOrg(db.db, { ...org, people: org.people.map((p) => (p.userId === 'lina' ? { ...p, name: '李娜娜' } : p)) }, later, 'api');
    const rows = Object.fromEntries((await listPeople(db.db)).map((p) => [p.userId, p]));
    expect(rows.lina!.updatedAt).toEqual(later);
    expect(rows.zhangwei!.updatedAt).toEqual(T0);
    expect((await listPeople(db.db, { role: 'supervisor' })).map((p) => p.userId)).toEqual(['zhangwei', 'zhaolei']);
  });

  it('a failing replace leaves nothing behind', async () => {
    await replaceOrg(db.db, org, T0, 'api');
    const broken = { offices: org.offices, people: [{ userId: 'wangfang', name: null as unknown as string, roles: [] }] };
    await expect(replaceOrg(db.db, broken, T0, 'api')).rejects.toThrow();
    expect((await listPeople(db.db)).map((p) => p.userId).sort()).toEqual(['lina', 'zhangwei', 'zhaolei']);
  });

  it('walks the supervisor chain nearest first, through inactive people, and stops at a cycle or the depth', async () => {
    await replaceOrg(db.db, org, T0, 'api');
    expect((await supervisorChain(db.db, 'lina')).map((p) => p.userId)).toEqual(['zhangwei', 'zhaolei']);
    expect((await supervisorChain(db.db, 'lina', 1)).map((p) => p.userId)).toEqual(['zhangwei']);
    await upsertPerson(db.db, { ...org.people[1]!, active: false }, T0);
    expect((await supervisorChain(db.db, 'lina')).map((p) => p.userId)).toEqual(['zhaolei']);
    await upsertPerson(db.db, { ...org.people[0]!, supervisorId: 'lina' }, T0); // a cycle, as WeCom may have it
    expect((await supervisorChain(db.db, 'lina', 10, { includeInactive: true })).map((p) => p.userId)).toEqual(['zhangwei', 'zhaolei']);
    expect(await supervisorChain(db.db, 'nobody')).toEqual([]);
  });
});
