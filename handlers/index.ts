/** Registers every use case on the router. Order matters: the help catch-all comes last. */
import type { Logger } from 'pino';
import type { WecomClient } from '../bot/wecom/api';
import type { Router } from '../bot/router';
import type { Config } from '../app/config';
import type { Clock } from '../domain/clock';
import type { ProcessDefinition } from '../domain/types';
import { registerCustomers } from './customers';
import { registerHelp } from './help';
import { registerVisits } from './visits';
import { registerOwnership } from './ownership';
import { registerPainPoint } from './pain-point';
import { registerObjections } from './objections';
import { registerTaskActions } from './task-actions';
import { registerReviews } from './reviews';
import type { TaskServiceDeps } from '../usecases/tasks';
import { registerOrg } from '../bot/wecom/contact-events';
import { registerMaterials } from './materials';
import type { MaterialDeps } from '../usecases/material-deps';
import type { CustomerRow } from '../store/customers';

export interface HandlerDeps {
  clock: Clock;
  log: Logger;
  config: Config;
  client: WecomClient;
  process: ProcessDefinition;
  uploadLink(customerId: number, userId: string): string;
  customerLink(customerId: number): string;
  /** A signed link to the process health dashboard for one person (the 看板 command). */
  dashboardLink?(userId: string): string;
  tasks: TaskServiceDeps;
  /** Material packs, external contacts, duplicate customers (issue 13); without it those commands are not offered. */
  materials?: Omit<MaterialDeps, 'emit'>;
  /** Whether a customer's stage has a pack (the stage card's 资料包 button). */
  hasPack?(c: CustomerRow): boolean;
}

export function registerHandlers(router: Router, deps: HandlerDeps): void {
  router.onError((err, ctx) => {
    ctx.log.error({ err: err.message, code: err.code }, 'handler error');
  });
  registerTaskActions(router, deps.tasks);
  registerReviews(router, deps); // quality review: score clicks, and the comment right after a score
  // First among text listeners: an open guided conversation takes the rep's next message as its answer.
  registerPainPoint(router, deps);
  registerObjections(router, deps); // before the customer commands: `<客户> 异议 <内容>`, 看板
  registerVisits(router, deps);
  registerOwnership(router, deps);
  if (deps.materials) registerMaterials(router, { ...deps, materialDeps: deps.materials });
  registerCustomers(router, deps);
  registerOrg(router, deps);
  registerHelp(router);
}
