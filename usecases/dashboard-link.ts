/** `看板`: a signed dashboard link for a manager (supervisors and admins see their scope; others are told no). */
import { managedScope } from '../domain/dashboard';
import { people } from '../store/schema';
import type { Call } from './deps';
import type { Actor } from './permissions';

export type DashboardLinkResult = { kind: 'link'; url: string } | { kind: 'not_manager' };

export async function dashboardLinkFor(call: Call, input: { actor: Actor; link(userId: string): Promise<string> }): Promise<DashboardLinkResult> {
  const org = await call.tx.select({
    userId: people.userId, officeId: people.officeId, roles: people.roles, supervisorId: people.supervisorId, active: people.active,
  }).from(people);
  const scope = managedScope(input.actor.userId, org);
  if (scope.kind === 'none') return { kind: 'not_manager' };
  return { kind: 'link', url: await input.link(input.actor.userId) };
}
