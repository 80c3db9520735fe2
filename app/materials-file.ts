/**
 * Reads config/materials.yaml, the file beside the process definition (process.yaml → materials.yaml in the same
 * folder), and checks what the schema cannot: the PDFs exist under materials/, and every pack a task of the process
 * needs (`pack_sent` / `pack_opened`) is configured. A mistake stops the start with the file, line and field. No
 * file → no material features, unless the process needs packs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseMaterialsConfig, type MaterialsConfig } from '../domain/materials';
import type { ProcessDefinition } from '../domain/types';

export function materialsFileFor(processFile: string): string {
  return path.join(path.dirname(processFile), 'materials.yaml');
}

/** Stages whose pack a task of the process waits for. */
function stagesNeedingPacks(def: ProcessDefinition): string[] {
  const out = new Set<string>();
  for (const t of def.tasks) {
    if (t.trigger.on === 'pack_sent') out.add(t.trigger.stage);
    for (const c of t.closes) {
      if ('pack_sent' in c) out.add(c.pack_sent);
      if ('pack_opened' in c) out.add(c.pack_opened);
    }
  }
  return [...out];
}

export function loadMaterialsFile(file: string, def: ProcessDefinition): MaterialsConfig | null {
  const shown = path.relative(process.cwd(), file) || file;
  if (!fs.existsSync(file)) {
    const needed = stagesNeedingPacks(def);
    if (needed.length) throw new Error(`${shown} not found, but tasks of the process need packs for: ${needed.join(', ')}`);
    return null;
  }
  const cfg = parseMaterialsConfig(fs.readFileSync(file, 'utf8'), shown, def.stages.map((s) => s.key));
  const dir = path.join(path.dirname(file), 'materials');
  for (const m of cfg.materials) {
    if (!fs.existsSync(path.join(dir, m.file))) throw new Error(`${shown}: material "${m.key}" names ${m.file}, but ${path.join(dir, m.file)} does not exist`);
  }
  for (const stage of stagesNeedingPacks(def)) {
    if (!cfg.packs.some((p) => p.stage === stage)) throw new Error(`${shown}: a task of the process needs a pack for stage "${stage}", but no pack has stage: ${stage}`);
  }
  return cfg;
}

/** Reads a shipped material file (null when it is gone since start). */
export function shippedReader(file: string): (name: string) => Buffer | null {
  const dir = path.join(path.dirname(file), 'materials');
  return (name) => {
    try {
      return fs.readFileSync(path.join(dir, path.basename(name)));
    } catch {
      return null;
    }
  };
}
