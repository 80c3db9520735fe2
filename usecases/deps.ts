import type { CustomerRow } from '../store/customers';
/**
 * What every use case gets besides its transaction and input: the process definition, the task machinery
 * (deadlines, timer wake-ups), the outbox, and the links cards carry. Built once by app/ and shared by chat,
 * API, upload page, schedulers and sandbox, so every way in has the same effects.
 */
import type { ProcessDefinition } from '../domain/types';
import type { EventSource } from '../store/customers';
import type { Tx } from '../store/db';
import type { DocumentBytes } from './document-bytes';
import { emitter, type Emit, type Enqueue } from './emit';
import type { TaskServiceDeps } from './tasks';

export interface UseCaseDeps {
  process: ProcessDefinition;
  tasks: TaskServiceDeps;
  /** The outbox repository's enqueue: messages are written in the caller's transaction. */
  enqueue: Enqueue;
  /** Signed upload page link for a person and a customer. */
  uploadLink(customerId: number, userId: string): Promise<string>;
  /** A link to the customer's page (cards need a URL). */
  /** null without a public address (PUBLIC_BASE_URL unset): cards then carry no link. */
  customerLink(customerId: number): string | null;
  /** Whether the customer's stage has a material pack (the stage card then shows a 资料包 button). */
  hasPack?(c: CustomerRow): boolean;
  /** Where uploaded documents' bytes are kept: the row, or a file under DATA_DIR (decision 0013). */
  documentBytes: DocumentBytes;
}

/** One call: its transaction, the one clock's instant, what caused it (for the outbox rows), and its emitter. */
export interface Call {
  tx: Tx;
  now: Date;
  /** Where the action came from: chat text, card button, API, upload page (history rows record it). */
  source: EventSource;
  emit: Emit;
}

/** A call context for a transaction: messages go to the outbox with `cause`. */
export function callOf(tx: Tx, deps: Pick<UseCaseDeps, 'enqueue'>, now: Date, source: EventSource, cause: string): Call {
  return { tx, now, source, emit: emitter(tx, deps.enqueue, now, cause) };
}
