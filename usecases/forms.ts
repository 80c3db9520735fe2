/**
 * Submitting a form (R3): the pain-point record (客户痛点记录), a new version each time, closing the tasks it
 * satisfies. Chat reaches it three ways (one labelled message, a guided conversation, a later edit).
 */
import { diffRecords, type PainPointRecord } from '../domain/pain-point-form';
import type { CustomerRow } from '../store/customers';
import { latestForm, submitForm } from '../store/forms';
import type { Call, UseCaseDeps } from './deps';
import type { Actor } from './permissions';
import { applyTaskEvent } from './tasks';

export const PAIN_POINT_FORM = 'pain_point';

export interface SubmitPainPointResult {
  kind: 'submitted';
  version: number;
  /** What changed against the previous version (absent for the first one). */
  diff: ReturnType<typeof diffRecords> | null;
}

export async function submitPainPoint(call: Call, deps: UseCaseDeps, input: { actor: Actor; customer: CustomerRow; record: PainPointRecord }): Promise<SubmitPainPointResult> {
  const { tx, now } = call;
  const prev = await latestForm(tx, input.customer.id, PAIN_POINT_FORM);
  const form = await submitForm(tx, { customerId: input.customer.id, kind: PAIN_POINT_FORM, data: input.record, by: input.actor.userId }, now);
  await applyTaskEvent(tx, deps.tasks, {
    customerId: input.customer.id, event: { kind: 'form_submitted', form: PAIN_POINT_FORM }, actorId: input.actor.userId,
    deliverable: { form: PAIN_POINT_FORM, formId: form.id, version: form.version }, now,
  });
  if (!prev) return { kind: 'submitted', version: form.version, diff: null };
  const before = prev.data as PainPointRecord & { nextContactAt: string };
  return { kind: 'submitted', version: form.version, diff: diffRecords({ ...before, nextContactAt: new Date(before.nextContactAt) }, input.record) };
}
