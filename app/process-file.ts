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
  const def = parseProcessConfig(text, path.relative(process.cwd(), file) || file);
  // SOP documents named by tasks must exist next to the definition (config/sop/).
  const sopDir = path.join(path.dirname(file), 'sop');
  for (const t of def.tasks) {
    if (t.onDue && !fs.existsSync(path.join(sopDir, t.onDue.sop))) {
      throw new Error(`${path.relative(process.cwd(), file) || file}: task "${t.key}" pushes ${t.onDue.sop}, but ${path.join(sopDir, t.onDue.sop)} does not exist`);
    }
  }
  return def;
}
