/** A small office for tests: 陈总 (admin) ← 张伟 (supervisor) ← 李娜 (rep), all in 华东办事处. */
import { offices, people } from '../../store/schema';
import type { DbOrTx } from '../../store/db';

export async function seedSmallOrg(on: DbOrTx, now: Date): Promise<void> {
  await on.insert(offices).values([{ id: 'east', name: '华东办事处', updatedAt: now }]);
  await on.insert(people).values([
    { userId: 'boss', name: '陈总', officeId: 'east', roles: ['supervisor', 'admin'], updatedAt: now },
    { userId: 'zhangwei', name: '张伟', officeId: 'east', roles: ['supervisor'], supervisorId: 'boss', updatedAt: now },
    { userId: 'lina', name: '李娜', officeId: 'east', roles: ['rep'], supervisorId: 'zhangwei', updatedAt: now },
  ]);
}
