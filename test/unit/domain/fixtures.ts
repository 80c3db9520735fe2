// Builders for domain tests: the shipped process, customers and evidence with overrides.
import { readFileSync } from 'fs';
import { join } from 'path';
import { parseProcessConfig } from '../../../domain/process-config';
import type { CustomerState, Evidence, EvidenceDocument, Guard, ProcessDefinition } from '../../../domain/types';

export const SHIPPED_CONFIG_PATH = join(__dirname, '../../../config/process.yaml');
export const shippedYaml = (): string => readFileSync(SHIPPED_CONFIG_PATH, 'utf8');
export const shippedProcess = (): ProcessDefinition => parseProcessConfig(shippedYaml(), 'config/process.yaml');

export const HOUR = 3_600_000;
export const T0 = new Date('2025-03-10T02:00:00Z'); // 10:00 Asia/Shanghai
export const at = (ms: number): Date => new Date(T0.getTime() + ms);

export function customer(overrides: Partial<CustomerState> = {}): CustomerState {
  return { stage: 'proposal_submitted', stageEnteredAt: at(-24 * HOUR), fields: {}, ...overrides };
}

export function doc(overrides: Partial<EvidenceDocument> = {}): EvidenceDocument {
  return { id: 'd1', name: '华夏医疗报价单.pdf', mimeType: 'application/pdf', uploadedAt: at(HOUR), ...overrides };
}

export function evidence(overrides: Partial<Evidence> = {}): Evidence {
  return { documents: [], lastCustomerMessageAt: T0, forms: [], ...overrides };
}

/** The shipped process with its guards replaced (or extended) and policy tweaks. */
export function processWith(
  changes: { guards?: Guard[]; transitions?: Partial<ProcessDefinition['transitions']> } = {},
): ProcessDefinition {
  const p = shippedProcess();
  return {
    ...p,
    guards: changes.guards ?? p.guards,
    transitions: { ...p.transitions, ...changes.transitions },
  };
}
