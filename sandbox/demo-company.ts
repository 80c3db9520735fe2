/**
 * The sandbox's demo company, modelled on the article's medical-device distributor (某医疗器械分销商): a head
 * office with a sales director, three regional offices (办事处) each with a supervisor (主管) and reps, and a quality
 * reviewer (质检员). It is both the fake WeCom directory (department/list, user/list, user/get answer from it) and the
 * org the sandbox seeds into the bot's database. Every name is invented.
 */
import type { OfficeInput, PersonInput } from '../store/org';
import { reviewSettings } from '../domain/review-config';
import type { ProcessDefinition } from '../domain/types';

export interface DemoDepartment {
  id: number;
  name: string;
  parentid: number;
  order: number;
}

export interface DemoUser {
  userid: string;
  name: string;
  department: number;
  position: string;
  /** WeCom's direct_leader (直属上级). */
  leader: string | null;
  /** The bot's roles (admin and reviewer are granted, the rest follow from the directory). */
  roles: string[];
}

export const DEMO_COMPANY_NAME = '华康医疗器械有限公司';

export const DEMO_DEPARTMENTS: readonly DemoDepartment[] = [
  { id: 1, name: DEMO_COMPANY_NAME, parentid: 0, order: 100 },
  { id: 2, name: '华东办事处', parentid: 1, order: 90 },
  { id: 3, name: '华南办事处', parentid: 1, order: 80 },
  { id: 4, name: '华北办事处', parentid: 1, order: 70 },
];

export const DEMO_USERS: readonly DemoUser[] = [
  { userid: 'wangjianguo', name: '王建国', department: 1, position: '销售总监', leader: null, roles: ['supervisor', 'admin'] },
  { userid: 'sunli', name: '孙丽', department: 1, position: '质检专员', leader: 'wangjianguo', roles: ['reviewer'] },
  { userid: 'zhanghui', name: '张慧', department: 2, position: '华东区销售主管', leader: 'wangjianguo', roles: ['supervisor'] },
  { userid: 'lixiaoming', name: '李晓明', department: 2, position: '销售代表', leader: 'zhanghui', roles: ['rep'] },
  { userid: 'zhoujing', name: '周静', department: 2, position: '销售代表', leader: 'zhanghui', roles: ['rep'] },
  { userid: 'chenzhiqiang', name: '陈志强', department: 3, position: '华南区销售主管', leader: 'wangjianguo', roles: ['supervisor'] },
  { userid: 'huangwei', name: '黄伟', department: 3, position: '销售代表', leader: 'chenzhiqiang', roles: ['rep'] },
  { userid: 'linxiaoyu', name: '林晓雨', department: 3, position: '销售代表', leader: 'chenzhiqiang', roles: ['rep'] },
  { userid: 'liuyang', name: '刘洋', department: 4, position: '华北区销售主管', leader: 'wangjianguo', roles: ['supervisor'] },
  { userid: 'zhaolei', name: '赵磊', department: 4, position: '销售代表', leader: 'liuyang', roles: ['rep'] },
];

export interface DemoCustomer {
  name: string;
  industry: string;
  owner: string;
  stage: string;
  /** How long ago the customer entered its stage. */
  inStageMs: number;
  /** How long ago the customer's last message was logged (客户上次留言), if ever. */
  lastMessageAgoMs?: number;
  lastMessage?: string;
}

const H = 3_600_000;
const D = 24 * H;

/** A few customers at various stages, so every view has something in it from the first minute. */
export const DEMO_CUSTOMERS: readonly DemoCustomer[] = [
  { name: '东华人民医院', industry: '医院', owner: 'lixiaoming', stage: 'lead', inStageMs: 20 * H },
  { name: '江南妇幼保健院', industry: '医院', owner: 'lixiaoming', stage: 'first_call', inStageMs: 3 * H },
  { name: '明德口腔连锁', industry: '口腔', owner: 'zhoujing', stage: 'demo_done', inStageMs: 30 * H },
  {
    name: '南山中医院', industry: '医院', owner: 'huangwei', stage: 'proposal_submitted', inStageMs: 2 * D,
    lastMessageAgoMs: 1 * D, lastMessage: '客户问：设备能否分三期付款？',
  },
  { name: '海珠区第二人民医院', industry: '医院', owner: 'linxiaoyu', stage: 'contract_pending', inStageMs: 2 * D },
  {
    name: '北辰体检中心', industry: '体检', owner: 'zhaolei', stage: 'negotiating', inStageMs: 8 * D,
    lastMessageAgoMs: 8 * D, lastMessage: '客户说预算要等下季度再批。',
  },
];

/** The directory as the bot's org (offices = departments, supervisor = direct leader). */
export function demoOrg(): { offices: OfficeInput[]; people: PersonInput[] } {
  return {
    offices: DEMO_DEPARTMENTS.map((d) => ({ id: String(d.id), name: d.name, parentId: d.parentid ? String(d.parentid) : null })),
    people: DEMO_USERS.map((u) => ({
      userId: u.userid, name: u.name, officeId: String(u.department), roles: u.roles, supervisorId: u.leader,
    })),
  };
}

/**
 * The sandbox's process: the shipped one, with quality reviews drawn for the company's 质检员 (pool mode: 孙丽 has
 * the reviewer role) instead of the direct supervisors — so trying the sandbox as the reviewer shows the reviewer's
 * work. A process file that already chose pool mode is kept as it is.
 */
export function sandboxProcess(process: ProcessDefinition): ProcessDefinition {
  const review = reviewSettings(process);
  if (review.sampling.reviewers === 'pool') return process;
  return { ...process, review: { ...review, sampling: { ...review.sampling, reviewers: 'pool' } } } as ProcessDefinition;
}
