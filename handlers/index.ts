/** Registers every use case on the router. Order matters: the help catch-all comes last. */
import type { Logger } from 'pino';
import type { WecomClient } from '../bot/api';
import type { Router } from '../bot/router';
import type { Config } from '../app/config';
import type { Clock } from '../domain/clock';
import type { ProcessDefinition } from '../domain/types';
import { registerCustomers } from './customers';
import { registerHelp } from './help';
import { registerOrg } from './org';

export interface HandlerDeps {
  clock: Clock;
  log: Logger;
  config: Config;
  client: WecomClient;
  process: ProcessDefinition;
  uploadLink(customerId: number, userId: string): string;
  customerLink(customerId: number): string;
}

export function registerHandlers(router: Router, deps: HandlerDeps): void {
  router.onError((err, ctx) => {
    ctx.log.error({ err: err.message, code: err.code }, 'handler error');
  });
  registerCustomers(router, deps);
  registerOrg(router, deps);
  registerHelp(router);
}
