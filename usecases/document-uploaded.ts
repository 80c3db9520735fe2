/**
 * A rep uploaded a document for a customer (upload page, or later any other door): tell them, honestly, whether the
 * file satisfies the rule of the stage change it is for — and if not, exactly why — and apply what the document
 * completes (e.g. the 48 h post-visit solution drafts). Runs inside the upload's transaction; the message goes
 * through the outbox of that transaction.
 */
import type { OutboundMessage } from '../bot/wecom/outbound';
import { uploadTexts as T } from '../cards/upload-texts';
import { describeFailure, describeFailures } from '../domain/describe-failure';
import type { ProcessDefinition } from '../domain/types';
import { uploadVerdict } from '../domain/upload-verdict';
import { getCustomer, loadEvidence } from '../store/customers';
import type { Tx } from '../store/db';
import { applyTaskEvent, type TaskServiceDeps } from './tasks';

export interface DocumentUploadedDeps {
  process: ProcessDefinition;
  tasks: TaskServiceDeps;
  emit(tx: Tx, to: string, message: OutboundMessage): Promise<void>;
}

export interface DocumentUploadedInput { customerId: number; userId: string; documentId: number; name: string; now: Date }

/** Returns the reply sent to the uploader. */
export async function documentUploaded(tx: Tx, deps: DocumentUploadedDeps, input: DocumentUploadedInput): Promise<string> {
  const customer = await getCustomer(tx, input.customerId);
  const name = customer?.name ?? String(input.customerId);
  let content = T.received(name, input.name);
  if (customer) {
    const evidence = await loadEvidence(tx, customer);
    const file = evidence.documents.find((d) => d.id === String(input.documentId));
    const state = { stage: customer.stage, stageEnteredAt: customer.stageEnteredAt, fields: customer.fields };
    const v = file ? uploadVerdict(deps.process, state, evidence, file, input.now) : { kind: 'no_rule' as const };
    if (v.kind === 'ready') content = T.ready(name, input.name, v.label, v.to.name);
    else if (v.kind === 'file_ok_more_needed') content = T.fileOkMoreNeeded(name, input.name, v.label, v.to.name, describeFailures(v.failures));
    else if (v.kind === 'file_fails') content = T.fileFails(name, input.name, v.label, v.to.name, describeFailure(v.failure));
    else if (v.kind === 'file_fails_earlier_ok') content = T.fileFailsEarlierOk(name, input.name, v.label, v.to.name, describeFailure(v.failure));
  }
  await deps.emit(tx, input.userId, { msgtype: 'text', text: { content } });
  // A document can finish a task (e.g. the 48 h post-visit solution drafts).
  await applyTaskEvent(tx, deps.tasks, {
    customerId: input.customerId, event: { kind: 'document_added', name: input.name }, actorId: input.userId, deliverable: { document: input.name }, now: input.now,
  });
  return content;
}
