import { deriveRoles, leadersOf, normalizeRoles, validateOrg, type Org, type Person } from '../../../domain/org';

const person = (userId: string, name: string, o: Partial<Person> = {}): Person => ({
  userId, name, officeId: 'east', roles: ['rep'], supervisorId: null, ...o,
});

function org(people: Person[]): Org {
  return {
    offices: [
      { id: 'hq', name: '销售总部', parentId: null },
      { id: 'east', name: '华东办事处', parentId: 'hq' },
      { id: 'south', name: '华南办事处', parentId: 'hq' },
    ],
    people,
  };
}

const valid = () => org([
  person('zhaolei', '赵磊', { officeId: 'hq', roles: ['supervisor', 'admin'] }),
  person('zhangwei', '张伟', { roles: ['supervisor'], supervisorId: 'zhaolei' }),
  person('lina', '李娜', { supervisorId: 'zhangwei' }),
  person('wangfang', '王芳', { officeId: 'south', supervisorId: 'zhaolei' }),
]);

describe('deriveRoles', () => {
  const leaders = leadersOf([{ directLeader: ['zhangwei'] }, { directLeader: ['zhaolei', 'zhangwei'] }, { directLeader: [] }]);

  it('makes a direct leader a supervisor and everyone else in an office a rep', () => {
    expect(deriveRoles({ userId: 'zhangwei', officeId: '2' }, leaders)).toEqual(['supervisor']);
    expect(deriveRoles({ userId: 'lina', officeId: '2' }, leaders)).toEqual(['rep']);
  });

  it('counts every entry of direct_leader, and is_leader_in_dept', () => {
    expect(deriveRoles({ userId: 'zhaolei', officeId: '1' }, leaders)).toEqual(['supervisor']);
    expect(deriveRoles({ userId: 'sunli', officeId: '3', isLeaderInDept: true }, leaders)).toEqual(['supervisor']);
  });

  it('gives no derived role to someone outside any office', () => {
    expect(deriveRoles({ userId: 'guest', officeId: null }, leaders)).toEqual([]);
  });

  it('takes only reviewer and admin from granted roles, never rep or supervisor', () => {
    expect(deriveRoles({ userId: 'lina', officeId: '2', granted: ['reviewer', 'supervisor', 'nonsense'] }, leaders)).toEqual(['rep', 'reviewer']);
    expect(deriveRoles({ userId: 'zhaolei', officeId: '1', granted: ['admin', 'rep'] }, leaders)).toEqual(['supervisor', 'admin']);
  });

  it('normalizes roles to known ones, once, in canonical order', () => {
    expect(normalizeRoles(['admin', 'rep', 'admin', 'boss'])).toEqual(['rep', 'admin']);
  });
});

describe('validateOrg', () => {
  it('accepts a consistent org', () => {
    expect(validateOrg(valid())).toEqual([]);
  });

  it('names an unknown office, with the person', () => {
    const o = valid();
    o.people[2]!.officeId = 'north';
    expect(validateOrg(o)).toEqual([{ path: 'people[2].officeId', message: '李娜（lina）的办事处 north 不在办事处列表中' }]);
  });

  it('names a supervisor who is not in the set', () => {
    const o = valid();
    o.people[2]!.supervisorId = 'liuyang';
    expect(validateOrg(o)).toEqual([{ path: 'people[2].supervisorId', message: '李娜（lina）的直属上级 liuyang 不在人员名单中' }]);
  });

  it('finds duplicate userids, case-insensitively', () => {
    const o = valid();
    o.people.push(person('LiNa', '李娜二'));
    expect(validateOrg(o)).toEqual([
      { path: 'people[4].userId', message: '企业微信账号 LiNa 重复：李娜二（LiNa）与 people[2] 李娜（lina）相同' },
    ]);
  });

  it('finds a supervisor cycle once and shows it by name', () => {
    const o = valid();
    o.people[0]!.supervisorId = 'lina'; // 赵磊 → 李娜 → 张伟 → 赵磊
    const problems = validateOrg(o);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toEqual({
      path: 'people[0].supervisorId',
      message: '直属上级形成循环：赵磊（zhaolei） → 李娜（lina） → 张伟（zhangwei） → 赵磊（zhaolei）',
    });
  });

  it('reports a self-supervisor on its own, not as a cycle', () => {
    const o = valid();
    o.people[3]!.supervisorId = 'wangfang';
    expect(validateOrg(o)).toEqual([{ path: 'people[3].supervisorId', message: '王芳（wangfang）不能是自己的直属上级' }]);
  });

  it('returns every problem at once: missing name, duplicate, unknown office, unknown supervisor, cycle', () => {
    const o = org([
      person('zhangwei', '张伟', { roles: ['supervisor'], supervisorId: 'lina' }),
      person('lina', '', { supervisorId: 'zhangwei' }),
      person('zhangwei', '张伟', { officeId: 'west' }),
      person('', '无账号'),
      person('chenjing', '陈静', { supervisorId: 'ghost' }),
    ]);
    expect(validateOrg(o).map((p) => p.path)).toEqual([
      'people[1].name',
      'people[2].userId',
      'people[3].userId',
      'people[2].officeId',
      'people[4].supervisorId',
      'people[0].supervisorId',
    ]);
  });

  it('checks offices: missing values, duplicates, unknown parents (unless turned off) and parent cycles', () => {
    const o: Org = {
      offices: [
        { id: 'a', name: '', parentId: null },
        { id: 'a', name: '重复', parentId: null },
        { id: 'b', name: '乙', parentId: 'c' },
        { id: 'c', name: '丙', parentId: 'b' },
        { id: 'd', name: '丁', parentId: '1' },
      ],
      people: [],
    };
    const problems = validateOrg(o);
    expect(problems.map((p) => p.path)).toEqual([
      'offices[0].name', 'offices[1].id', 'offices[4].parentId', 'offices[2].parentId',
    ]);
    expect(problems[3]!.message).toBe('上级办事处形成循环：乙 → 丙 → 乙');
    expect(validateOrg(o, { requireKnownParents: false }).map((p) => p.path)).not.toContain('offices[4].parentId');
  });

  it('handles a long chain without false cycles', () => {
    const people = Array.from({ length: 2000 }, (_, i) => person(`u${i}`, `员工${i}`, { supervisorId: i ? `u${i - 1}` : null }));
    expect(validateOrg(org(people))).toEqual([]);
  });
});
