/**
 * Registers every chat handler on the router. Which text command a message is, is decided by the one command table
 * (domain/command-table.ts), not by this order; only the two conversations (a review comment, then a guided
 * pain-point form) are tried in the order registered here, before any command other than a one-word one (我的任务…).
 */
import type { Logger } from 'pino';
import type { Router } from '../bot/router';
import type { UseCaseDeps } from '../usecases/deps';
import type { ReviewServiceDeps } from '../usecases/review-service';
import { registerCustomers } from './customers';
import { registerHelp } from './help';
import { registerVisits } from './visits';
import { registerOwnership } from './ownership';
import { registerPainPoint } from './pain-point';
import { registerObjections } from './objections';
import { registerTaskActions } from './task-actions';
import { registerReviews } from './reviews';
import { registerMaterials } from './materials';
import type { MaterialDeps } from '../usecases/material-deps';
import { registerMyWork } from './my-work';
import type { Database } from '../store/db';

export interface HandlerDeps extends UseCaseDeps {
  log: Logger;
  /** The quality review service (scoring cards). */
  reviews: ReviewServiceDeps;
  /** A signed link to the process health dashboard for one person (the 看板 command). */
  dashboardLink?(userId: string): Promise<string>;
  /** How many days such a link stays valid (said in the reply). */
  dashboardLinkDays?: number;
  /** Material packs, external contacts, duplicate customers (issue 13); without it those commands are not offered. */
  materials?: Omit<MaterialDeps, 'emit'>;
  /** For the read-only views (我的任务, 团队, 停滞, 待评分) that run raw SQL. */
  database: Database;
}

export function registerHandlers(router: Router, deps: HandlerDeps): void {
  router.onError((err, ctx) => {
    ctx.log.error({ err: err.message, code: err.code }, 'handler error');
  });
  registerTaskActions(router, deps);
  registerReviews(router, deps); // quality review: score clicks, and the comment right after a score (a conversation)
  registerPainPoint(router, deps); // the guided form (a conversation), 填写痛点, the labelled form
  registerMyWork(router, { database: deps.database, process: deps.process }); // 我的任务/待办, 团队, 停滞, 待评分
  registerObjections(router, deps); // `<客户> 异议 <内容>`, 看板
  registerVisits(router, deps);
  registerOwnership(router, deps);
  if (deps.materials) registerMaterials(router, { ...deps, materialDeps: deps.materials });
  registerCustomers(router, deps);
  registerHelp(router, deps);
}
