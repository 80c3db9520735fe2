/**
 * The material library (资料库) and packs (资料包, R6), from config/materials.yaml: materials (a file, a title, a
 * version, the stages and industries it fits) and, per stage, ordered packs of them (①产品手册 ②案例集 …), chosen by
 * the customer's stage and industry. Pure: the caller reads the file and checks that the material files exist.
 */
import { z } from 'zod';
import { ConfigFileError, loadYamlConfig, type ConfigIssue, type ConfigProblem } from './yaml-config';

const key = z.string().regex(/^[a-z][a-z0-9_]*$/, { error: 'use lower-case letters, digits and _ (e.g. product_manual)' });
const nonEmpty = z.string().trim().min(1, { error: 'must not be empty' });
const fileName = z.string().trim().min(1)
  .refine((f) => !f.includes('..') && !/^[\\/]/.test(f) && /\.pdf$/i.test(f), { error: 'a PDF file name inside config/materials/ (e.g. 产品手册.pdf)' });

const materialSchema = z.object({
  key,
  /** What the customer sees: 产品手册, 案例集 … */
  title: nonEmpty,
  /** The file under config/materials/. */
  file: fileName,
  /** The version of the shipped file; an upload through the admin API makes the next one. */
  version: z.number().int().positive().default(1),
  /** Stages and industries it fits (empty = any). */
  stages: z.array(key).default([]),
  industries: z.array(nonEmpty).default([]),
  description: z.string().optional(),
}).strict();

const itemSchema = z.union([
  key.transform((material) => ({ material, required: true })),
  z.object({ material: key, required: z.boolean().default(true) }).strict(),
], { error: 'expected a material key, or { material: key, required: false }' });

const packSchema = z.object({
  key,
  /** e.g. 医疗设备投标资料包 */
  name: nonEmpty,
  /** The stage the pack belongs to (the customer's stage chooses it). */
  stage: key,
  /** Industries it is for (empty = the default pack of the stage). */
  industries: z.array(nonEmpty).default([]),
  /** In order: ① ② ③ … (at most 9). */
  items: z.array(itemSchema).min(1).max(9),
}).strict();

export const materialsSchema = z.object({
  materials: z.array(materialSchema).min(1),
  packs: z.array(packSchema).default([]),
}).strict();

export type MaterialDef = z.output<typeof materialSchema>;
export type PackDef = z.output<typeof packSchema>;
export type MaterialsConfig = z.output<typeof materialsSchema>;

export class MaterialsConfigError extends ConfigFileError {
  override readonly name = 'MaterialsConfigError';
}

function check(cfg: MaterialsConfig, stageKeys: readonly string[] | null): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Map<string, number>();
  cfg.materials.forEach((m, i) => {
    const first = seen.get(m.key);
    if (first !== undefined) problems.push({ path: ['materials', i, 'key'], message: `duplicate material key "${m.key}" (also materials[${first}])` });
    else seen.set(m.key, i);
  });
  const stageRef = (path: (string | number)[], stage: string) => {
    if (stageKeys && !stageKeys.includes(stage)) problems.push({ path, message: `unknown stage "${stage}" (known: ${stageKeys.join(', ')})` });
  };
  cfg.materials.forEach((m, i) => m.stages.forEach((s, j) => stageRef(['materials', i, 'stages', j], s)));
  const packKeys = new Map<string, number>();
  const defaults = new Map<string, number>();
  cfg.packs.forEach((p, i) => {
    const first = packKeys.get(p.key);
    if (first !== undefined) problems.push({ path: ['packs', i, 'key'], message: `duplicate pack key "${p.key}" (also packs[${first}])` });
    else packKeys.set(p.key, i);
    stageRef(['packs', i, 'stage'], p.stage);
    if (!p.industries.length) {
      const other = defaults.get(p.stage);
      if (other !== undefined) problems.push({ path: ['packs', i, 'industries'], message: `stage "${p.stage}" already has a pack for every industry (packs[${other}]); name the industries` });
      else defaults.set(p.stage, i);
    }
    const inPack = new Set<string>();
    p.items.forEach((it, j) => {
      if (!seen.has(it.material)) problems.push({ path: ['packs', i, 'items', j], message: `unknown material "${it.material}"` });
      if (inPack.has(it.material)) problems.push({ path: ['packs', i, 'items', j], message: `material "${it.material}" is already in this pack` });
      inPack.add(it.material);
    });
    if (!p.items.some((it) => it.required)) problems.push({ path: ['packs', i, 'items'], message: 'a pack needs at least one required item' });
  });
  return problems;
}

/**
 * Parses and validates config/materials.yaml. `stageKeys` (from the process definition) lets stage references be
 * checked; every problem names the file, the line and the field.
 */
export function parseMaterialsConfig(text: string, sourceName: string, stageKeys: readonly string[] | null = null): MaterialsConfig {
  return loadYamlConfig(text, sourceName, materialsSchema, (data) => ({ value: data, problems: check(data, stageKeys) }),
    (name: string, issues: ConfigIssue[]) => new MaterialsConfigError(name, issues));
}

/** The pack for a customer at `stage` in `industry`: one made for the industry first, else the stage's default. */
export function packFor(cfg: MaterialsConfig, stage: string, industry: string | null): PackDef | null {
  const ofStage = cfg.packs.filter((p) => p.stage === stage);
  const ind = industry?.trim();
  return (ind ? ofStage.find((p) => p.industries.some((i) => ind.includes(i) || i.includes(ind))) : undefined)
    ?? ofStage.find((p) => !p.industries.length) ?? null;
}

export function materialOf(cfg: MaterialsConfig, key: string): MaterialDef | undefined {
  return cfg.materials.find((m) => m.key === key);
}

/** ① … ⑨ for item numbers 1 … 9. */
export function circled(n: number): string {
  return n >= 1 && n <= 20 ? String.fromCodePoint(0x245f + n) : `(${n})`;
}

/** Whether every required item of a sent pack has been opened (items as recorded when the pack was sent). */
export function allRequiredOpened(items: readonly { required: boolean; firstOpenedAt: Date | null }[]): boolean {
  return items.length > 0 && items.every((it) => !it.required || it.firstOpenedAt !== null);
}
