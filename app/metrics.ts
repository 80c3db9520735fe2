/** Prometheus metrics (prom-client), one registry per app so tests can run several apps in one process. */
import client from 'prom-client';

export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const callbacks = new client.Counter({
    name: 'spb_callbacks_total', help: 'WeCom callbacks by outcome', labelNames: ['outcome'], registers: [registry],
  });
  const handled = new client.Counter({
    name: 'spb_inbox_handled_total', help: 'Inbox rows handled, by outcome', labelNames: ['outcome'], registers: [registry],
  });
  const delivered = new client.Counter({
    name: 'spb_outbox_deliveries_total', help: 'Outbox delivery attempts by outcome and WeCom errcode',
    labelNames: ['outcome', 'errcode'], registers: [registry],
  });
  const tokenRefreshes = new client.Counter({
    name: 'spb_wecom_token_refreshes_total', help: 'access_token fetches from WeCom', registers: [registry],
  });
  const timersFired = new client.Counter({
    name: 'spb_timers_fired_total', help: 'Durable timers fired, by kind', labelNames: ['kind'], registers: [registry],
  });
  const timerLateness = new client.Histogram({
    name: 'spb_timer_lateness_seconds', help: 'How late timers fired', buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60],
    registers: [registry],
  });
  const inboxOpen = new client.Gauge({ name: 'spb_inbox_open', help: 'Inbox rows not yet handled', registers: [registry] });
  const inboxLag = new client.Gauge({
    name: 'spb_inbox_lag_seconds', help: 'Age of the oldest unhandled inbox row', registers: [registry],
  });
  const outboxByStatus = new client.Gauge({
    name: 'spb_outbox_rows', help: 'Outbox rows by status', labelNames: ['status'], registers: [registry],
  });
  return { registry, timersFired, timerLateness, callbacks, handled, delivered, tokenRefreshes, inboxOpen, inboxLag, outboxByStatus };
}

export type Metrics = ReturnType<typeof createMetrics>;
