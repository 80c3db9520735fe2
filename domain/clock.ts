/**
 * The one clock (一个时钟). Every time rule takes `now` from a Clock passed in, so tests, the sandbox
 * and the time machine can move time. Only app/clock.ts reads the wall clock.
 */
export interface Clock {
  now(): Date;
}
