/**
 * The article's story, played against a headless sandbox through real encrypted callbacks and the fake WeCom:
 * new customer → first call → no pain-point form → reminder → supervisor warning → 催办 → form filled → demo →
 * no proposal in 24 h → SOP pushed → negotiation refused without a 报价单 → upload → moved → 7 quiet days →
 * stall flag → Monday leaderboard and heatmap. Each step checks what the bot sent; the timeline is printed.
 */
import { describeLocal, formatLocal, isoWeekOf, localParts, parseLocal } from '../domain/business-time';
import { startSandbox, type DemoDriver, type InboxMessage } from './demo-driver';
import { samplePdf } from '../app/pdf-check';

export interface StepResult { at: string; step: string; ok: boolean; detail: string }

const REP = 'lixiaoming'; // 李晓明, 华东办事处
const SUP = 'zhanghui'; // 张慧, his direct supervisor
const CUSTOMER = '瑞安康复医院';
const PDF = samplePdf('quotation');

function fmt(at: Date): string {
  return formatLocal(at, 'MM-DD HH:mm') + ` ${WEEKDAY[localParts(at).weekday]}`;
}
const WEEKDAY = ['', '周一', '周二', '周三', '周四', '周五', '周六', '周日'];

/**
 * When the story starts: `DEMO_START` (`YYYY-MM-DD HH:mm`, business time zone) or Monday 2026-11-30 09:30 — an
 * ordinary working Monday, so the daily 09:00 jobs, the working-time deadlines and the ISO-week reports land the
 * same way whenever and wherever the demo is run.
 */
export function storyStart(env: NodeJS.ProcessEnv = process.env): Date {
  const text = env.DEMO_START?.trim() || DEFAULT_START;
  const at = parseLocal(text);
  if (!at) throw new RangeError(`DEMO_START must be a local time YYYY-MM-DD HH:mm (got "${text}")`);
  return at;
}
export const DEFAULT_START = '2026-11-30 09:30';

