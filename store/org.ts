/**
 * The org repository over `offices` and `people`. People are never deleted (history refers to them): a person
 * who leaves the org is marked inactive. `replaceOrg` writes a whole org (from WeCom or PUT /api/org) in one
 * transaction and records where it came from in app_state (`org.last_replace`).
 */
import { and, asc, eq, notInArray, sql } from 'drizzle-orm';
import type { DbOrTx } from './db';
import { findPerson, peopleChanged, type PersonRow } from './people';
import { appState, offices, people } from './schema';

export type { PersonRow } from './people';
export type OfficeRow = typeof offices.$inferSelect;
export type OrgSource = 'wecom' | 'dingtalk' | 'api';

export interface OfficeInput {
  id: string;
  name: string;
  parentId?: string | null;
}

export interface PersonInput {
  userId: string;
  name: string;
  officeId?: string | null;
  roles: string[];
  supervisorId?: string | null;
  /** Default true. */
  active?: boolean;
}

export interface ReplaceResult {
  offices: number;
  people: number;
  /** People who were active and are not in the new set. */
  deactivated: number;
}

export interface LastReplace {
  source: OrgSource;
  at: string;
  offices: number;
  people: number;
  deactivated: number;
}

const LAST_REPLACE_KEY = 'org.last_replace';
const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

function personValues(p: PersonInput, now: Date) {
  return {
    userId: p.userId, name: p.name, officeId: p.officeId ?? null, roles: p.roles,
    supervisorId: p.supervisorId ?? null, active: p.active ?? true, updatedAt: now,
  };
}

const changed = (cols: string[]) => sql.raw(
  `(${cols.map((c) => `"people"."${c}"`).join(', ')}) is distinct from (${cols.map((c) => `excluded."${c}"`).join(', ')})`,
);
// Only a real change bumps updated_at.
const PERSON_CHANGED = changed(['name', 'office_id', 'roles', 'supervisor_id', 'active']);
const PERSON_SET = {
  name: sql`excluded.name`, officeId: sql`excluded.office_id`, roles: sql`excluded.roles`,
  supervisorId: sql`excluded.supervisor_id`, active: sql`excluded.active`, updatedAt: sql`excluded.updated_at`,
};

async function upsertPeople(on: DbOrTx, list: readonly PersonInput[], now: Date): Promise<void> {
  for (const part of chunks(list)) {
    await on.insert(people).values(part.map((p) => personValues(p, now)))
      .onConflictDoUpdate({ target: people.userId, set: PERSON_SET, setWhere: PERSON_CHANGED });
  }
  peopleChanged();
}

/** Inserts or updates offices. Offices are never deleted either (people and history point at them). */
export async function upsertOffices(on: DbOrTx, list: readonly OfficeInput[], now: Date): Promise<void> {
  for (const part of chunks(list)) {
    await on.insert(offices)
      .values(part.map((o) => ({ id: o.id, name: o.name, parentId: o.parentId ?? null, updatedAt: now })))
      .onConflictDoUpdate({
        target: offices.id,
        set: { name: sql`excluded.name`, parentId: sql`excluded.parent_id`, updatedAt: sql`excluded.updated_at` },
        setWhere: sql.raw('("offices"."name", "offices"."parent_id") is distinct from (excluded."name", excluded."parent_id")'),
      });
  }
}

/**
 * Makes the stored org the given one, in ONE transaction (a savepoint when `on` is already a transaction):
 * upserts every office and person, and marks everyone else inactive. Nothing is deleted.
 */
export async function replaceOrg(
  on: DbOrTx, org: { offices: readonly OfficeInput[]; people: readonly PersonInput[] }, now: Date, source: OrgSource,
): Promise<ReplaceResult> {
  return on.transaction(async (tx) => {
    await upsertOffices(tx, org.offices, now);
    await upsertPeople(tx, org.people, now);
    const keep = org.people.map((p) => p.userId);
    const gone = await tx.update(people).set({ active: false, updatedAt: now })
      .where(keep.length ? and(eq(people.active, true), notInArray(people.userId, keep)) : eq(people.active, true))
      .returning({ userId: people.userId });
    peopleChanged();
    const result = { offices: org.offices.length, people: org.people.length, deactivated: gone.length };
    const value: LastReplace = { source, at: now.toISOString(), ...result };
    await tx.insert(appState).values({ key: LAST_REPLACE_KEY, value, updatedAt: now })
      .onConflictDoUpdate({ target: appState.key, set: { value, updatedAt: now } });
    return result;
  });
}

