/**
 * The org from DingTalk's directory (fake DingTalk) into the real store (PGlite): offices, people, direct managers
 * and roles; then directory change events update one member at a time.
 */
import { createDingtalkStack, type DingtalkStack } from '../../../bot/dingtalk/stack';
import type { FakeDingtalk } from '../../../bot/dingtalk/fake';
import { applyDingtalkContactChange, syncOrgFromDingtalk } from '../../../bot/dingtalk/org-sync';
import { listPeople, upsertPerson } from '../../../store/org';
import { openTestDatabase, type TestDatabase } from '../../helpers/db';
import { dingtalkConfig, quietLog, startFake } from '../../helpers/dingtalk';

const T0 = new Date('2026-11-30T02:00:00Z');
const clock = { now: () => T0 };

describe('org sync from DingTalk', () => {
  let fake: FakeDingtalk;
  let db: TestDatabase;
  let dt: DingtalkStack;

  beforeAll(async () => {
    db = await openTestDatabase('pglite');
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    fake = await startFake();
    dt = createDingtalkStack(dingtalkConfig(fake.base), { clock, log: quietLog, accept: async () => ({ duplicate: false }), onAccepted: () => undefined });
  });
  afterEach(() => fake.close());

  const people = async () => Object.fromEntries((await listPeople(db.db, { activeOnly: false })).map((p) => [p.userId, [p.officeId, p.supervisorId, p.roles, p.active]]));

  it('a full sync stores offices, members, managers and derived roles, keeping granted reviewer/admin', async () => {
    await upsertPerson(db.db, { userId: 'lina', name: '李娜', officeId: null, supervisorId: null, roles: ['reviewer'] }, T0);
    const r = await syncOrgFromDingtalk({ database: db, client: dt.client, clock, log: quietLog });
    expect(r).toMatchObject({ ok: true, offices: 3, people: 3 });
    expect(await people()).toEqual({
      zhangwei: ['2', null, ['supervisor'], true],
      lina: ['2', 'zhangwei', ['rep', 'reviewer'], true],
      wangfang: ['3', 'zhangwei', ['rep'], true],
    });
  });

  it('keeps the existing org when DingTalk refuses (no directory permission)', async () => {
    await syncOrgFromDingtalk({ database: db, client: dt.client, clock, log: quietLog });
    fake.state.failNext.push({ path: '/topapi/v2/department/get', times: 1, status: 200, body: { errcode: 60011, errmsg: '没有调用该接口的权限' } });
    expect(await syncOrgFromDingtalk({ database: db, client: dt.client, clock, log: quietLog })).toMatchObject({ ok: false });
    expect(Object.keys(await people()).sort()).toEqual(['lina', 'wangfang', 'zhangwei']);
  });

  it('change events: a new member is added with their manager; a leaver is deactivated', async () => {
    await syncOrgFromDingtalk({ database: db, client: dt.client, clock, log: quietLog });
    fake.state.users.set('zhaoqiang', { userid: 'zhaoqiang', name: '赵强', dept_id_list: [3], manager_userid: 'wangfang', active: true });
    const add = await applyDingtalkContactChange(db.db, dt.client, { channel: 'dingtalk', kind: 'contact.changed', userId: 'sys', createTime: 0, change: 'create_user', subjectUserId: 'zhaoqiang' }, T0, quietLog);
    expect(add).toBe('updated');
    const leave = await applyDingtalkContactChange(db.db, dt.client, { channel: 'dingtalk', kind: 'contact.changed', userId: 'sys', createTime: 0, change: 'delete_user', subjectUserId: 'lina' }, T0, quietLog);
    expect(leave).toBe('deactivated');
    const p = await people();
    expect(p.zhaoqiang).toEqual(['3', 'wangfang', ['rep'], true]);
    expect(p.wangfang![2]).toEqual(['supervisor']); // now someone reports to her
    expect(p.lina![3]).toBe(false);
  });

  it('a transient DingTalk failure throws so the inbox retries the event', async () => {
    fake.state.failNext.push({ path: '/topapi/v2/user/get', times: 3, status: 200, body: { errcode: -1, errmsg: '系统繁忙' } });
    const dt2 = createDingtalkStack(dingtalkConfig(fake.base), { clock, log: quietLog, accept: async () => ({ duplicate: false }), onAccepted: () => undefined, sleep: async () => undefined });
    await expect(applyDingtalkContactChange(db.db, dt2.client, { channel: 'dingtalk', kind: 'contact.changed', userId: 'sys', createTime: 0, change: 'update_user', subjectUserId: 'lina' }, T0, quietLog)).rejects.toThrow(/errcode -1/);
  });
});
