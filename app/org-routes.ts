/**
 * The org admin API (admin token). `PUT /api/org` replaces the whole org from a spreadsheet-like JSON — offices
 * (办事处) and people with roles and direct supervisor (直属上级) — for teams that do not sync from WeCom's
 * directory. Every problem is answered at once (400, zh-CN messages with paths) and nothing is written; people
 * missing from a new org are marked inactive, never deleted. `GET /api/org` shows the stored org.
 */
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { Clock } from '../domain/clock';
import {
  deriveRoles, isRole, normalizeRoles, ROLES, summarizeProblems, validateOrg, type Office, type OrgProblem, type Person,
} from '../domain/org';
import type { Database } from '../store/db';
import { lastReplace, listOffices, listPeople, replaceOrg } from '../store/org';
import { requireAdmin } from './admin-auth';

export interface OrgRoutesDeps {
  database: Database;
  clock: Clock;
  adminToken?: string;
}

// Ids may come from a spreadsheet as numbers (WeCom department ids are numbers).
const id = z.union([z.string(), z.number()], { error: '应为文本或数字' }).optional();
const text = z.string({ error: '应为文本' }).optional();
const roleList = z.array(
  z.string({ error: '角色应为文本' }).refine(isRole, { error: (iss) => `未知角色 ${String(iss.input)}，可选：${ROLES.join('、')}` }),
  { error: `roles 应为角色数组，可选：${ROLES.join('、')}` },
).optional();

const officeItem = z.object({ id, name: text, parentId: id.nullable() }, { error: '每个办事处应为对象 { id, name, parentId? }' });
const personItem = z.object(
  { userId: text, name: text, officeId: id.nullable(), roles: roleList, supervisorId: text.nullable() },
  { error: '每个人员应为对象 { userId, name, officeId?, roles?, supervisorId? }' },
);
const payload = z.object({
  offices: z.array(z.unknown(), { error: 'offices 应为数组' }),
  people: z.array(z.unknown(), { error: 'people 应为数组' }),
}, { error: '请求体应为 JSON 对象 { offices: [...], people: [...] }' });

const pathOf = (prefix: string, path: readonly PropertyKey[]) =>
  path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), prefix);

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');
const field = (raw: unknown, key: string): unknown => (raw && typeof raw === 'object' ? (raw as Record<string, unknown>)[key] : undefined);

/**
 * Types are checked per item by zod; everything else (required values, references, duplicates, cycles) by the
 * domain, on a best-effort reading of every item, so one answer lists all problems.
 */
export function parseOrgPayload(body: unknown): { org: { offices: Office[]; people: Person[] }; problems: OrgProblem[] } {
  const top = payload.safeParse(body);
  if (!top.success) {
    return { org: { offices: [], people: [] }, problems: top.error.issues.map((i) => ({ path: pathOf('', i.path) || '(body)', message: i.message })) };
  }
  const problems: OrgProblem[] = [];
  const check = (schema: z.ZodType, raw: unknown, prefix: string) => {
    const r = schema.safeParse(raw);
    if (!r.success) for (const i of r.error.issues) problems.push({ path: pathOf(prefix, i.path), message: i.message });
  };
  const offices: Office[] = top.data.offices.map((raw, i) => {
    check(officeItem, raw, `offices[${i}]`);
    return { id: str(field(raw, 'id')), name: str(field(raw, 'name')), parentId: str(field(raw, 'parentId')) || null };
  });
  const given = top.data.people.map((raw, i) => {
    check(personItem, raw, `people[${i}]`);
    const roles = field(raw, 'roles');
    return {
      userId: str(field(raw, 'userId')), name: str(field(raw, 'name')), officeId: str(field(raw, 'officeId')) || null,
      supervisorId: str(field(raw, 'supervisorId')) || null,
      roles: Array.isArray(roles) ? normalizeRoles(roles.filter((r): r is string => typeof r === 'string')) : null,
    };
  });
  // Roles left out are derived: whoever is named as a supervisor is one; everyone else in an office is a rep.
  const leaders = new Set(given.map((p) => p.supervisorId).filter((s): s is string => !!s));
  const people: Person[] = given.map((p) => ({ ...p, roles: p.roles ?? deriveRoles(p, leaders) }));
  if (!people.length) problems.push({ path: 'people', message: '人员名单为空：PUT 会替换整个组织架构，空名单会把所有人标记为停用' });
  const typed = new Set(problems.map((p) => p.path));
  for (const p of validateOrg({ offices, people })) if (!typed.has(p.path)) problems.push(p);
  return { org: { offices, people }, problems };
}

export function createOrgRoutes(deps: OrgRoutesDeps): express.Router {
  const r = express.Router();
  const admin = requireAdmin(deps.adminToken);
  const json = express.json({ limit: '1mb' });

  r.get('/api/org', admin, async (req: Request, res: Response) => {
    const role = typeof req.query.role === 'string' ? req.query.role : undefined;
    if (role && !isRole(role)) {
      res.status(400).json({ error: 'bad_role', allowed: ROLES });
      return;
    }
    const db = deps.database.db;
    const officeId = typeof req.query.officeId === 'string' ? req.query.officeId : undefined;
    const activeOnly = req.query.activeOnly === '1' || req.query.activeOnly === 'true';
    const [offices, people, last] = await Promise.all([
      listOffices(db), listPeople(db, { officeId, role, activeOnly }), lastReplace(db),
    ]);
    res.json({ offices, people, lastReplace: last });
  });

  r.put('/api/org', admin, json, async (req: Request, res: Response) => {
    const { org, problems } = parseOrgPayload(req.body);
    if (problems.length) {
      res.status(400).json({ error: 'invalid_org', message: summarizeProblems(problems), problems });
      return;
    }
    const result = await replaceOrg(deps.database.db, org, deps.clock.now(), 'api');
    res.json({ ok: true, ...result });
  });

  return r;
}
