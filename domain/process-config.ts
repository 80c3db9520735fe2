/**
 * Loads a process definition from YAML text. Pure: the caller reads the file and passes its text
 * plus a name for messages. Every problem names the file, the line and the field, e.g.
 * `config/process.yaml:23 stages[3].name: required`, because the reader is a sales manager
 * editing YAML, not a developer reading a stack trace.
 */
import { checkProcessDefinition } from './process-checks';
import { processSchema } from './process-schema';
import type { ProcessDefinition } from './types';
import { ConfigFileError, loadYamlConfig, type ConfigIssue } from './yaml-config';

export { formatPath, type ConfigIssue } from './yaml-config';

export class ProcessConfigError extends ConfigFileError {
  override readonly name = 'ProcessConfigError';
  constructor(sourceName: string, issues: ConfigIssue[]) {
    super(sourceName, issues);
  }
}

/** Applies defaults that depend on other fields (the `lost` outcome needs a reason unless told otherwise). */
function withDerivedDefaults(def: ProcessDefinition): ProcessDefinition {
  return {
    ...def,
    stages: def.stages.map((s) => (s.outcome === 'lost' && s.reasonRequired === undefined ? { ...s, reasonRequired: true } : s)),
  };
}

/**
 * Parses and validates a process definition.
 * @param text YAML source (the caller reads the file).
 * @param sourceName How messages name the source, e.g. `config/process.yaml`.
 * @throws ProcessConfigError listing every problem with its line and field path.
 */
export function parseProcessConfig(text: string, sourceName: string): ProcessDefinition {
  return loadYamlConfig(text, sourceName, processSchema, (data) => {
    const def = withDerivedDefaults(data as ProcessDefinition);
    return { value: def, problems: checkProcessDefinition(def) };
  }, (name, issues) => new ProcessConfigError(name, issues));
}
