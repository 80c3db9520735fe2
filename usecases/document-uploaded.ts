/**
 * What the uploader of a document is told (issue 14, honest answers): whether the file satisfies the rule of the
 * stage change it is for — and if not, exactly why. Used by the addDocument use case (usecases/customers.ts), so
 * the upload page and the API tell the same thing.
 */
import { uploadTexts as T } from '../cards/upload-texts';
import { describeFailure, describeFailures } from '../domain/describe-failure';
import type { ProcessDefinition } from '../domain/types';
import { uploadVerdict } from '../domain/upload-verdict';
import { loadEvidence, type CustomerRow } from '../store/customers';
import type { Tx } from '../store/db';

/** The reply to the uploader of `fileName` (document `documentId`) for `customer`. */
export async function uploadReply(tx: Tx, process: ProcessDefinition, customer: CustomerRow, documentId: number, fileName: string, now: Date): Promise<string> {
  const name = customer.name;
  const evidence = await loadEvidence(tx, customer);
  const file = evidence.documents.find((d) => d.id === String(documentId));
  const state = { stage: customer.stage, stageEnteredAt: customer.stageEnteredAt, fields: customer.fields };
  const v = file ? uploadVerdict(process, state, evidence, file, now) : { kind: 'no_rule' as const };
  if (v.kind === 'ready') return T.ready(name, fileName, v.label, v.to.name);
  if (v.kind === 'file_ok_more_needed') return T.fileOkMoreNeeded(name, fileName, v.label, v.to.name, describeFailures(v.failures, name));
  if (v.kind === 'file_fails') return T.fileFails(name, fileName, v.label, v.to.name, describeFailure(v.failure, name));
  if (v.kind === 'file_fails_earlier_ok') return T.fileFailsEarlierOk(name, fileName, v.label, v.to.name, describeFailure(v.failure, name));
  return T.received(name, fileName);
}