export async function lastReplace(on: DbOrTx): Promise<LastReplace | null> {
  const [row] = await on.select().from(appState).where(eq(appState.key, LAST_REPLACE_KEY)).limit(1);
  return (row?.value as LastReplace | undefined) ?? null;
}

export async function upsertPerson(on: DbOrTx, person: PersonInput, now: Date): Promise<void> {
  await upsertPeople(on, [person], now);
}

/** Marks a person inactive; false when unknown or already inactive. */
export async function deactivatePerson(on: DbOrTx, userId: string, now: Date): Promise<boolean> {
  const row = await findPerson(on, userId);
  if (!row?.active) return false;
  await on.update(people).set({ active: false, updatedAt: now }).where(eq(people.userId, row.userId));
  peopleChanged();
  return true;
}

/** Points everyone whose direct supervisor was `from` at `to` (a WeCom userid change). */
export async function reassignSupervisor(on: DbOrTx, from: string, to: string, now: Date): Promise<number> {
  const rows = await on.update(people).set({ supervisorId: to, updatedAt: now })
    .where(eq(people.supervisorId, from)).returning({ userId: people.userId });
  peopleChanged();
  return rows.length;
}

export interface PeopleFilter {
  officeId?: string;
  role?: string;
  /** Default true. */
  activeOnly?: boolean;
}

export async function listPeople(on: DbOrTx, filter: PeopleFilter = {}): Promise<PersonRow[]> {
  const where = [
    filter.activeOnly === false ? undefined : eq(people.active, true),
    filter.officeId !== undefined ? eq(people.officeId, filter.officeId) : undefined,
    filter.role !== undefined ? sql`${people.roles} @> ${JSON.stringify([filter.role])}::jsonb` : undefined,
  ].filter((c) => c !== undefined);
  return on.select().from(people).where(where.length ? and(...where) : undefined).orderBy(asc(people.userId));
}

/** Userids of active people whose direct supervisor is `userId`. */
export async function directReports(on: DbOrTx, userId: string): Promise<string[]> {
  const rows = await on.select({ userId: people.userId }).from(people)
    .where(and(eq(people.supervisorId, userId), eq(people.active, true)));
  return rows.map((r) => r.userId);
}

export async function getPerson(on: DbOrTx, userId: string): Promise<PersonRow | null> {
  return findPerson(on, userId);
}

export async function listOffices(on: DbOrTx): Promise<OfficeRow[]> {
  return on.select().from(offices).orderBy(asc(offices.id));
}

/**
 * The supervisors above a person, nearest first: the direct supervisor (直属上级), then theirs, up to `maxDepth`
 * links. Stops at a cycle or a missing person. An inactive supervisor is walked through (their own supervisor
 * still counts) but not returned, unless `includeInactive`.
 */
export async function supervisorChain(
  on: DbOrTx, userId: string, maxDepth = 5, opts: { includeInactive?: boolean } = {},
): Promise<PersonRow[]> {
  const chain: PersonRow[] = [];
  const start = await findPerson(on, userId);
  const seen = new Set<string>([(start?.userId ?? userId).toLowerCase()]);
  let next = start?.supervisorId ?? null;
  for (let depth = 0; next && depth < maxDepth; depth++) {
    const sup = await findPerson(on, next);
    if (!sup || seen.has(sup.userId.toLowerCase())) break;
    seen.add(sup.userId.toLowerCase());
    if (sup.active || opts.includeInactive) chain.push(sup);
    next = sup.supervisorId;
  }
  return chain;
}
