/**
 * What the material, external-contact and duplicate use cases need from the outside world. Each use case is
 * `(tx, deps, input) => result`: permissions are checked inside, and messages go out through `deps.emit`, which
 * writes outbox rows in the caller's transaction (so a change and its messages commit together).
 */
import type { Emit } from './emit';
import { isAdmin, sameUser } from './permissions';
import type { MaterialsConfig } from '../domain/materials';
import type { ProcessDefinition } from '../domain/types';
import type { TaskServiceDeps } from './tasks';
import type { PersonRow } from '../store/people';

export type { Emit } from './emit';

export interface MaterialDeps {
  process: ProcessDefinition;
  materials: MaterialsConfig;
  tasks: TaskServiceDeps;
  /** The signed, long-lived URL of one item of a sent pack. */
  linkUrl(link: { id: number; customerId: number; repId: string; itemNo: number }): string;
  /** The bytes of a shipped material file (config/materials/<file>), or null when missing. */
  readShipped(file: string): Buffer | null;
  emit: Emit;
}

/** The caller's source, recorded in history rows. */
export type Source = 'text' | 'card' | 'api' | 'page' | 'sandbox';

/** The owner, the owner's direct supervisor (直属上级) or an admin may act on a customer: the move rule (permissions.ts). */
export { isAdmin, mayMove as mayActOn } from './permissions';

/** A supervisor of either owner, or an admin, decides about two customers. */
export function maySupervise(actorId: string, actor: PersonRow | null, owners: (PersonRow | null)[]): boolean {
  return isAdmin(actor) || owners.some((o) => sameUser(o?.supervisorId, actorId));
}
