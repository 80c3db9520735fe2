/**
 * The org (组织架构): offices (办事处), people, their roles and their direct supervisor (直属上级). Pure: role
 * derivation from WeCom's directory facts, and validation of a whole org that returns every problem as data
 * (a zh-CN message and the path of the offending field), so an API can answer all of them at once.
 */

export const ROLES = ['rep', 'supervisor', 'reviewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Roles WeCom's directory cannot tell us: they come only from configuration or PUT /api/org. */
export const GRANTED_ROLES: readonly Role[] = ['reviewer', 'admin'];

export const ROLE_NAMES_ZH: Record<Role, string> = {
  rep: '销售代表', supervisor: '销售主管', reviewer: '质检员', admin: '管理员',
};

export interface Office {
  id: string;
  name: string;
  parentId: string | null;
}

export interface Person {
  userId: string;
  name: string;
  officeId: string | null;
  roles: Role[];
  supervisorId: string | null;
}

export interface Org {
  offices: Office[];
  people: Person[];
}

export interface OrgProblem {
  /** Where, in the payload's own terms: `people[3].supervisorId`. */
  path: string;
  message: string;
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Known roles only, each once, in the canonical order (so stored role lists compare equal). */
export function normalizeRoles(roles: readonly string[]): Role[] {
  return ROLES.filter((r) => roles.includes(r));
}

/** Everyone named as someone's direct leader (direct_leader in WeCom, supervisorId in our org). */
export function leadersOf(people: Iterable<{ directLeader: readonly string[] }>): Set<string> {
  const leaders = new Set<string>();
  for (const p of people) for (const l of p.directLeader) if (l) leaders.add(l);
  return leaders;
}

export interface RoleFacts {
  userId: string;
  officeId: string | null;
  /** WeCom's is_leader_in_dept says this person leads one of their departments. */
  isLeaderInDept?: boolean;
  /** Roles granted by configuration or the PUT payload; only reviewer and admin are taken from here. */
  granted?: readonly string[];
}

/**
 * A person who is someone's direct leader (or a department leader) is a supervisor; everyone else in an office
 * (a WeCom department) is a rep. Reviewer and admin are never derived, only carried over from `granted`.
 */
export function deriveRoles(person: RoleFacts, leaders: ReadonlySet<string>): Role[] {
  const roles: string[] = (person.granted ?? []).filter((r) => (GRANTED_ROLES as readonly string[]).includes(r));
  if (leaders.has(person.userId) || person.isLeaderInDept) roles.push('supervisor');
  else if (person.officeId) roles.push('rep');
  return normalizeRoles(roles);
}

export interface ValidateOptions {
  /**
   * Refuse an office whose parentId is not in the set (default). WeCom's top visible department may have a
   * parent outside the app's visible range, so the directory sync turns this off.
   */
  requireKnownParents?: boolean;
}

const who = (p: { userId: string; name: string }) => (p.name ? `${p.name}（${p.userId}）` : p.userId);

/** Every problem of an org, or an empty list. Nothing here throws. */
export function validateOrg(org: Org, opts: ValidateOptions = {}): OrgProblem[] {
  const requireKnownParents = opts.requireKnownParents ?? true;
  const problems: OrgProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });

  const officeIndex = new Map<string, number>();
  org.offices.forEach((o, i) => {
    if (!o.id) add(`offices[${i}].id`, `第 ${i + 1} 个办事处缺少编号（id）`);
    if (!o.name) add(`offices[${i}].name`, `办事处 ${o.id || `第 ${i + 1} 个`} 缺少名称（name）`);
    if (!o.id) return;
    const first = officeIndex.get(o.id);
    if (first !== undefined) add(`offices[${i}].id`, `办事处编号 ${o.id} 重复（与 offices[${first}] 相同）`);
    else officeIndex.set(o.id, i);
  });
  org.offices.forEach((o, i) => {
    if (!o.parentId) return;
    if (o.parentId === o.id) add(`offices[${i}].parentId`, `办事处 ${o.name || o.id} 不能是自己的上级`);
    else if (requireKnownParents && !officeIndex.has(o.parentId)) {
      add(`offices[${i}].parentId`, `办事处 ${o.name || o.id} 的上级 ${o.parentId} 不在办事处列表中`);
    }
  });

  const personIndex = new Map<string, number>();
  const lowerIndex = new Map<string, number>();
  org.people.forEach((p, i) => {
    if (!p.userId) add(`people[${i}].userId`, `第 ${i + 1} 个人员缺少企业微信账号（userId）`);
    if (!p.name) add(`people[${i}].name`, `人员 ${p.userId || `第 ${i + 1} 个`} 缺少姓名（name）`);
    if (!p.userId) return;
    // WeCom treats userids case-insensitively (it lowercases them in some answers).
    const first = lowerIndex.get(p.userId.toLowerCase());
    if (first !== undefined) {
      add(`people[${i}].userId`, `企业微信账号 ${p.userId} 重复：${who(p)}与 people[${first}] ${who(org.people[first]!)}相同`);
    } else {
      lowerIndex.set(p.userId.toLowerCase(), i);
      personIndex.set(p.userId, i);
    }
  });
  org.people.forEach((p, i) => {
    if (p.officeId && !officeIndex.has(p.officeId)) {
      add(`people[${i}].officeId`, `${who(p)}的办事处 ${p.officeId} 不在办事处列表中`);
    }
    if (!p.supervisorId) return;
    if (p.supervisorId === p.userId) add(`people[${i}].supervisorId`, `${who(p)}不能是自己的直属上级`);
    else if (!personIndex.has(p.supervisorId)) {
      add(`people[${i}].supervisorId`, `${who(p)}的直属上级 ${p.supervisorId} 不在人员名单中`);
    }
  });

  for (const cycle of findCycles(org.people.map((p) => [p.userId, p.supervisorId] as const), personIndex)) {
    const names = [...cycle, cycle[0]!].map((i) => who(org.people[i]!)).join(' → ');
    add(`people[${cycle[0]}].supervisorId`, `直属上级形成循环：${names}`);
  }
  for (const cycle of findCycles(org.offices.map((o) => [o.id, o.parentId] as const), officeIndex)) {
    const names = [...cycle, cycle[0]!].map((i) => org.offices[i]!.name || org.offices[i]!.id).join(' → ');
    add(`offices[${cycle[0]}].parentId`, `上级办事处形成循环：${names}`);
  }
  return problems;
}

