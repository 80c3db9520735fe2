/**
 * A handled message looks the same people up several times in its transaction (store/people.ts rememberPeople): each
 * is read once, and a change to people made meanwhile — in that transaction or elsewhere in the process — is seen.
 */
import { sql } from 'drizzle-orm';
import { deactivatePerson, replaceOrg, upsertPerson } from '../../store/org';
import { findPerson, rememberPeople } from '../../store/people';
import { openTestDatabase, type TestDatabase } from '../helpers/db';

const NOW = new Date('2026-12-01T10:00:00+08:00');

describe('people looked up in a handler transaction (PostgreSQL)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase('postgres');
  });
  afterAll(async () => {
    await database.close();
  });

  it('reads each person once per transaction, and sees a change made by the org code in it or elsewhere', async () => {
    await upsertPerson(database.db, { userId: 'lisi', name: '李四', roles: ['rep'], supervisorId: 'zhaoliu' }, NOW);
    await database.db.transaction(async (tx) => {
      rememberPeople(tx);
      expect((await findPerson(tx, 'lisi'))?.name).toBe('李四');
      // Changed behind the memo's back by raw SQL: the memo still answers (one read per transaction)…
      await database.rows(sql`update people set name = '李四四' where user_id = 'lisi'`, tx);
      expect((await findPerson(tx, 'lisi'))?.name).toBe('李四');
      expect(await findPerson(tx, 'nobody')).toBeNull();
      // …but every change through the org code is seen at once: in this transaction,
      await upsertPerson(tx, { userId: 'lisi', name: '李四（华东）', roles: ['rep'], supervisorId: 'zhaoliu' }, NOW);
      expect((await findPerson(tx, 'lisi'))?.name).toBe('李四（华东）');
      await deactivatePerson(tx, 'lisi', NOW);
      expect((await findPerson(tx, 'lisi'))?.active).toBe(false);
      // in a savepoint (an org sync inside a handler),
      await replaceOrg(tx, { offices: [], people: [{ userId: 'nobody', name: '新人', roles: ['rep'] }] }, NOW, 'api');
      expect((await findPerson(tx, 'nobody'))?.name).toBe('新人');
    });
    // and outside the transaction nothing is remembered.
    expect((await findPerson(database.db, 'lisi'))?.name).toBe('李四（华东）');
  });
});
