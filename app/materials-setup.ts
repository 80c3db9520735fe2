/** Assembles material packs (issue 13) for the server: the config file, the link signing, use-case deps and routes. */
import type { Config } from './config';
import type { ProcessDefinition } from '../domain/types';
import { packFor } from '../domain/materials';
import type { TaskServiceDeps } from '../usecases/tasks';
import type { CustomerRow } from '../store/customers';
import type { MaterialDeps } from '../usecases/material-deps';
import { materialLinkKey, materialUrl, signLink } from './material-link';
import { createMaterialRoutes, type MaterialRoutesDeps } from './material-routes';
import { loadMaterialsFile, materialsFileFor, shippedReader } from './materials-file';

export function setupMaterials(input: { config: Config; process: ProcessDefinition; tasks: TaskServiceDeps; publicBase(): string }) {
  const file = materialsFileFor(input.config.processConfig);
  const materials = loadMaterialsFile(file, input.process);
  if (!materials) return null;
  const linkKey = materialLinkKey(input.config);
  const deps: Omit<MaterialDeps, 'emit'> = {
    process: input.process, materials, tasks: input.tasks, readShipped: shippedReader(file),
    linkUrl: (l) => materialUrl(input.publicBase(), signLink({ linkId: l.id, customerId: l.customerId, repId: l.repId, itemNo: l.itemNo }, linkKey)),
  };
  return {
    materials, deps, linkKey,
    hasPack: (c: CustomerRow) => packFor(materials, c.stage, c.industry) !== null,
    routes: (r: Omit<MaterialRoutesDeps, 'materials' | 'linkKey' | 'deps'>) => createMaterialRoutes({ ...r, materials, linkKey, deps }),
  };
}
