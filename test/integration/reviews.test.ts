/**
 * Issue 5 end to end on the live bot (real PostgreSQL, WeCom nock'd, the time machine): the daily draw at 08:30
 * records a re-creatable run and sends scoring cards to the direct supervisor; a score click through an encrypted
 * callback appends a version, closes the review task and updates the card (update_template_card); the text right
 * after is the comment; a re-score is a new version; an unscored review is reminded at 20 h and escalated at 24 h;
 * the reviewer API reports timeliness. Then the Monday leaderboard: top 3 named, the last anonymised and offered a
 * coach, the minimum-cases rule, recorded once.
 */
import { sql } from 'drizzle-orm';
import nock from 'nock';
import { nextOccurrence } from '../../domain/schedule';
import { closeTasks, openTask } from '../../store/tasks';
import { customerEvents, customers, documents, forms, offices, people } from '../../store/schema';
import { samplingPopulation } from '../../store/reviews';
import { startTestBot, type TestBot } from '../helpers/bot';
import { DRIVERS } from '../helpers/db';
import { ADMIN_TOKEN, API_BASE, cardClickXml, mockWecom, textXml, type SentMessage } from '../helpers/wecom';
import { AdjustableClock } from '../../app/clock';

type Card = {
  card_type: string; task_id: string; main_title: { title: string; desc?: string }; sub_title_text?: string;
  button_list?: { text: string; key: string }[]; button_selection?: { question_key: string; option_list: { id: string; text: string }[] };
  horizontal_content_list?: { keyname: string; value: string }[]; quote_area?: { quote_text: string };
};
const cardOf = (m: SentMessage) => m.template_card as Card;
const textOf = (m: SentMessage) => (m.text as { content: string } | undefined)?.content ?? '';
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const local = (s: string) => new Date(`${s}+08:00`);

async function advance(t: TestBot, body: { advance?: string; to?: string }) {
  const res = await t.post('/api/clock', JSON.stringify(body), { ...auth, 'content-type': 'application/json' });
  expect(res.status).toBe(200);
}

async function seedOrg(t: TestBot) {
  const now = t.clock.now();
  await t.db.db.insert(offices).values([{ id: 'east', name: '华东办事处', updatedAt: now }, { id: 'west', name: '华西办事处', updatedAt: now }]);
  await t.db.db.insert(people).values([
    { userId: 'boss', name: '陈总', officeId: null, roles: ['supervisor', 'admin'], updatedAt: now },
    { userId: 'zhangwei', name: '张伟', officeId: 'east', roles: ['supervisor'], supervisorId: 'boss', updatedAt: now },
    { userId: 'lina', name: '李娜', officeId: 'east', roles: ['rep'], supervisorId: 'zhangwei', updatedAt: now },
    { userId: 'wangfang', name: '王芳', officeId: 'east', roles: ['rep'], supervisorId: 'zhangwei', updatedAt: now },
    { userId: 'zhaolei', name: '赵磊', officeId: 'east', roles: ['rep'], supervisorId: 'zhangwei', updatedAt: now },
    { userId: 'sunli', name: '孙丽', officeId: 'east', roles: ['rep'], supervisorId: 'zhangwei', updatedAt: now },
    { userId: 'qianwu', name: '钱武', officeId: 'east', roles: ['rep'], supervisorId: 'zhangwei', updatedAt: now },
    { userId: 'liuqi', name: '刘七', officeId: 'west', roles: ['rep'], supervisorId: 'boss', updatedAt: now },
  ]);
}

async function newCustomer(t: TestBot, name: string, owner: string, at: Date): Promise<number> {
  const [c] = await t.db.db.insert(customers).values({
    name, ownerId: owner, officeId: 'east', stage: 'first_call', stageEnteredAt: at, createdAt: at, updatedAt: at,
  }).returning();
  return c!.id;
}

/** A task that was opened and finished (closed through the real closeTasks) at the given local times. */
async function finishedTask(t: TestBot, kind: string, customerId: number, rep: string, opened: Date, due: Date, closed: Date, deliverable: unknown) {
  const task = await openTask(t.db.db, { kind, customerId, assigneeId: rep, trigger: 'test', openedAt: opened, dueAt: due });
  await closeTasks(t.db.db, customerId, [kind], rep, deliverable, closed);
  return task.id;
}

