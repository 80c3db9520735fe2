/**
 * A fake DingTalk on one loopback HTTP server: the OpenAPI of both families (openapi.ts) and the Stream gateway
 * (gateway.ts). Point DINGTALK_API_BASE and DINGTALK_OAPI_BASE at `base`. Used by tests and the sandbox.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Clock } from '../../../domain/clock';
import { createFakeGateway, type FakeGatewayOptions } from './gateway';
import { createFakeOpenApi } from './openapi';
import { createFakeState, type FakeApp, type FakeUser } from './state';

export type { FakeUser, FakeApp } from './state';

export const FAKE_APP: FakeApp = {
  clientId: 'dingfakeclientid0001', clientSecret: 'fake-client-secret-0001', robotCode: 'dingfakeclientid0001', agentId: '3000001', corpId: 'dingfakecorp0001',
};

export interface FakeDingtalkOptions extends FakeGatewayOptions {
  app?: Partial<FakeApp>;
  clock?: Clock;
  users?: FakeUser[];
  departments?: { id: number; name: string; parentId: number | null }[];
  templates?: string[];
  port?: number;
}

export async function startFakeDingtalk(opts: FakeDingtalkOptions = {}) {
  const state = createFakeState({ ...FAKE_APP, ...opts.app }, opts.clock ?? { now: () => new Date() });
  for (const d of opts.departments ?? []) state.departments.set(d.id, d);
  for (const u of opts.users ?? []) state.users.set(u.userid, { active: true, ...u });
  for (const t of opts.templates ?? []) state.templates.add(t);
  const gateway = createFakeGateway(state, opts);
  const app = express();
  app.use(gateway.router);
  app.use(createFakeOpenApi(state));
  app.use((_req, res) => void res.status(404).json({ code: 'notFound', message: 'no such fake endpoint' }));
  const server = http.createServer(app);
  server.on('upgrade', (req, socket, head) => {
    if (!gateway.upgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  gateway.setEndpoint(`${base.replace('http', 'ws')}/gateway/stream`);
  return {
    base,
    state,
    gateway,
    /** A 免登 auth code for a member (5 min, single use). */
    authCode(userId: string): string {
      const code = `auth_${Math.random().toString(36).slice(2)}`;
      state.authCodes.set(code, { userId, expiresAt: state.clock.now().getTime() + 5 * 60_000, used: false });
      return code;
    },
    async close() {
      gateway.close();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type FakeDingtalk = Awaited<ReturnType<typeof startFakeDingtalk>>;