export async function playStory(print: (line: string) => void = console.log, start: Date = storyStart(),
  channel: 'wecom' | 'dingtalk' = 'wecom'): Promise<StepResult[]> {
  print(`故事从 ${describeLocal(start)} 开始（华康医疗器械有限公司，华东办事处；DEMO_START 可改）· ${channel === 'dingtalk' ? '钉钉' : '企业微信'}`);
  const demo: DemoDriver = await startSandbox({ logLevel: 'silent', start, channel });
  const results: StepResult[] = [];
  const seen = new Map<string, number>();
  /** Messages a member received since the last look. */
  const fresh = (who: string): InboxMessage[] => {
    const all = demo.inbox(who);
    const from = seen.get(who) ?? 0;
    seen.set(who, all.length);
    return all.slice(from);
  };
  const step = (name: string, ok: boolean, detail: string) => {
    const r = { at: fmt(demo.now()), step: name, ok, detail };
    results.push(r);
    print(`${ok ? '✅' : '❌'} ${r.at}  ${name}${detail ? `\n      ${detail.replace(/\n/g, '\n      ')}` : ''}`);
  };
  const has = (msgs: InboxMessage[], re: RegExp) => msgs.find((m) => re.test(m.text));
  const line = (m: InboxMessage | undefined) => (m ? m.text.split('\n')[0]!.slice(0, 90) : '（没有收到）');

  try {
    fresh(REP);
    fresh(SUP);
    print(`沙箱已启动：${demo.consoleUrl}\n`);

    await demo.say(REP, `新客户 ${CUSTOMER} 康复`);
    const created = fresh(REP);
    step('李晓明新建客户', !!has(created, new RegExp(CUSTOMER)), line(created[0]));

    await demo.say(REP, `${CUSTOMER} 推进 首次电话沟通`);
    const afterCall = fresh(REP);
    const prompt = has(afterCall, /担忧1/);
    step('首次电话后，机器人要求 2 小时内提交客户痛点记录', !!prompt, line(prompt));
    const supNotice = fresh(SUP);
    step('直属上级张慧收到阶段变更通知', !!has(supNotice, /阶段变更/), line(has(supNotice, /阶段变更/)));

    await demo.advance('1h30m');
    const reminder = has(fresh(REP), /客户痛点记录/);
    step('截止前 30 分钟提醒李晓明', !!reminder, line(reminder));

    await demo.advance('30m');
    const warnings = fresh(SUP);
    const warning = warnings.find((m) => m.keys.length && /预警/.test(m.text));
    step('超时：张慧的手机收到预警卡片（催办 / 延期 / 已处理）', !!warning, line(warning));
    fresh(REP);

    if (warning?.taskId) {
      const nudgeKey = warning.keys.find((k) => k.includes(':nudge:'))!;
      await demo.click(SUP, nudgeKey, warning.taskId);
      const nudged = has(fresh(REP), /催办/);
      step('张慧点“催办”，李晓明收到催办消息', !!nudged, line(nudged));
    } else step('张慧点“催办”', false, '没有预警卡片可点');

    await demo.say(REP, `客户：${CUSTOMER}\n担忧1：康复设备占地太大\n担忧2：治疗师培训跟不上\n担忧3：售后响应慢\n承诺：周五前发场地规划图\n下次联系：明天下午3点`);
    const filed = has(fresh(REP), /已收到/);
    step('李晓明提交客户痛点记录，任务关闭', !!filed, line(filed));

    await demo.say(REP, `${CUSTOMER} 推进 产品演示完成`);
    fresh(REP);
    // R6: the demo pack, numbered links to forward; the customer opens one (the material page's beacon), the rep is told.
    await demo.say(REP, `${CUSTOMER} 资料包`);
    const pack = has(fresh(REP), /资料包》共/);
    const packLink = pack?.text.match(/https?:\/\/\S+\/m\/\S+/)?.[0];
    step('演示后发送资料包：编号资料链接', !!packLink, line(pack));
    if (packLink) await fetch(`${packLink}/open`, { method: 'POST', headers: { 'x-material-beacon': '1' } });
    await demo.settle();
    const opened = has(fresh(REP), /客户已打开《/);
    step('客户打开资料，李晓明收到“客户已打开”通知', !!opened, line(opened));
    await demo.advance('24h');
    const pushed = fresh(REP);
    const sop = pushed.find((m) => m.msgtype === 'file');
    step('演示后 24 小时没有方案：推送《方案撰写SOP》', !!sop && !!has(pushed, /不是批评/), line(sop));

    await demo.say(REP, `${CUSTOMER} 推进 方案已提交`);
    fresh(REP);
    await demo.say(REP, `${CUSTOMER} 留言 客户请我们给正式报价`);
    fresh(REP);
    await demo.say(REP, `${CUSTOMER} 推进 价格谈判中`);
    const refused = has(fresh(REP), /无法将/);
    step('没有报价单，推进到“价格谈判中”被拒绝，并说明原因', !!refused && /报价单/.test(refused.text), line(refused));

    const link = refused?.text.match(/https?:\/\/\S+\/upload\/\S+/)?.[0];
    const up = link ? await demo.upload(link, `${CUSTOMER}-报价单.pdf`, PDF) : { status: 0 };
    await demo.settle();
    const got = has(fresh(REP), /已收到/);
    step('通过上传链接上传 PDF 报价单', up.status < 300 && !!got, line(got));

    await demo.say(REP, `${CUSTOMER} 推进 价格谈判中`);
    const moved = fresh(REP).find((m) => /价格谈判中/.test(m.text));
    step('再次推进：成功进入“价格谈判中”', !!moved && !/无法/.test(moved.text), line(moved));
    fresh(SUP);

    await demo.advance('8d');
    // The owner reads it in the 08:45 morning digest on working days (one message, not two), the supervisor at 09:00.
    const stallRep = has(fresh(REP), /超过7天没有更新|停滞客户/);
    const stallSup = has(fresh(SUP), /超过7天没有更新/);
    step('7 天没有进展：⚠️超期7天，负责人和主管各收到一次', !!stallRep && !!stallSup && new RegExp(CUSTOMER).test(stallRep.text), line(stallRep));

    await demo.advance('next monday');
    const monday = [...fresh(REP), ...fresh(SUP), ...fresh('wangjianguo')];
    // The leaderboard goes out every Monday 09:00: look at every one the team received during the story.
    // The story's own week: its demo (Monday) had its 24 h deadline that week, so it is a case on that board.
    const week = isoWeekOf(start);
    const boards = [...demo.inbox(REP), ...demo.inbox(SUP)].filter((m) => /及时率周榜/.test(m.text));
    const ours = boards.find((m) => m.text.includes(`${week}（`) && /团队整体：\d+%（\d+\/[1-9]\d*）/.test(m.text));
    step(`每周一：方案提交及时率排行榜，${week} 计入本故事的演示（收到 ${boards.length} 次）`, !!ours,
      ours ? ours.text.split('\n').filter((l) => /周榜|团队整体|无人上榜|🥇/.test(l)).join(' / ').slice(0, 160) : '（没有收到）');
    const heat = monday.find((m) => m.msgtype === 'image' || /热力图/.test(m.text));
    step('周一：过程断点热力图图片发给管理者', !!heat, line(heat));
  } finally {
    await demo.stop();
  }
  const failed = results.filter((r) => !r.ok).length;
  print(`\n${results.length - failed} passed, ${failed} failed`);
  return results;
}