describe.each(DRIVERS)('quality review on %s: sampling, scoring in chat, reminders, timeliness (R7, R11)', (driver) => {
  let t: TestBot;
  let wecom: ReturnType<typeof mockWecom>;
  const DAY = '2026-11-24'; // a Tuesday; the draw runs on Wednesday 08:30

  beforeAll(async () => {
    wecom = mockWecom();
    t = await startTestBot({ driver, clock: new AdjustableClock(local('2026-11-24T10:00:00')), config: { allowTimeTravel: true, publicBaseUrl: 'https://bot.example.com' } });
    await seedOrg(t);
    const hx = await newCustomer(t, '华夏医疗', 'lina', local('2026-11-20T10:00:00'));
    // lina: three pain-point records (the second is late); each with its form.
    for (const [i, closed] of ['08:10', '09:30', '09:40'].entries()) {
      const closedAt = local(`${DAY}T${closed}:00`);
      await t.db.db.insert(forms).values({
        customerId: hx, kind: 'pain_point', version: i + 1, submittedBy: 'lina', submittedAt: closedAt,
        data: { worries: ['价格太高', '交付周期长', '担心售后响应慢'], deliverables: ['3天内发方案'], nextContactAt: '2026-11-27T07:00:00.000Z', nextContactText: '周五下午3点' },
      });
      await finishedTask(t, 'pain_point', hx, 'lina', local(`${DAY}T07:00:00`), local(`${DAY}T${i === 1 ? '09:00' : '10:00'}:00`), closedAt, { form: 'pain_point' });
    }
    // wangfang: two post-visit follow-ups closed by a document.
    const hx2 = await newCustomer(t, '恒信医械', 'wangfang', local('2026-11-20T10:00:00'));
    for (const time of ['08:00', '09:00']) {
      const at = local(`${DAY}T${time}:00`);
      await t.db.db.insert(documents).values({
        customerId: hx2, name: `恒信医械解决方案初稿${time.slice(0, 2)}.pdf`, mimeType: 'application/pdf', size: 4, sha256: 'x', uploaderId: 'wangfang', source: 'upload', uploadedAt: at, content: Buffer.from('%PDF'),
      });
      await finishedTask(t, 'visit_followup', hx2, 'wangfang', local('2026-11-22T10:00:00'), local(`${DAY}T10:00:00`), at, { document: `恒信医械解决方案初稿${time.slice(0, 2)}.pdf` });
    }
    // A finished review is never itself sampled.
    await finishedTask(t, 'review', hx, 'zhangwei', local(`${DAY}T06:00:00`), local(`${DAY}T09:00:00`), local(`${DAY}T07:00:00`), {});
  });
  afterAll(async () => {
    await t.stop();
    wecom.done();
  });

  async function say(xml: string) {
    expect((await t.callback(xml)).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      await t.bot.runner.runNow('inbox');
      await t.bot.runner.runNow('timers');
      await t.bot.runner.runNow('outbox');
    }
  }
  const cardsTo = (who: string) => wecom.sent.filter((m) => m.touser === who && m.msgtype === 'template_card');
  const reviewCards = () => cardsTo('zhangwei').filter((m) => cardOf(m).main_title.title.startsWith('【质检】'));

  it('nothing is drawn before 08:30; at 08:30 the day is drawn, recorded with its seed, one task per rep', async () => {
    await advance(t, { to: '2026-11-25T08:29:00+08:00' });
    expect(reviewCards()).toHaveLength(0);
    await advance(t, { to: '2026-11-25T08:30:00+08:00' });
    const [run] = await t.db.rows<{ day: string; seed: string; share_permille: number; population: { tasks: unknown[] }; drawn: { assignments: { taskId: number; repId: string; reviewerId: string }[] } }>(
      sql`select * from sampling_runs where day = ${DAY}`);
    expect(run).toBeDefined();
    expect(run!.seed).toMatch(/^[0-9a-f]{16}$/);
    expect(run!.share_permille).toBe(50);
    expect(run!.population.tasks).toHaveLength(5); // the finished review is not in the population
    expect(run!.drawn.assignments.map((a) => [a.repId, a.reviewerId]).sort()).toEqual([['lina', 'zhangwei'], ['wangfang', 'zhangwei']]);
    const rows = await t.db.rows<{ status: string; reviewer_id: string; quality_score: number; due_at: Date }>(sql`select * from reviews order by rep_id`);
    expect(rows.map((r) => r.status)).toEqual(['pending', 'pending']);
    const dueMs = new Date(rows[0]!.due_at).getTime() - local('2026-11-26T08:30:00').getTime();
    expect(dueMs).toBeGreaterThanOrEqual(0); // 24 h after the draw (the clock ticks on while it runs)
    expect(dueMs).toBeLessThan(5_000);
    expect(rows.every((r) => r.quality_score >= 0 && r.quality_score <= 100)).toBe(true);
    const reviewTasks = await t.db.rows<{ status: string; assignee_id: string }>(sql`select * from tasks where kind = 'review' and status = 'open'`);
    expect(reviewTasks.map((r) => r.assignee_id)).toEqual(['zhangwei', 'zhangwei']);
  });

  it('the scoring card carries the task, the rep, the deliverable, the R11 score, quick tags and 1–5', async () => {
    const cards = reviewCards();
    expect(cards).toHaveLength(2);
    const pain = cardOf(cards.find((m) => cardOf(m).main_title.title.includes('客户痛点记录'))!);
    expect(pain.card_type).toBe('button_interaction');
    expect(pain.button_list!.map((b) => b.text)).toEqual(['1分', '2分', '3分', '4分', '5分']);
    expect(pain.button_selection!.option_list.map((o) => o.text)).toEqual(['无标签', '信息不全', '承诺不清', '时间不合理']);
    expect(pain.horizontal_content_list).toEqual(expect.arrayContaining([{ keyname: '负责人', value: '李娜' }, { keyname: '客户', value: '华夏医疗' }]));
    expect(pain.quote_area!.quote_text).toContain('客户担忧：价格太高；交付周期长；担心售后响应慢');
    // The next contact as the day it was read as, the rep's words beside it (周五 alone is ambiguous a day later).
    expect(pain.quote_area!.quote_text).toContain('下次联系：11月27日 15:00（周五下午3点）');
    expect(pain.sub_title_text).toMatch(/自动评分 \d+分：时效 \d+(\.\d)?\/40 · 完整 30\/30 · 关键词 20\/30（缺：预算）/);
    const visit = cardOf(cards.find((m) => cardOf(m).main_title.title.includes('拜访后48小时跟进'))!);
    const doc = visit.horizontal_content_list!.find((h) => h.keyname === '附件') as { value: string; url?: string; type?: number };
    expect(doc).toMatchObject({ type: 1, value: expect.stringMatching(/^恒信医械解决方案初稿/) });
    expect(doc.url).toMatch(/^https:\/\/bot\.example\.com\/review\/doc\//);
    // The signed link serves the document (the path works on this server, whatever the public base).
    const file = await t.get(new URL(doc.url!).pathname);
    expect(file.status).toBe(200);
    expect(file.body).toBe('%PDF');
    expect((await t.get('/review/doc/not-a-token')).status).toBe(404);
    expect(wecom.sent.some((m) => m.touser === 'zhangwei' && textOf(m).includes('今天有 2 条抽查任务'))).toBe(true);
  });

  it('the run is re-created exactly from its seed', async () => {
    const res = await t.get(`/api/reviews/sampling/${DAY}`, auth);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body);
    expect(body.recreated.matches).toBe(true);
    expect(body.recreated.drawn.map((d: { taskId: number }) => d.taskId)).toEqual(body.run.drawn.assignments.map((d: { taskId: number }) => d.taskId));
    // Drawing the same day again is refused (one draw per day), and a drawn task is never in a later population.
    const again = JSON.parse((await t.post('/api/reviews/sampling/run', JSON.stringify({ day: DAY }), { ...auth, 'content-type': 'application/json' })).body);
    expect(again).toMatchObject({ skipped: true });
    const left = await samplingPopulation(t.db.db, { from: local(`${DAY}T00:00:00`), to: local('2026-11-25T00:00:00'), kinds: [], exclude: ['review'] });
    expect(left).toHaveLength(3);
    expect(left.map((x) => x.taskId)).not.toEqual(expect.arrayContaining(body.run.drawn.assignments.map((d: { taskId: number }) => d.taskId)));
  });

  let painCard: Card;
  let reviewId = 0;

  it('the rep cannot score their own task, nor can someone else', async () => {
    painCard = cardOf(reviewCards().find((m) => cardOf(m).main_title.title.includes('客户痛点记录'))!);
    reviewId = Number(/^review:(\d+):/.exec(painCard.button_list![0]!.key)![1]);
    const mark = wecom.sent.length;
    await say(cardClickXml('lina', painCard.button_list![4]!.key, painCard.task_id));
    await say(cardClickXml('wangfang', painCard.button_list![4]!.key, painCard.task_id));
    const replies = wecom.sent.slice(mark).map(textOf);
    expect(replies).toEqual(['不能为自己的任务评分。', '抱歉，只有被指派的质检人或管理员可以为这条任务评分。']);
    const [n] = await t.db.rows<{ n: number }>(sql`select count(*)::int as n from review_scores`);
    expect(n!.n).toBe(0);
  });

  it('a score click (with a quick tag) records version 1, closes the review task and updates the card', async () => {
    await advance(t, { advance: '2h' });
    const mark = wecom.sent.length;
    await say(cardClickXml('zhangwei', painCard.button_list![3]!.key, painCard.task_id, { responseCode: 'rc-score-1', selected: [{ q: 'review_tag', ids: ['tag0'] }] }));
    const [score] = await t.db.rows<{ version: number; score: number; tags: string[]; comment: string | null; reviewer_id: string }>(sql`select * from review_scores where review_id = ${reviewId}`);
    expect(score).toMatchObject({ version: 1, score: 4, tags: ['信息不全'], comment: null, reviewer_id: 'zhangwei' });
    const [review] = await t.db.rows<{ status: string; first_scored_at: Date }>(sql`select * from reviews where id = ${reviewId}`);
    expect(review!.status).toBe('scored');
    const [task] = await t.db.rows<{ status: string; closed_by: string }>(sql`select * from tasks where kind = 'review' and trigger = ${`review:${reviewId}`}`);
    expect(task).toMatchObject({ status: 'done', closed_by: 'zhangwei' });
    const update = wecom.updates.find((u) => u.response_code === 'rc-score-1') as { userids: string[]; template_card: Card } | undefined;
    expect(update).toBeDefined();
    expect(update!.userids).toEqual(['zhangwei']);
    expect(update!.template_card.task_id).toBe(painCard.task_id);
    expect(update!.template_card.main_title.desc).toBe('已评分：4分 · 信息不全');
    expect(update!.template_card.button_list!.map((b) => b.text)).toEqual(['1分', '2分', '3分', '✓4分', '5分']);
    expect(wecom.sent.slice(mark).map(textOf)).toEqual(['已记录：4分（信息不全）。10分钟内直接回复一条文字，即作为评语；回复“跳过”结束。']);
  });

  it('the text right after the score is its comment (a new version); the next text is a command again', async () => {
    const mark = wecom.sent.length;
    await say(textXml('zhangwei', '痛点写得具体，但承诺的交付时间要和客户确认。'));
    const versions = await t.db.rows<{ version: number; score: number; tags: string[]; comment: string | null }>(sql`select * from review_scores where review_id = ${reviewId} order by version`);
    expect(versions.map((v) => [v.version, v.score, v.comment])).toEqual([[1, 4, null], [2, 4, '痛点写得具体，但承诺的交付时间要和客户确认。']]);
    expect(versions[1]!.tags).toEqual(['信息不全']);
    expect(wecom.sent.slice(mark).filter((m) => m.touser === 'zhangwei').map(textOf)).toEqual(['评语已记录，已连同评分发给被评的同事。谢谢！']);
    await say(textXml('zhangwei', '帮助'));
    expect(wecom.sent.slice(mark + 1).some((m) => textOf(m).includes('常用指令'))).toBe(true);
    const [n] = await t.db.rows<{ n: number }>(sql`select count(*)::int as n from review_scores where review_id = ${reviewId}`);
    expect(n!.n).toBe(2);
  });

  it('the reviewed rep hears the score and the comment together, once, framed as coaching', async () => {
    const notes = wecom.sent.filter((m) => m.touser === 'lina' && textOf(m).startsWith('💬'));
    expect(notes).toHaveLength(1); // held during the comment window, then sent with the comment
    const note = textOf(notes[0]!);
    expect(note).toContain('「客户痛点记录」（华夏医疗）被抽到做质检，张伟给了 4/5 分，关注点：信息不全');
    expect(note).toContain('评语：痛点写得具体，但承诺的交付时间要和客户确认。');
    expect(note).toContain('不是批评');
    expect(note).not.toContain('继续保持'); // 4 points with a concern (信息不全): not praised as if there were none
  });

  it('a re-score is a new version; history is kept and the first-scored time does not move', async () => {
    const [before] = await t.db.rows<{ first_scored_at: Date }>(sql`select first_scored_at from reviews where id = ${reviewId}`);
    await advance(t, { advance: '30m' });
    await say(cardClickXml('zhangwei', painCard.button_list![1]!.key, painCard.task_id, { responseCode: 'rc-score-2' }));
    const versions = await t.db.rows<{ version: number; score: number }>(sql`select * from review_scores where review_id = ${reviewId} order by version`);
    expect(versions.map((v) => [v.version, v.score])).toEqual([[1, 4], [2, 4], [3, 2]]);
    const [after] = await t.db.rows<{ first_scored_at: Date }>(sql`select first_scored_at from reviews where id = ${reviewId}`);
    expect(new Date(after!.first_scored_at).getTime()).toBe(new Date(before!.first_scored_at).getTime());
    const update = wecom.updates.find((u) => u.response_code === 'rc-score-2') as { template_card: Card };
    expect(update.template_card.main_title.desc).toBe('已评分：2分');
    expect(wecom.sent.filter((m) => m.touser === 'zhangwei').map(textOf).some((s) => s.startsWith('已改为 2 分（第3版'))).toBe(true);
  });

  it('a one-word command during the comment window runs as the command; the window ends and the rep hears the score now', async () => {
    const mark = wecom.sent.length;
    await say(textXml('zhangwei', '待评分')); // the re-score above opened a window
    const toReviewer = wecom.sent.slice(mark).filter((m) => m.touser === 'zhangwei').map(textOf);
    expect(toReviewer).toHaveLength(1);
    expect(toReviewer[0]).not.toContain('评语'); // the waiting list (or that there is none), not “comment recorded”
    const toRep = wecom.sent.slice(mark).filter((m) => m.touser === 'lina').map(textOf);
    expect(toRep).toHaveLength(1); // the 2-point coaching note, now, without a comment
    expect(toRep[0]).toContain('2/5');
    expect(toRep[0]).not.toContain('评语');
    // The window is over: the next text is a command again, not a comment.
    await say(textXml('zhangwei', '查看 华夏医疗'));
    const [n] = await t.db.rows<{ n: number }>(sql`select count(*)::int as n from review_scores where review_id = ${reviewId}`);
    expect(n!.n).toBe(3);
  });

  it('an unscored review: reminder at 20 h, overdue and escalated to the reviewer’s supervisor at 24 h', async () => {
    await advance(t, { to: '2026-11-26T04:29:00+08:00' });
    const mark = wecom.sent.length;
    await advance(t, { to: '2026-11-26T04:30:00+08:00' });
    const reminder = wecom.sent.slice(mark).filter((m) => m.touser === 'zhangwei' && m.msgtype === 'template_card');
    expect(reminder).toHaveLength(1); // the scored review is closed: no reminder for it
    expect(cardOf(reminder[0]!).main_title.title).toBe('⏰ 质检评分');
    const mark2 = wecom.sent.length;
    await advance(t, { to: '2026-11-26T08:30:00+08:00' });
    const warning = wecom.sent.slice(mark2).filter((m) => m.touser === 'boss' && m.msgtype === 'template_card');
    expect(warning).toHaveLength(1);
    expect(cardOf(warning[0]!).main_title.title).toBe('【预警】张伟的「质检评分」已超时');
    expect(wecom.sent.slice(mark2).some((m) => m.touser === 'zhangwei' && textOf(m).includes('「质检评分」'))).toBe(true);
  });

  it('GET /api/reviews lists reviews by status and reports reviewer timeliness', async () => {
    const all = JSON.parse((await t.get('/api/reviews?from=2026-11-25&to=2026-11-26', auth)).body);
    expect(all.items).toHaveLength(2);
    const overdue = JSON.parse((await t.get('/api/reviews?status=overdue&reviewer=zhangwei&from=2026-11-25&to=2026-11-26', auth)).body);
    expect(overdue.items).toHaveLength(1);
    expect(overdue.items[0]).toMatchObject({ status: 'overdue', reviewerId: 'zhangwei', repId: 'wangfang', score: null, scoredOnTime: false });
    const scored = JSON.parse((await t.get('/api/reviews?status=scored&from=2026-11-25&to=2026-11-26', auth)).body);
    expect(scored.items[0]).toMatchObject({ id: reviewId, score: 2, versions: 3, scoredOnTime: true, comment: null });
    expect(all.timeliness).toEqual([{ reviewerId: 'zhangwei', assigned: 2, scored: 1, scoredOnTime: 1, overdue: 1, open: 0, rate: 0.5 }]);
    const one = JSON.parse((await t.get(`/api/reviews/${reviewId}`, auth)).body);
    expect(one.scores.map((s: { version: number }) => s.version)).toEqual([1, 2, 3]);
    expect((await t.get('/api/reviews')).status).toBe(401);
    expect((await t.get('/api/reviews?status=late', auth)).status).toBe(400);
  });
});

