/**
 * Hot statements built once (issue 16). drizzle turns a query builder into SQL text on every call: walking the
 * builder's chunks, quoting names, typing parameters — 13 % of the bot's CPU samples per handled message in the
 * bench:latency profile. A statement on the message path is instead written once with `sql.placeholder` values;
 * `hotQuery` builds it (drizzle `.prepare`) the first time it runs on a driver and afterwards only fills in the values
 * and executes it — on whatever database or transaction it is handed, so it stays inside the caller's transaction.
 *
 * How: a drizzle prepared query runs on the client it was built with (`this.client`); each call runs a view of it
 * whose client is the handle's own (the pool, or the transaction's connection; PGlite's client or its transaction).
 * Both drivers (node-postgres and PGlite) keep the client there; test/integration/hot-query.test.ts holds them to it.
 *
 * A nullable jsonb column takes an untyped placeholder (sql`${sql.placeholder('x')}`) and the value through
 * `jsonValue`: on a typed placeholder drizzle runs the column's encoder on null too, which stores JSON `null` where its
 * builders store SQL NULL.
 */
import type { DbOrTx } from './db';

interface Prepared<R> { execute(values?: Record<string, unknown>): Promise<R> }
interface SessionOf { session: { client: unknown } }

/** A jsonb value for an untyped placeholder: SQL NULL for null/undefined, else its JSON text (as drizzle encodes it). */
export const jsonValue = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

/** Names already taken: a name is the statement's name on every PostgreSQL connection, two texts must not share one. */
const taken = new Set<string>();

/**
 * `name` is the statement's name on the connection (unique in the process); `build` makes the drizzle query with
 * placeholders and returns its `.prepare(name)`. Returns a function running it on a database or transaction.
 */
export function hotQuery<R>(name: string, build: (on: DbOrTx, name: string) => Prepared<R>): (on: DbOrTx, values?: Record<string, unknown>) => Promise<R> {
  if (taken.has(name)) throw new Error(`hotQuery: the name ${name} is taken`);
  taken.add(name);
  // One build per driver: node-postgres and PGlite prepare differently (a test process opens both).
  const built = new Map<unknown, Prepared<R>>();
  return (on, values) => {
    const session = (on as unknown as SessionOf).session;
    let prepared = built.get(session.constructor);
    if (!prepared) {
      prepared = build(on, name);
      built.set(session.constructor, prepared);
    }
    const bound = Object.create(prepared) as Prepared<R> & { client: unknown };
    bound.client = session.client;
    return bound.execute(values ?? {});
  };
}
