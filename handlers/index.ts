/** Registers every use case on the router. Order matters: the help catch-all comes last. */
import type { Logger } from 'pino';
import type { WecomClient } from '../bot/api';
import type { Router } from '../bot/router';
import type { Config } from '../app/config';
import type { Clock } from '../domain/clock';
import { registerHelp } from './help';

export interface HandlerDeps {
  clock: Clock;
  log: Logger;
  config: Config;
  client: WecomClient;
}

export function registerHandlers(router: Router, _deps: HandlerDeps): void {
  router.onError((err, ctx) => {
    ctx.log.error({ err: err.message, code: err.code }, 'handler error');
  });
  registerHelp(router);
}
