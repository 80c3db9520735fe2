/**
 * Card button keys (EventKey), shared by the card builders and the router. Keys carry what the click needs:
 * `move:<customerId>:<stageKey>:<version>` (version `*` = whatever is current, for choice cards);
 * `pick:<customerId>:<version>` submits the stage card's select (question STAGE_SELECT);
 * `confirm:<customerId>:<stageKey>:<version>` is the second tap that closes a customer as 已签约.
 */
export const ACTION = {
  move: (customerId: number, stage: string, version: number | '*') => `move:${customerId}:${stage}:${version}`,
  pick: (customerId: number, version: number) => `pick:${customerId}:${version}`,
  confirm: (customerId: number, stage: string, version: number) => `confirm:${customerId}:${stage}:${version}`,
  show: (customerId: number) => `show:${customerId}`,
  upload: (customerId: number) => `upload:${customerId}`,
} as const;

/** The stage card's select (其他操作) and its placeholder option. */
export const STAGE_SELECT = 'stage_target';
export const NO_CHOICE = 'none';

export type ParsedAction =
  | { kind: 'move'; customerId: number; stage: string; version: number | null }
  | { kind: 'confirm'; customerId: number; stage: string; version: number | null }
  | { kind: 'pick'; customerId: number; version: number | null }
  | { kind: 'show'; customerId: number }
  | { kind: 'upload'; customerId: number };

export function parseAction(key: string): ParsedAction | null {
  const [kind, id, stage, version] = key.split(':');
  const customerId = Number(id);
  if (!Number.isInteger(customerId) || customerId <= 0) return null;
  const v = (x: string | undefined) => (x && x !== '*' && Number.isInteger(Number(x)) ? Number(x) : null);
  if ((kind === 'move' || kind === 'confirm') && stage) return { kind, customerId, stage, version: v(version) };
  if (kind === 'pick') return { kind, customerId, version: v(stage) };
  if (kind === 'show') return { kind, customerId };
  if (kind === 'upload') return { kind, customerId };
  return null;
}
