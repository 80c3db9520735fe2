/**
 * One zh-CN sentence per refused condition, built only from the failure's data (cards and chat
 * replies use it). Texts live in texts.zh.ts.
 */
import { durationMs } from './duration';
import type { DocumentGuardFailure, Failure, FormGuardFailure, GuardFailure } from './failures';
import { TEXTS_ZH } from './texts.zh';

const T = TEXTS_ZH.failure;

function withinText(within: string | undefined): string | null {
  return within ? TEXTS_ZH.formatDuration(durationMs(within)) : null;
}

function describeDocument(f: DocumentGuardFailure, customer?: string): string {
  const { guard, closest } = f;
  const what = guard.label ?? (guard.name && 'contains' in guard.name ? guard.name.contains : '所需文件');
  const reasons: string[] = [];
  for (const problem of closest?.problems ?? []) {
    if (problem === 'type') reasons.push(T.docType((guard.fileTypes ?? []).map(TEXTS_ZH.fileTypeName)));
    if (problem === 'name' && guard.name) {
      reasons.push('contains' in guard.name ? T.docName(guard.name.contains) : T.docNameRegex(guard.name.regex));
    }
    if (problem === 'too_early' && f.anchor) reasons.push(T.docTooEarly(TEXTS_ZH.formatTime(f.anchor)));
    if (problem === 'too_late' && f.anchor) {
      reasons.push(T.docTooLate(withinText(guard.window?.within) ?? '', TEXTS_ZH.formatTime(f.anchor)));
    }
  }
  const docPart = closest ? `${T.docIntro(closest.document.name)}${reasons.join('，')}` : T.noDocuments(what);

  if (f.reason === 'no_anchor') {
    // Without the customer's last message no document can qualify; say so first. (Only that anchor
    // can be missing: the stage-entered time always exists.)
    return closest && reasons.length === 0 ? T.noAnchor(customer) : `${T.noAnchor(customer)}；${docPart}。${f.hint}`;
  }
  // The hint says how to make a qualifying document; for a stale one the reason already says it.
  const onlyTiming = reasons.length > 0 && closest?.problems.every((p) => p === 'too_early' || p === 'too_late');
  return onlyTiming ? `${docPart}。` : `${docPart}。${f.hint}`;
}

function describeForm(f: FormGuardFailure, customer?: string): string {
  const label = f.guard.label ?? f.guard.form;
  if (f.reason === 'missing') return `${T.formMissing(label)}。${f.hint}`;
  if (f.reason === 'no_anchor') return T.noAnchor(customer);
  const anchor = T.anchorName[f.guard.window?.after ?? ''] ?? '';
  return `${T.formOutsideWindow(label, anchor, withinText(f.guard.window?.within))}。${f.hint}`;
}

function describeGuard(f: GuardFailure, customer?: string): string {
  switch (f.kind) {
    case 'document':
      return describeDocument(f, customer);
    case 'form':
      return describeForm(f, customer);
    case 'field':
      return `${T.fieldMissing(f.guard.label ?? f.guard.field)}。${f.hint}`;
    case 'min_time_in_stage':
      return T.tooSoon(TEXTS_ZH.formatDuration(f.requiredMs), TEXTS_ZH.formatDuration(f.elapsedMs), TEXTS_ZH.formatTime(f.allowedAt));
  }
}

/**
 * A zh-CN explanation of one failure, including how to fix it where there is a fix. With the customer's name, the
 * examples are ready to send (华夏医疗 丢单 预算被砍), else they say 客户名.
 */
export function describeFailure(f: Failure, customer?: string): string {
  switch (f.code) {
    case 'unknown_stage':
      return T.unknownStage(f.input, f.options.map((s) => (s.order !== undefined ? `${s.order} ${s.name}` : s.name)));
    case 'unknown_current_stage':
      return T.unknownCurrentStage(f.stage);
    case 'same_stage':
      return T.sameStage(f.stage.name);
    case 'customer_closed':
      return T.customerClosed(f.stage.name);
    case 'reason_required':
      return T.reasonRequired(f.to.name, customer);
    case 'guard':
      return describeGuard(f, customer);
    case 'not_allowed':
      if (f.rule === 'deny') return T.denied(f.from.name, f.to.name);
      if (f.rule === 'outcome_from') return T.outcomeFrom(f.to.name, f.allowedFrom.map((s) => s.name));
      if (f.move === 'skip') return T.skip(f.from.name, f.to.name, f.skipped.map((s) => s.name));
      if (f.move === 'backward') return T.backward(f.from.name, f.to.name);
      if (f.move === 'reopen') return T.reopen(f.from.name);
      return T.forward(f.from.name, f.to.name);
  }
}

/** All failures, one per line, numbered when there are several. */
export function describeFailures(failures: Failure[], customer?: string): string {
  if (failures.length === 1) return describeFailure(failures[0], customer);
  return failures.map((f, i) => `${i + 1}. ${describeFailure(f, customer)}`).join('\n');
}
