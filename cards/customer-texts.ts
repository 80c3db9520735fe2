/** zh-CN texts for customers and stage changes (part of the catalogue; see cards/texts.ts). */
import { TEXTS_ZH } from '../domain/texts.zh';
export const customerTexts = {
  othersCustomer: (name: string, owner: string) => `客户“${name}”由${owner}负责，不在您的客户中：只有负责人、其直属上级或管理员可以查看和操作。如需接手，请联系主管转给您。`,
  notFound: (q: string) => `没有找到客户“${q}”。可以发送“我的客户”查看您负责的客户，或用“新客户 <名称> [行业]”新建。`,
  notYours: (name: string, owner: string) => `抱歉，客户“${name}”由${owner}负责，只有负责人、其直属上级或管理员可以变更阶段。`,
  overrideNotAllowed: '抱歉，只有负责人的直属上级或管理员可以强制推进。',
  stale: (name: string) => `客户“${name}”刚刚有了变更（这次操作没有执行），以下是最新状态：`,
  moved: (from: string, to: string) => `已从「${from}」推进到「${to}」`,
  movedBack: (from: string, to: string) => `已从「${from}」退回到「${to}」`,
  closedAs: (to: string) => `已标记为「${to}」`,
  /** `outcome`: the target closes the customer (已签约/已丢单), which is 变更为, not 推进到. */
  refused: (name: string, to: string, reasons: string, uploadLink: string | null, outcome = false) =>
    [`无法将“${name}”${outcome ? '变更为' : '推进到'}「${to}」：`, reasons, ...(uploadLink ? [`上传链接（24小时内有效）：${uploadLink}`] : [])].join('\n'),
  refusedBack: (name: string, to: string, reasons: string) => [`无法将“${name}”退回到「${to}」：`, reasons].join('\n'),
  created: (name: string, stage: string) => `已新建客户“${name}”，当前阶段：${stage}。`,
  nameTooLong: (what: '客户名称' | '行业', max: number, len: number) =>
    `${what}最长 ${max} 个字，您发送的有 ${len} 个字，没有新建。请用简称重新发送，例如：新客户 华夏医疗 医疗`,
  duplicate: (name: string) => `您已有名为“${name}”的客户，没有重复创建。`,
  notInOrg: '您还不在销售组织架构中，请联系管理员添加后再使用。',
  loggedMessage: (name: string) => `已记录“${name}”的客户留言，时间以现在为准。`,
  uploadHint: (name: string, link: string) => `请在24小时内通过以下链接上传“${name}”的资料（PDF 或 Office 文件，20MB 以内）：\n${link}`,
  listEmpty: '您目前没有负责的客户。用“新客户 <名称> [行业]”新建一个吧。',
  listTitle: (n: number) => `您负责的客户（共 ${n} 个）：`,
  stageUnknown: (input: string, options: string) => `没有找到阶段“${input}”。可选阶段：${options}`,
  stageAmbiguous: (input: string, options: string) => `阶段“${input}”对应多个阶段，请写得更具体：${options}`,
  noForward: (name: string, stage: string) => `“${name}”已在最后一个阶段「${stage}」。签约请发送：${name} 签约；丢单请发送：${name} 丢单 <原因>`,
  closedCustomer: (name: string, stage: string, reopen = false) => (reopen
    ? `“${name}”的流程已结束（${stage}）。如需重新打开，请写明阶段，例如：${name} 推进 1`
    : `“${name}”的流程已结束（${stage}），不能再推进或退回。`),
  noBackward: (name: string, stage: string) => `“${name}”已在第一个阶段「${stage}」，无法再退回。`,
  whichCustomer: '请告诉我是哪个客户，例如：华夏医疗 推进到 价格谈判中（也可写：华夏医疗 下一步）',
  nothingToCancel: '好的。当前没有进行中的操作，不需要取消。',
  pickNothing: '请先在“其他操作”里选择一项，再点“执行”。',
  lostNeedsReason: (name: string, lost: string) => `标记为「${lost}」需要写明原因，请回复：${name} 丢单 <原因>（例：${name} 丢单 预算被砍）`,
  /** A forced move (强制推进) says so on every card and notice. */
  forcedMoved: (from: string, to: string) => `【强制推进】已从「${from}」推进到「${to}」`,
  // Ownership change (客户转移)
  handOverNotAllowed: '抱歉，只有负责人的直属上级或管理员可以转移客户。',
  handOverAmbiguous: (who: string) => `“${who}”对应多位同事，请写企业微信账号（userid）。`,
  handOverUnknown: (who: string) => `没有找到同事“${who}”。`,
  handOverSameOwner: (name: string, owner: string) => `“${name}”已经由${owner}负责。`,
  handOverConflict: (name: string) => `客户“${name}”刚刚已被他人更新，请再试一次。`,
  handedOver: (name: string, from: string, to: string) => `已将“${name}”从${from}转给${to}。`,
  handedTask: (task: string, dueAt: Date, now: Date) => `• 待办「${task}」${dueAt.getTime() < now.getTime()
    ? `已超时${TEXTS_ZH.formatElapsed(now.getTime() - dueAt.getTime())}，请尽快处理` : `${TEXTS_ZH.formatTime(dueAt)} 前完成`}`,
  handedToYou: (actor: string, name: string) => `${actor}把客户“${name}”交给你负责，发送“查看 ${name}”了解当前进展。`,
  handedAway: (actor: string, name: string, to: string) => `${actor}已把客户“${name}”转给${to}负责。`,
  /** Who an API caller is called in messages when it names nobody. */
  apiActor: '管理员',
  // Visits (R7)
  visitLogged: (name: string) => `已记录对“${name}”的拜访。`,
  visitTask: (name: string, due: string, task: string, deliverable: string) => `已记录对“${name}”的拜访。请在 ${due} 前完成「${task}」：${deliverable}`,
};

/** zh-CN texts on the stage card (cards/customer-cards.ts). */
export const cardTexts = {
  forwardButton: (stage: string) => `推进到${stage}`,
  forwardHint: (stage: string) => `下一步：${stage}。退回、签约、丢单请在“其他操作”中选择后点“执行”。`,
  noForward: '已在最后一个阶段。签约或丢单请在“其他操作”中选择后点“执行”。',
  closed: '客户已结束，无可推进的阶段。',
  moreButton: '执行',
  selectTitle: '其他操作',
  selectPlaceholder: '请选择…',
  optionBack: (stage: string) => `退回到${stage}`,
  optionForward: (stage: string) => `推进到${stage}`,
  optionWon: (stage: string) => `${stage}（需确认）`,
  optionLost: (stage: string) => `${stage}（需写原因）`,
  confirmWinTitle: (stage: string) => `确认标记为「${stage}」？`,
  confirmWinHint: (name: string, stage: string) => `标记为「${stage}」后客户将关闭，不能撤销。确认“${name}”已签约，请点下方“确认${stage}”。`,
  confirmWinButton: (stage: string) => `确认${stage}`,
  taskTitle: (task: string, due: string) => `📝 待办：${task}（${due} 前）`,
  tasksTitle: (n: number) => `📝 新待办 ${n} 项`,
  taskLine: (task: string, due: string) => `${task}（${due} 前）`,
};
