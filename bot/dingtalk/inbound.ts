/**
 * Stream frames → inbox rows → ack data (dingtalk-api.md §3 step 4). The client acks only after this resolves,
 * i.e. after the row is committed; a duplicate (redelivery) is acked the same way. A malformed payload is acked
 * too (redelivering it forever helps no one) and logged.
 *   robot message → {"response": null}; card callback → {"response": {}} (the card is updated by the outbox
 *   through PUT /v1.0/card/instances once the action ran); event → {"status": "SUCCESS"}.
 */
import { DingtalkCallbackError } from './errors';
import { fromCardCallback, fromEvent, fromRobotMessage, type Inbound } from './events';
import type { DingtalkLogger } from './http';
import { storeAll, type AcceptEvent, type DingtalkOutcome } from './receiver';
import { TOPIC_CARD, TOPIC_ROBOT, type FrameHandler, type StreamFrame } from './stream';

export interface StreamInboundOptions {
  accept: AcceptEvent;
  onAccepted(): void;
  log: DingtalkLogger;
  onOutcome?(o: DingtalkOutcome): void;
  nowMs?: () => number;
}

function parse(frame: StreamFrame, nowMs: number): { items: Inbound[]; ack: unknown } {
  const { topic } = frame.headers;
  if (frame.type === 'EVENT') {
    const h = frame.headers;
    return {
      items: fromEvent(frame.data, { eventType: h.eventType, eventId: h.eventId, bornMs: h.eventBornTime ? Number(h.eventBornTime) : undefined }, nowMs),
      ack: { status: 'SUCCESS', message: 'success' },
    };
  }
  if (topic === TOPIC_ROBOT) return { items: [fromRobotMessage(frame.data, nowMs)], ack: { response: null } };
  if (topic === TOPIC_CARD) return { items: [fromCardCallback(frame.data, nowMs)], ack: { response: {} } };
  return { items: [], ack: { response: null } };
}

export function createStreamInbound(opts: StreamInboundOptions): FrameHandler {
  const now = opts.nowMs ?? (() => Date.now());
  return async (frame) => {
    let parsed: { items: Inbound[]; ack: unknown };
    try {
      parsed = parse(frame, now());
    } catch (err) {
      if (!(err instanceof DingtalkCallbackError)) throw err;
      opts.log.warn({ topic: frame.headers.topic, messageId: frame.headers.messageId, reason: err.message }, 'dingtalk stream frame malformed; acknowledged and dropped');
      opts.onOutcome?.('malformed');
      return frame.type === 'EVENT' ? { status: 'SUCCESS', message: 'malformed' } : { response: null };
    }
    if (!parsed.items.length) {
      opts.log.info({ topic: frame.headers.topic }, 'dingtalk stream frame on an unknown topic; acknowledged');
      return parsed.ack;
    }
    const o = await storeAll(parsed.items, opts.accept); // throws → no ack → DingTalk redelivers
    opts.onOutcome?.(o);
    if (o === 'accepted') opts.onAccepted();
    return parsed.ack;
  };
}