/**
 * Cycles (of two or more members; self-references are reported on their own) in a graph where each node has at
 * most one outgoing edge. Returns each cycle once, as item indexes in edge order.
 */
function findCycles(edges: ReadonlyArray<readonly [string, string | null]>, index: ReadonlyMap<string, number>): number[][] {
  const state = new Array<0 | 1 | 2>(edges.length).fill(0); // 0 unseen, 1 on the current walk, 2 finished
  const cycles: number[][] = [];
  for (let start = 0; start < edges.length; start++) {
    const walk: number[] = [];
    let i: number | undefined = start;
    while (i !== undefined && state[i] === 0) {
      state[i] = 1;
      walk.push(i);
      const [id, to]: readonly [string, string | null] = edges[i]!;
      const owner: number | undefined = index.get(id);
      i = to && to !== id && owner === i ? index.get(to) : undefined;
    }
    if (i !== undefined && state[i] === 1) cycles.push(walk.slice(walk.indexOf(i)));
    for (const w of walk) state[w] = 2;
  }
  return cycles;
}

/** One zh-CN line for an API answer or a log: how many problems, and that nothing was written. */
export function summarizeProblems(problems: readonly OrgProblem[]): string {
  return `组织架构数据有 ${problems.length} 处问题，未写入任何数据`;
}