describe('the weekly 方案提交及时率 leaderboard (R8)', () => {
  let t: TestBot;
  let wecom: ReturnType<typeof mockWecom>;
  // The bot starts on Wednesday 2026-11-25; the leaderboard runs Monday 2026-11-30 09:00 for W48 (11-23 … 11-29).
  const start = local('2026-11-25T10:00:00');
  const monday = nextOccurrence({ weekday: 1, time: '09:00' }, start);

  beforeAll(async () => {
    wecom = mockWecom();
    // Other Monday jobs (the dashboard's heatmap picture) upload media at the same hour.
    nock(API_BASE).persist().post('/cgi-bin/media/upload').query(true).reply(200, { errcode: 0, errmsg: '', type: 'image', media_id: 'm-1', created_at: '1700000000' });
    t = await startTestBot({ clock: new AdjustableClock(start), config: { allowTimeTravel: true } });
    await seedOrg(t);
    // Cases: demos whose 24 h deadline fell in W48, i.e. demos in [11-22 00:00, 11-29 00:00).
    let n = 0;
    const cases = async (owner: string, onTime: number, late: number, office = 'east') => {
      for (let i = 0; i < onTime + late; i++) {
        const demo = local(`2026-11-${String(22 + (n % 7)).padStart(2, '0')}T10:00:00`);
        const proposal = new Date(demo.getTime() + (i < onTime ? 23 : 30) * 3_600_000);
        const [c] = await t.db.db.insert(customers).values({
          name: `客户${++n}`, ownerId: owner, officeId: office, stage: 'proposal_submitted', stageEnteredAt: proposal, createdAt: demo, updatedAt: proposal,
        }).returning();
        await t.db.db.insert(customerEvents).values([
          { customerId: c!.id, kind: 'stage_change', fromStage: 'first_call', toStage: 'demo_done', actorId: owner, source: 'text', at: demo },
          { customerId: c!.id, kind: 'stage_change', fromStage: 'demo_done', toStage: 'proposal_submitted', actorId: owner, source: 'text', at: proposal },
        ]);
      }
    };
    await cases('lina', 5, 0); // 100%
    await cases('wangfang', 4, 1); // 80%
    await cases('zhaolei', 3, 1); // 75%
    await cases('sunli', 2, 3); // 40% — the last
    await cases('qianwu', 2, 0); // 2 cases: below the minimum, not ranked
    await cases('liuqi', 1, 2, 'west'); // another team
    // A third team where nobody reaches the minimum: told why nobody is ranked, not left out.
    await t.db.db.insert(offices).values({ id: 'north', name: '华北办事处', updatedAt: start });
    await t.db.db.insert(people).values({ userId: 'zhouba', name: '周八', officeId: 'north', roles: ['rep'], supervisorId: 'boss', updatedAt: start });
    await cases('zhouba', 1, 1, 'north');
    // A demo on Sunday 11-29 has its deadline in the next week: not a W48 case.
    const [late] = await t.db.db.insert(customers).values({ name: '下周的客户', ownerId: 'sunli', officeId: 'east', stage: 'demo_done', stageEnteredAt: local('2026-11-29T10:00:00'), createdAt: start, updatedAt: start }).returning();
    await t.db.db.insert(customerEvents).values({ customerId: late!.id, kind: 'stage_change', fromStage: 'first_call', toStage: 'demo_done', actorId: 'sunli', source: 'text', at: local('2026-11-29T10:00:00') });
  });
  afterAll(async () => {
    await t.stop();
    wecom.done();
  });

  const markdownTo = (who: string) => wecom.sent.filter((m) => m.touser === who && m.msgtype === 'markdown').map((m) => (m.markdown as { content: string }).content);

  it('Monday 09:00: each team member gets the board; top 3 named, the last anonymised, the rule stated', async () => {
    expect(monday.toISOString()).toBe(local('2026-11-30T09:00:00').toISOString());
    await advance(t, { to: new Date(monday.getTime() - 60_000).toISOString() });
    expect(markdownTo('lina')).toHaveLength(0);
    await advance(t, { to: monday.toISOString() });
    for (const member of ['zhangwei', 'lina', 'wangfang', 'zhaolei', 'sunli', 'qianwu']) expect(markdownTo(member)).toHaveLength(1);
    const board = markdownTo('lina')[0]!;
    expect(board).toContain('方案提交及时率周榜 · 华东办事处');
    expect(board).toContain('2026-W48（11月23日–11月29日）');
    expect(board).toContain('🥇 李娜 100%（5/5）');
    expect(board).toContain('🥈 王芳 80%（4/5）');
    expect(board).toContain('🥉 赵磊 75%（3/4）');
    expect(board).toContain('末位：某同学 40%（2/5）');
    expect(board).not.toContain('孙丽');
    expect(board).not.toContain('钱武');
    expect(board).toContain('案例少于3个的同事不参与排名（本周 1 人）');
    // West: one rep ranked alone — not 🥇 of one: no ranking, and the board says why.
    expect(markdownTo('liuqi')).toHaveLength(1);
    expect(markdownTo('liuqi')[0]).toContain('本周只有 1 位同事满足排名条件，人数太少，不排名。');
    expect(markdownTo('liuqi')[0]).not.toContain('🥇');
    expect(markdownTo('boss')).toHaveLength(0);
    // North: 2 cases, below the minimum of 3 — the team still hears why nobody is ranked, once.
    expect(markdownTo('zhouba')).toHaveLength(1);
    expect(markdownTo('zhouba')[0]).toContain('方案提交及时率周榜 · 华北办事处');
    expect(markdownTo('zhouba')[0]).toContain('本周无人上榜：没有同事的案例达到3个');
    expect(markdownTo('zhouba')[0]).toContain('团队整体：50%（1/2）');
  });

  it('the last gets a private, kind coach offer; the coach is told; the assignment is recorded once', async () => {
    const offer = wecom.sent.filter((m) => m.touser === 'sunli' && m.msgtype === 'text').map(textOf);
    expect(offer).toHaveLength(1);
    expect(offer[0]).toContain('方案陪写师——李娜');
    expect(offer[0]).toContain('40%（2/5');
    expect(wecom.sent.some((m) => m.touser === 'lina' && textOf(m).includes('担任孙丽的方案陪写师'))).toBe(true);
    const rows = await t.db.rows<{ rep_id: string; coach_id: string; week: string }>(sql`select * from coach_assignments`);
    expect(rows).toEqual([expect.objectContaining({ rep_id: 'sunli', coach_id: 'lina', week: '2026-W48' })]);
    const again = JSON.parse((await t.post('/api/reviews/leaderboard/run', JSON.stringify({ week: '2026-W48' }), { ...auth, 'content-type': 'application/json' })).body);
    expect(again.skipped).toBe(true);
    const forced = JSON.parse((await t.post('/api/reviews/leaderboard/run', JSON.stringify({ week: '2026-W48', force: true }), { ...auth, 'content-type': 'application/json' })).body);
    expect(forced.coaches).toEqual([]); // already offered this week: not twice
    expect(await t.db.rows(sql`select * from coach_assignments`)).toHaveLength(1);
  });
});
