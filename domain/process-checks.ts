/**
 * Cross-field rules of a process definition that a schema cannot express: every stage reference
 * exists, keys and orders are unique, and exactly one `won` and one `lost` outcome close a customer.
 * Each problem carries the path of the field to blame, so the loader can name its line.
 */
import type { ProcessDefinition } from './types';
import type { ConfigPath, ConfigProblem } from './yaml-config';

export type { ConfigPath, ConfigProblem } from './yaml-config';

function checkStages(def: ProcessDefinition, problems: ConfigProblem[]): void {
  const keyAt = new Map<string, number>();
  const orderAt = new Map<number, number>();
  def.stages.forEach((stage, i) => {
    const firstKey = keyAt.get(stage.key);
    if (firstKey !== undefined) {
      problems.push({ path: ['stages', i, 'key'], message: `duplicate stage key "${stage.key}" (also stages[${firstKey}])` });
    } else keyAt.set(stage.key, i);

    if (stage.outcome) {
      if (stage.order !== undefined) {
        problems.push({ path: ['stages', i, 'order'], message: 'an outcome (won/lost) has no order; remove it' });
      }
    } else {
      if (stage.order === undefined) {
        problems.push({ path: ['stages', i, 'order'], message: 'required for a stage that is not an outcome' });
      } else {
        const firstOrder = orderAt.get(stage.order);
        if (firstOrder !== undefined) {
          problems.push({ path: ['stages', i, 'order'], message: `duplicate order ${stage.order} (also stages[${firstOrder}])` });
        } else orderAt.set(stage.order, i);
      }
      if (stage.from) problems.push({ path: ['stages', i, 'from'], message: 'only an outcome (won/lost) may list from' });
    }
    if ((stage.key === 'won' || stage.key === 'lost') && stage.outcome !== stage.key) {
      problems.push({ path: ['stages', i, 'outcome'], message: `stage "${stage.key}" must be terminal: outcome: ${stage.key}` });
    }
  });

  for (const outcome of ['won', 'lost'] as const) {
    const at = def.stages.flatMap((s, i) => (s.outcome === outcome ? [i] : []));
    if (at.length === 0) problems.push({ path: ['stages'], message: `missing the ${outcome} outcome (a stage with outcome: ${outcome})` });
    for (const i of at.slice(1)) {
      problems.push({ path: ['stages', i, 'outcome'], message: `only one stage may have outcome: ${outcome}` });
    }
  }
  if (!def.stages.some((s) => !s.outcome)) problems.push({ path: ['stages'], message: 'at least one open stage (with an order) is required' });
}

function checkReferences(def: ProcessDefinition, problems: ConfigProblem[]): void {
  const keys = new Set(def.stages.map((s) => s.key));
  const known = [...keys].join(', ');
  const ref = (path: ConfigPath, key: string | undefined): void => {
    if (key !== undefined && !keys.has(key)) problems.push({ path, message: `unknown stage "${key}" (known: ${known})` });
  };

  def.stages.forEach((stage, i) => stage.from?.forEach((key, j) => ref(['stages', i, 'from', j], key)));
  for (const list of ['allow', 'deny'] as const) {
    def.transitions[list].forEach((pair, i) => {
      ref(['transitions', list, i, 'from'], pair.from);
      ref(['transitions', list, i, 'to'], pair.to);
    });
  }
  def.guards.forEach((guard, i) => {
    ref(['guards', i, 'from'], guard.from);
    ref(['guards', i, 'to'], guard.to);
    if (guard.from !== undefined && guard.from === guard.to) {
      problems.push({ path: ['guards', i, 'to'], message: 'a guard needs two different stages (from ≠ to)' });
    }
  });
  const taskKeys = new Map<string, number>();
  def.tasks.forEach((task, i) => {
    const first = taskKeys.get(task.key);
    if (first !== undefined) problems.push({ path: ['tasks', i, 'key'], message: `duplicate task key "${task.key}" (also tasks[${first}])` });
    else taskKeys.set(task.key, i);
    if (task.trigger.on === 'stage_entered' || task.trigger.on === 'pack_sent') ref(['tasks', i, 'trigger', 'stage'], task.trigger.stage);
    task.closes.forEach((c, j) => {
      if ('stage_entered' in c) ref(['tasks', i, 'closes', j, 'stage_entered'], c.stage_entered);
      if ('pack_sent' in c) ref(['tasks', i, 'closes', j, 'pack_sent'], c.pack_sent);
      if ('pack_opened' in c) ref(['tasks', i, 'closes', j, 'pack_opened'], c.pack_opened);
    });
  });
  def.stall.forEach((rule, i) => ref(['stall', i, 'stage'], rule.stage));
  for (const key of Object.keys(def.dashboard?.thresholds ?? {})) ref(['dashboard', 'thresholds', key], key);
}

/** All cross-field problems of a definition that already passed the schema (empty = valid). */
export function checkProcessDefinition(def: ProcessDefinition): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  checkStages(def, problems);
  checkReferences(def, problems);
  return problems;
}
