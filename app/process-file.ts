import fs from 'node:fs';
import path from 'node:path';
import { parseProcessConfig } from '../domain/process-config';
import type { ProcessDefinition } from '../domain/types';

/** Reads and validates the process definition; a mistake stops the start with the file, line and field. */
export function loadProcessFile(file: string): ProcessDefinition {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`process definition not found: ${file} (set PROCESS_CONFIG)`);
  }
  return parseProcessConfig(text, path.relative(process.cwd(), file) || file);
}
