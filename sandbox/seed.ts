/**
 * Seeds the demo company into the bot's database through the store functions, idempotently: the org only when the
 * database has nobody yet (so changes made later through PUT /api/org survive a restart), customers only when no
 * customer of that name exists. Also keeps the time machine's position across restarts (app_state), so data written
 * "in the future" by an earlier run never appears to come before now.
 */
import { eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { MovableClock } from '../schedulers/time-travel';
import type { ProcessDefinition } from '../domain/types';
import { addTouchpoint, createCustomer, listCustomers } from '../store/customers';
import type { Database, DbOrTx } from '../store/db';
import { listPeople, replaceOrg } from '../store/org';
import { appState } from '../store/schema';
import { DEMO_CUSTOMERS, demoOrg } from './demo-company';
import { seedHistory } from './demo-history';

const CLOCK_KEY = 'sandbox.clock';

export interface SeedResult {
  org: boolean;
  customers: number;
}

export async function seedDemoCompany(database: Database, clock: { now(): Date }, process: ProcessDefinition, log: Logger): Promise<SeedResult> {
  const now = clock.now();
  return database.db.transaction(async (tx) => {
    const existing = await listPeople(tx, { activeOnly: false });
    const org = existing.length === 0;
    if (org) {
      await replaceOrg(tx, demoOrg(), now, 'api');
      // First start: a few weeks of stage history, so the dashboard and the Monday leaderboard are not empty.
      await seedHistory(tx, demoOrg().people.filter((p) => p.roles?.includes('rep')), now, process);
    }
    const stageKeys = new Set(process.stages.map((s) => s.key));
    let created = 0;
    for (const c of DEMO_CUSTOMERS) {
      if (!stageKeys.has(c.stage)) continue; // a process file without this stage: skip rather than store nonsense
      const found = await listCustomers(tx, { q: c.name, limit: 50 });
      if (found.some((f) => f.name === c.name)) continue;
      const owner = demoOrg().people.find((p) => p.userId === c.owner);
      const row = await createCustomer(tx, {
        name: c.name, industry: c.industry, ownerId: c.owner, officeId: owner?.officeId ?? null, stage: c.stage, source: 'api',
      }, new Date(now.getTime() - c.inStageMs));
      if (c.lastMessageAgoMs !== undefined) {
        await addTouchpoint(tx, {
          customerId: row.id, direction: 'in', channel: 'rep_log', text: c.lastMessage ?? null, actorId: c.owner,
          at: new Date(now.getTime() - c.lastMessageAgoMs),
        }, now);
      }
      created++;
    }
    log.info({ org, customers: created }, org || created ? 'sandbox: demo company seeded' : 'sandbox: demo company already there');
    return { org, customers: created };
  });
}

/** Moves a fresh clock to where the time machine was when the previous run stopped (never backwards). */
export async function restoreClock(on: DbOrTx, clock: MovableClock): Promise<void> {
  const [row] = await on.select().from(appState).where(eq(appState.key, CLOCK_KEY)).limit(1);
  const at = row ? new Date(String((row.value as { now?: string }).now)) : null;
  if (at && Number.isFinite(at.getTime()) && at.getTime() > clock.now().getTime()) clock.set(at);
}

export async function saveClock(on: DbOrTx, clock: { now(): Date }): Promise<void> {
  const now = clock.now();
  const value = { now: now.toISOString() };
  await on.insert(appState).values({ key: CLOCK_KEY, value, updatedAt: now })
    .onConflictDoUpdate({ target: appState.key, set: { value, updatedAt: now } });
}
