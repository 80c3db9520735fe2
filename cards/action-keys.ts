/**
 * Card button keys (EventKey), shared by the card builders and the router. Keys carry what the click needs:
 * `move:<customerId>:<stageKey>:<version>` (version `*` = whatever is current, for choice cards).
 */
export const ACTION = {
  move: (customerId: number, stage: string, version: number | '*') => `move:${customerId}:${stage}:${version}`,
  show: (customerId: number) => `show:${customerId}`,
  upload: (customerId: number) => `upload:${customerId}`,
} as const;

export type ParsedAction =
  | { kind: 'move'; customerId: number; stage: string; version: number | null }
  | { kind: 'show'; customerId: number }
  | { kind: 'upload'; customerId: number };

export function parseAction(key: string): ParsedAction | null {
  const [kind, id, stage, version] = key.split(':');
  const customerId = Number(id);
  if (!Number.isInteger(customerId) || customerId <= 0) return null;
  if (kind === 'move' && stage) return { kind, customerId, stage, version: version && version !== '*' ? Number(version) : null };
  if (kind === 'show') return { kind, customerId };
  if (kind === 'upload') return { kind, customerId };
  return null;
}
