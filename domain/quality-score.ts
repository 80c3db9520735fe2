/**
 * R11 follow-up quality score, pure: per finished task, three parts combine into 0–100.
 *
 *   timeliness    response time vs deadline: finished by the deadline → full marks; late → falls linearly to 0
 *                 when the lateness equals the time the task allowed (twice the allotted time);
 *   completeness  required form fields filled (`worries:3` = a list of at least 3 items) and the required number
 *                 of attached documents; with no requirement, a closed task with a deliverable is complete;
 *   keywords      share of the task type's keywords found in the deliverable (form text and document names),
 *                 case-insensitive. Without configured keywords the part is left out and the weights renormalised.
 */
import type { QualityRule } from './review-config';

export interface QualityInput {
  openedAt: Date;
  dueAt: Date;
  closedAt: Date;
  /** The form submitted for the task (latest version), if any. */
  form: Record<string, unknown> | null;
  /** Names of documents delivered with the task. */
  documents: string[];
  /** Whether the task was closed by a deliverable at all (form, document, stage entered). */
  delivered: boolean;
  rule: QualityRule;
  weights: { timeliness: number; completeness: number; keywords: number };
}

export interface QualityPart {
  score: number;
  max: number;
}

export interface QualityParts {
  timeliness: QualityPart & { late: boolean; usedRatio: number };
  completeness: QualityPart & { missing: string[] };
  keywords: (QualityPart & { matched: string[]; missing: string[] }) | null;
}

export interface QualityScore {
  /** 0–100. */
  total: number;
  parts: QualityParts;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

function valueAt(form: Record<string, unknown> | null, path: string): unknown {
  let v: unknown = form;
  for (const seg of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return v;
}

function filled(v: unknown, min: number): boolean {
  if (v === null || v === undefined) return false;
  if (Array.isArray(v)) return v.filter((x) => filled(x, 1)).length >= min;
  if (typeof v === 'string') return v.trim().length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** Every text in a form (values of any depth), for keyword matching. */
export function formText(form: unknown): string {
  if (form === null || form === undefined) return '';
  if (typeof form === 'string') return form;
  if (typeof form === 'number' || typeof form === 'boolean') return String(form);
  if (Array.isArray(form)) return form.map(formText).join('\n');
  if (typeof form === 'object') return Object.values(form as Record<string, unknown>).map(formText).join('\n');
  return '';
}

export function timelinessRatio(openedAt: Date, dueAt: Date, closedAt: Date): number {
  const allowed = Math.max(1, dueAt.getTime() - openedAt.getTime());
  return (closedAt.getTime() - openedAt.getTime()) / allowed;
}

export function qualityScore(input: QualityInput): QualityScore {
  const w = input.weights;
  const ratio = timelinessRatio(input.openedAt, input.dueAt, input.closedAt);
  const late = input.closedAt.getTime() > input.dueAt.getTime();
  const timelinessFactor = !late ? 1 : Math.max(0, Math.min(1, 2 - ratio));

  const missing: string[] = [];
  let items = 0;
  let got = 0;
  for (const spec of input.rule.required) {
    const [path, n] = spec.split(':') as [string, string | undefined];
    items += 1;
    if (filled(valueAt(input.form, path), n ? Number(n) : 1)) got += 1;
    else missing.push(spec);
  }
  if (input.rule.attachments > 0) {
    items += 1;
    const share = Math.min(1, input.documents.length / input.rule.attachments);
    got += share;
    if (share < 1) missing.push(`attachments:${input.rule.attachments}`);
  }
  const completenessFactor = items > 0 ? got / items : input.delivered ? 1 : 0;

  let keywords: QualityParts['keywords'] = null;
  if (input.rule.keywords.length) {
    const text = `${formText(input.form)}\n${input.documents.join('\n')}`.toLowerCase();
    const matched = input.rule.keywords.filter((k) => text.includes(k.toLowerCase()));
    keywords = {
      score: round1((w.keywords * matched.length) / input.rule.keywords.length), max: w.keywords,
      matched, missing: input.rule.keywords.filter((k) => !matched.includes(k)),
    };
  }

  const parts: QualityParts = {
    timeliness: { score: round1(w.timeliness * timelinessFactor), max: w.timeliness, late, usedRatio: Math.round(ratio * 1000) / 1000 },
    completeness: { score: round1(w.completeness * completenessFactor), max: w.completeness, missing },
    keywords,
  };
  const max = parts.timeliness.max + parts.completeness.max + (keywords?.max ?? 0);
  const raw = w.timeliness * timelinessFactor + w.completeness * completenessFactor + (keywords ? (w.keywords * keywords.matched.length) / input.rule.keywords.length : 0);
  return { total: max > 0 ? Math.round((raw / max) * 100) : 0, parts };
}
