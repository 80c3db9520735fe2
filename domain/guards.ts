/**
 * Guard evaluation (阶段跃迁强控, R2): each guard kind checks the evidence and either passes or
 * returns a failure that says what was observed. Windows are inclusive at both ends:
 * evidence dated exactly `within` after the anchor passes, one second later does not.
 */
import { durationMs } from './duration';
import type { DocumentGuardFailure, DocumentMiss, DocumentProblem, FormGuardFailure, GuardFailure } from './failures';
import { TEXTS_ZH } from './texts.zh';
import type {
  CustomerState,
  DocumentGuard,
  Evidence,
  EvidenceDocument,
  FormGuard,
  Guard,
  ProcessDefinition,
  StageRef,
  TimeWindow,
} from './types';

export interface GuardContext {
  customer: CustomerState;
  evidence: Evidence;
  now: Date;
  from: StageRef;
  to: StageRef;
}

/** Guards that apply to a move `from → to` (a guard without `from` applies from any stage). */
export function guardsFor(process: ProcessDefinition, from: string, to: string): Guard[] {
  return process.guards.filter((g) => g.to === to && (g.from === undefined || g.from === from));
}

const KNOWN_MIME: Record<string, string[]> = {
  pdf: ['application/pdf'],
  doc: ['application/msword'],
  docx: ['application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  xls: ['application/vnd.ms-excel'],
  xlsx: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  ppt: ['application/vnd.ms-powerpoint'],
  pptx: ['application/vnd.openxmlformats-officedocument.presentationml.presentation'],
  jpg: ['image/jpeg'],
  jpeg: ['image/jpeg'],
  png: ['image/png'],
};

/** A type is an extension (`pdf`) or a MIME type (`application/pdf`); extensions match case-insensitively. */
export function matchesFileType(doc: EvidenceDocument, types: string[]): boolean {
  const mime = doc.mimeType.split(';')[0].trim().toLowerCase();
  const name = doc.name.trim().toLowerCase();
  return types.some((raw) => {
    const t = raw.trim().toLowerCase().replace(/^\./, '');
    if (t.includes('/')) return mime === t;
    return name.endsWith(`.${t}`) || (KNOWN_MIME[t]?.includes(mime) ?? false);
  });
}

export function matchesName(doc: EvidenceDocument, guard: DocumentGuard): boolean {
  const pattern = guard.name;
  if (!pattern) return true;
  if ('contains' in pattern) return doc.name.toLowerCase().includes(pattern.contains.toLowerCase());
  return new RegExp(pattern.regex, pattern.flags).test(doc.name);
}

function anchorOf(window: TimeWindow, ctx: GuardContext): Date | null {
  return window.after === 'customer_last_message' ? ctx.evidence.lastCustomerMessageAt : ctx.customer.stageEnteredAt;
}

function windowEndOf(window: TimeWindow | undefined, anchor: Date | null): Date | null {
  if (!window?.within || !anchor) return null;
  return new Date(anchor.getTime() + durationMs(window.within));
}

function timingProblem(at: Date, anchor: Date, end: Date | null): DocumentProblem | null {
  if (at.getTime() < anchor.getTime()) return 'too_early';
  if (end && at.getTime() > end.getTime()) return 'too_late';
  return null;
}

/** Default zh-CN hint for a guard without one. */
export function defaultHint(guard: Guard): string {
  const h = TEXTS_ZH.hint;
  switch (guard.kind) {
    case 'document': {
      const contains = guard.name && 'contains' in guard.name ? guard.name.contains : null;
      const what = guard.label ?? contains ?? '所需文件';
      const within = guard.window?.within ? TEXTS_ZH.formatDuration(durationMs(guard.window.within)) : null;
      return h.document(what, (guard.fileTypes ?? []).map(TEXTS_ZH.fileTypeName), contains, within);
    }
    case 'form':
      return h.form(guard.label ?? guard.form);
    case 'field':
      return h.field(guard.label ?? guard.field);
    case 'min_time_in_stage':
      return h.minTime(TEXTS_ZH.formatDuration(durationMs(guard.duration)));
  }
}

function checkDocument(guard: DocumentGuard, ctx: GuardContext): DocumentGuardFailure | null {
  const anchor = guard.window ? anchorOf(guard.window, ctx) : null;
  const end = windowEndOf(guard.window, anchor);
  const misses: DocumentMiss[] = ctx.evidence.documents.map((document) => {
    const problems: DocumentProblem[] = [];
    if (guard.fileTypes && !matchesFileType(document, guard.fileTypes)) problems.push('type');
    if (!matchesName(document, guard)) problems.push('name');
    const timing = anchor ? timingProblem(document.uploadedAt, anchor, end) : null;
    if (timing) problems.push(timing);
    return { document, problems };
  });
  const noAnchor = guard.window !== undefined && anchor === null;
  if (!noAnchor && misses.some((m) => m.problems.length === 0)) return null;

  const closest =
    [...misses].sort(
      (a, b) => a.problems.length - b.problems.length || b.document.uploadedAt.getTime() - a.document.uploadedAt.getTime(),
    )[0] ?? null;
  const reason = noAnchor ? 'no_anchor' : misses.length === 0 ? 'no_documents' : 'no_match';
  return {
    ...base(guard, ctx),
    kind: 'document',
    guard,
    reason,
    anchor,
    windowEnd: end,
    documentCount: misses.length,
    closest,
  };
}

function checkForm(guard: FormGuard, ctx: GuardContext): FormGuardFailure | null {
  const forms = ctx.evidence.forms.filter((f) => f.kind === guard.form);
  const latest = [...forms].sort((a, b) => b.submittedAt.getTime() - a.submittedAt.getTime())[0] ?? null;
  const anchor = guard.window ? anchorOf(guard.window, ctx) : null;
  const end = windowEndOf(guard.window, anchor);
  const fail = (reason: FormGuardFailure['reason']): FormGuardFailure => ({
    ...base(guard, ctx),
    kind: 'form',
    guard,
    reason,
    anchor,
    windowEnd: end,
    latest,
  });
  if (!latest) return fail('missing');
  if (!guard.window) return null;
  if (!anchor) return fail('no_anchor');
  return forms.some((f) => timingProblem(f.submittedAt, anchor, end) === null) ? null : fail('outside_window');
}

function base(guard: Guard, ctx: GuardContext): { code: 'guard'; from: StageRef; to: StageRef; hint: string } {
  return { code: 'guard', from: ctx.from, to: ctx.to, hint: guard.hint ?? defaultHint(guard) };
}

/** Null when the guard is satisfied, otherwise the failure with what was observed. */
export function evaluateGuard(guard: Guard, ctx: GuardContext): GuardFailure | null {
  switch (guard.kind) {
    case 'document':
      return checkDocument(guard, ctx);
    case 'form':
      return checkForm(guard, ctx);
    case 'field': {
      const value = ctx.customer.fields[guard.field];
      if (typeof value === 'string' && value.trim() !== '') return null;
      return { ...base(guard, ctx), kind: 'field', guard, reason: 'missing', value };
    }
    case 'min_time_in_stage': {
      const requiredMs = durationMs(guard.duration);
      const enteredAt = ctx.customer.stageEnteredAt;
      const elapsedMs = ctx.now.getTime() - enteredAt.getTime();
      if (elapsedMs >= requiredMs) return null;
      const allowedAt = new Date(enteredAt.getTime() + requiredMs);
      return { ...base(guard, ctx), kind: 'min_time_in_stage', guard, reason: 'too_soon', enteredAt, elapsedMs, requiredMs, allowedAt };
    }
  }
}
