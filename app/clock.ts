import type { Clock } from '../domain/clock';

/** The wall clock: the only place production code reads the system time for domain rules. */
export const systemClock: Clock = { now: () => new Date() };

/**
 * A clock that can be moved forward (the time machine, 时光机). It starts at the wall clock or a given
 * instant and then keeps ticking with real time, offset by every advance. Time never goes backwards.
 */
export class AdjustableClock implements Clock {
  private offsetMs = 0;
  private frozenAt: number | null;

  constructor(start?: Date, opts: { frozen?: boolean } = {}) {
    if (start) this.offsetMs = start.getTime() - Date.now();
    this.frozenAt = opts.frozen ? (start ?? new Date()).getTime() : null;
  }

  now(): Date {
    if (this.frozenAt !== null) return new Date(this.frozenAt);
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock only moves forward');
    if (this.frozenAt !== null) this.frozenAt += ms;
    else this.offsetMs += ms;
    return this.now();
  }

  /**
   * Runs `fn` with the clock stopped, then lets it tick on from where it stood. The time machine travels this way:
   * each timer fires at exactly its own instant, and what it schedules (a reminder 20 h later) lands on an exact
   * instant too, however long the machine took to do the work (a loaded CI machine took long enough to matter).
   */
  async stopped<T>(fn: () => Promise<T>): Promise<T> {
    if (this.frozenAt !== null) return fn(); // already stopped (a frozen clock, or a travel inside a travel)
    this.frozenAt = this.now().getTime();
    try {
      return await fn();
    } finally {
      this.offsetMs = this.frozenAt - Date.now();
      this.frozenAt = null;
    }
  }

  set(to: Date): Date {
    const delta = to.getTime() - this.now().getTime();
    if (delta < 0) throw new RangeError('the clock only moves forward');
    return this.advance(delta);
  }
}
