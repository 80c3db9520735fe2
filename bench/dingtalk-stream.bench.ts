/**
 * `npm run bench:dingtalk`: DingTalk Stream receiving, store-before-ack, on PostgreSQL.
 * The fake gateway (bot/dingtalk/fake) pushes BENCH_FRAMES (2,000) robot messages as fast as it can over one
 * loopback WebSocket; the real Stream client stores each in the real inbox (a fresh PostgreSQL database) and acks
 * it. Every BENCH_DUP-th frame (10) is pushed twice with the same msgId. Figures: frames/s from first push to last
 * ack, push→ack latency p50/p99 (one process, so the same clock), inbox rows = distinct msgIds (handled once).
 * Env: BENCH_FRAMES, BENCH_DUP, TEST_DATABASE_URL.
 */
process.env.NOCK_OFF = 'true';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { createStreamInbound } from '../bot/dingtalk/inbound';
import { createStreamClient, TOPIC_ROBOT } from '../bot/dingtalk/stream';
import { startFakeDingtalk } from '../bot/dingtalk/fake';
import { createInboxRepo } from '../store/inbox';
import { openTestDatabase } from '../test/helpers/db';
import { machineCpu } from './harness';

const num = (name: string, dflt: number) => (Number(process.env[name]) > 0 ? Number(process.env[name]) : dflt);
const FRAMES = num('BENCH_FRAMES', 2000);
const DUP = num('BENCH_DUP', 10);

async function main() {
  const log = pino({ level: 'silent' });
  const db = await openTestDatabase('postgres');
  const inbox = createInboxRepo(db);
  const fake = await startFakeDingtalk({ users: [{ userid: 'lina', name: '李娜', dept_id_list: [1] }] });
  const client = createStreamClient({
    apiBase: fake.base, clientId: fake.state.app.clientId, clientSecret: fake.state.app.clientSecret, log, callbacks: [TOPIC_ROBOT],
    onFrame: createStreamInbound({ log, onAccepted: () => undefined, accept: (e, key) => inbox.accept({ dedupeKey: key, kind: e.kind, userId: e.userId, payload: e }, new Date()) }),
  });
  await client.start();
  const pushedAt = new Map<string, number>();
  const cpu0 = machineCpu();
  const t0 = performance.now();
  for (let i = 0; i < FRAMES; i++) {
    const msg = { msgId: `bench${i}`, msgtype: 'text', text: { content: `华夏医疗 进展 ${i}` }, senderStaffId: `rep${i % 50}`, createAt: Date.now(), conversationType: '1' };
    pushedAt.set(fake.gateway.pushRobotMessage(msg), performance.now());
    if (i % DUP === 0) pushedAt.set(fake.gateway.pushRobotMessage(msg), performance.now());
  }
  const ackedAt = new Map<string, number>();
  while (ackedAt.size < pushedAt.size) {
    for (const id of pushedAt.keys()) if (!ackedAt.has(id) && fake.gateway.acked(id)) ackedAt.set(id, performance.now());
    await new Promise((r) => setTimeout(r, 5));
    if (performance.now() - t0 > 120_000) throw new Error('not all frames acknowledged within 120 s');
  }
  const total = performance.now() - t0;
  const lat = [...pushedAt].map(([id, at]) => ackedAt.get(id)! - at).sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!.toFixed(1);
  const rows = (await db.rows<{ n: string }>(sql`select count(*) as n from inbox`))[0]!.n;
  const cpu1 = machineCpu();
  const cpu = `${((100 * (cpu1.busy - cpu0.busy)) / Math.max(1e-9, cpu1.total - cpu0.total)).toFixed(0)}% of ${os.cpus().length} cores`;
  console.log(`dingtalk stream: ${pushedAt.size} frames (${FRAMES} distinct msgIds) stored+acked in ${(total / 1000).toFixed(2)} s = ${(pushedAt.size / (total / 1000)).toFixed(0)} frames/s`);
  console.log(`push→ack latency (ms, includes queueing behind the burst): p50 ${q(0.5)}  p99 ${q(0.99)}  max ${lat[lat.length - 1]!.toFixed(1)}`);
  console.log(`inbox rows: ${rows} (expected ${FRAMES}: duplicates handled once) · machine CPU busy ${cpu}`);
  await client.stop();
  await fake.close();
  await db.close();
  if (Number(rows) !== FRAMES) process.exit(1);
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
