/**
 * A handled text message asks for the sender's conversation more than once (the reviewer's comment window, then the
 * form in progress): in a transaction given to `rememberConversations` the row is read once, and every change made
 * through the conversation code in that transaction is seen at once — a form saved or ended, a comment window
 * opened or closed, an expired conversation dropped.
 */
import { sql } from 'drizzle-orm';
import { conversationRow, endConversation, getConversation, rememberConversations, saveConversation } from '../../store/forms';
import { activeCommentWindow, closeCommentWindow, openCommentWindow } from '../../store/reviews';
import { openTestDatabase, type TestDatabase } from '../helpers/db';

const NOW = new Date('2026-12-01T10:00:00+08:00');
const inMinutes = (m: number) => new Date(NOW.getTime() + m * 60_000);

describe('a person’s conversation in a handler transaction (PostgreSQL)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase('postgres');
  });
  afterAll(async () => {
    await database.close();
  });

  it('is read once per transaction, and every change through the conversation code is seen at once', async () => {
    await database.db.transaction(async (tx) => {
      rememberConversations(tx);
      expect(await getConversation(tx, 'lisi', NOW)).toBeNull();
      await saveConversation(tx, { userId: 'lisi', kind: 'pain_point', customerId: 7, taskId: 3, step: 1, answers: { q1: '夜班只有一个技师' }, expiresAt: inMinutes(30) }, NOW);
      expect((await getConversation(tx, 'lisi', NOW))?.step).toBe(1);
      // Changed behind the memo's back by raw SQL: the memo still answers (one read per transaction)…
      await database.rows(sql`update conversations set step = 5 where user_id = 'lisi'`, tx);
      expect((await conversationRow(tx, 'lisi'))?.step).toBe(1);
      // …but a form in progress hides no comment window, and ending it is seen;
      expect(await activeCommentWindow(tx, 'lisi', NOW)).toBeNull();
      await endConversation(tx, 'lisi');
      expect(await getConversation(tx, 'lisi', NOW)).toBeNull();
      // a comment window opened and closed is seen;
      expect(await openCommentWindow(tx, 'lisi', { reviewId: 11, version: 2 }, NOW, inMinutes(10))).toBe(true);
      expect(await activeCommentWindow(tx, 'lisi', NOW)).toEqual({ reviewId: 11, version: 2 });
      expect(await activeCommentWindow(tx, 'lisi', inMinutes(11))).toBeNull();
      await closeCommentWindow(tx, 'lisi');
      expect(await activeCommentWindow(tx, 'lisi', NOW)).toBeNull();
      // an expired form is dropped when asked for.
      await saveConversation(tx, { userId: 'lisi', kind: 'pain_point', customerId: 7, taskId: 3, step: 2, answers: {}, expiresAt: inMinutes(5) }, NOW);
      expect(await getConversation(tx, 'lisi', inMinutes(6))).toBeNull();
      expect(await conversationRow(tx, 'lisi')).toBeNull();
    });
    const [left] = await database.rows<{ n: number }>(sql`select count(*)::int as n from conversations`);
    expect(left!.n).toBe(0);
  });
});
