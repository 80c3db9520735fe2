/**
 * Configuration files a manager edits (process.yaml, calendar.yaml): YAML parsed with line tracking and validated
 * with zod, so every problem names the file, the line and the field (`config/process.yaml:23 stages[3].name:
 * required`) — the reader is a sales manager editing YAML, not a developer reading a stack trace. Pure.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';

export type ConfigPath = (string | number)[];

export interface ConfigProblem {
  path: ConfigPath;
  message: string;
}

export interface ConfigIssue {
  /** 1-based line in the source text. */
  line: number;
  /** Field path like `stages[3].name`; `(root)` for the whole file. */
  path: string;
  message: string;
}

export class ConfigFileError extends Error {
  constructor(
    readonly sourceName: string,
    readonly issues: ConfigIssue[],
  ) {
    super(issues.map((i) => `${sourceName}:${i.line} ${i.path}: ${i.message}`).join('\n'));
  }
}

export function formatPath(path: ConfigPath): string {
  if (path.length === 0) return '(root)';
  return path.map((seg, i) => (typeof seg === 'number' ? `[${seg}]` : i === 0 ? seg : `.${seg}`)).join('');
}

function nodeLine(node: unknown, lc: LineCounter): number | null {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? lc.linePos(range[0]).line : null;
}

/** Line of the deepest node that exists along `path`: the field itself, or its parent when missing. */
function lineOf(doc: Document, lc: LineCounter, path: ConfigPath): number {
  let node: unknown = doc.contents;
  let line = nodeLine(node, lc) ?? 1;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      line = nodeLine(pair.key, lc) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
      node = node.items[seg];
      line = nodeLine(node, lc) ?? line;
    } else break;
  }
  return line;
}

function valueAt(data: unknown, path: ConfigPath): unknown {
  let value = data;
  for (const seg of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[seg];
  }
  return value;
}

function describeValue(value: unknown): string {
  if (value === null) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value === 'string' ? 'text' : typeof value} "${String(value)}"`;
}

const EXPECTED: Record<string, string> = {
  string: 'text', object: 'a mapping', record: 'a mapping', array: 'a list', int: 'a whole number', number: 'a number', boolean: 'true or false',
};

/** One zod issue in words a sales manager can act on (one problem per unknown key). */
function toProblems(issue: z.core.$ZodIssue, data: unknown): ConfigProblem[] {
  const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  const value = valueAt(data, path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: [...path, key], message: `unknown field "${key}" (check the spelling)` }));
    case 'invalid_union':
      if (value === undefined || value === null) return [{ path, message: 'required' }];
      if (issue.discriminator !== undefined) {
        // zod 4 adds the accepted discriminator values at run time; its issue type does not declare them.
        const options = (issue as { options?: unknown[] }).options ?? [];
        return [{ path, message: `unknown ${issue.discriminator} "${String(value)}"; expected one of: ${options.map(String).join(', ')}` }];
      }
      return [{ path, message: issue.message }];
    case 'invalid_type':
      if (value === undefined || value === null) return [{ path, message: 'required' }];
      return [{ path, message: `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeValue(value)}` }];
    case 'invalid_value':
      return [{ path, message: `expected one of: ${issue.values.map(String).join(', ')} (got ${describeValue(value)})` }];
    default:
      return [{ path, message: issue.message }];
  }
}

/**
 * Parses YAML, validates it with `schema`, then runs `check` (cross-field rules) on the result.
 * @param makeError builds the error thrown with every issue, sorted by line (each loader has its own class).
 */
export function loadYamlConfig<S extends z.ZodType, T>(
  text: string, sourceName: string, schema: S, finish: (data: z.output<S>) => { value: T; problems: ConfigProblem[] },
  makeError: (sourceName: string, issues: ConfigIssue[]) => Error,
): T {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const fail = (problems: ConfigProblem[]): never => {
    throw makeError(sourceName, problems
      .map((p) => ({ line: lineOf(doc, lc, p.path), path: formatPath(p.path), message: p.message }))
      .sort((a, b) => a.line - b.line));
  };
  if (doc.errors.length > 0) {
    throw makeError(sourceName, doc.errors.map((e) => {
      const line = e.linePos?.[0].line ?? lc.linePos(e.pos[0]).line;
      if (e.code === 'DUPLICATE_KEY') {
        const key = /^[^:\n]+/.exec(text.slice(e.pos[0]))?.[0].trim() ?? '?';
        return { line, path: key, message: 'duplicate key: a field may appear only once here' };
      }
      return { line, path: 'YAML syntax', message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') };
    }));
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) fail([{ path: [], message: 'the file is empty' }]);
  const parsed = schema.safeParse(data);
  if (!parsed.success) fail(parsed.error.issues.flatMap((i) => toProblems(i, data)));
  const { value, problems } = finish(parsed.data as z.output<S>);
  if (problems.length > 0) fail(problems);
  return value;
}
