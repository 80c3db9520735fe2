/** zh-CN texts of the process health dashboard, its chat messages and the objection command (see cards/texts.ts). */
export const dashboardTexts = {
  objection: {
    recorded: (customer: string, terms: string[]) =>
      `已记录“${customer}”的客户异议${terms.length ? `（关键词：${terms.slice(0, 5).join('、')}）` : ''}，将计入异议词云。`,
    usage: '记录客户异议请这样写：<客户> 异议 <内容>\n例如：华夏医疗 异议 运维响应慢，担心售后',
  },
  link: {
    reply: (link: string, days: number) => `流程健康看板（${days}天内有效，请勿转发）：\n${link}`,
    notManager: '流程健康看板仅对销售主管和管理员开放。',
  },
  weekly: {
    /** One line under the picture. */
    summary: (period: string, red: { office: string; stage: string; hours: number }[], link: string) => {
      const head = red.length
        ? `【流程热力图】${period}：${red.length} 个环节超时——${red.slice(0, 3).map((r) => `${r.office}·${r.stage} ${Math.round(r.hours)}小时`).join('；')}${red.length > 3 ? ' 等' : ''}`
        : `【流程热力图】${period}：各办事处各阶段均未超过阈值`;
      return `${head}\n查看详情：${link}`;
    },
    imageTitle: '流程断点热力图',
  },
  objectionAlert: (x: { office: string; term: string; share: string; previous: string; count: number; total: number; week: string; link: string }) =>
    `【客户异议预警】${x.office} ${x.week} 有 ${x.count}/${x.total} 条客户异议提到“${x.term}”（${x.share}，上周 ${x.previous}）。\n查看异议词云：${x.link}`,
  page: {
    title: '流程健康看板',
    heatmap: '过程断点热力图（平均停留小时）',
    heatmapHint: '红色单元格：平均停留超过阈值。点击单元格查看停留最久的客户。',
    drillTitle: (office: string, stage: string) => `${office} · ${stage}：停留最久的客户`,
    drillEmpty: '该单元格当前没有停留中的客户。',
    drillNotRed: '该单元格未超过阈值。',
    funnel: '阶段穿透率',
    stalled: '停滞客户（价格谈判中超过7天未更新）',
    stalledEmpty: '没有停滞客户。',
    objections: '客户异议词',
    objectionsEmpty: '所选时间段内没有记录客户异议。',
    period: '时间段',
    office: '办事处',
    allOffices: '全部办事处',
    days: (n: number) => `近${n}天`,
    custom: '自定义',
    apply: '查询',
    loading: '加载中…',
    failed: '数据加载失败，请稍后重试。',
    unassignedOffice: '未分配办事处',
    noAccessTitle: '无权查看',
    noAccess: '流程健康看板仅对销售主管和管理员开放。如需查看，请联系管理员。',
    signInTitle: '请登录',
    signIn: '请在企业微信中打开本页面，或使用机器人发送的看板链接。',
    linkExpiredTitle: '链接已过期',
    linkExpired: '这个看板链接已过期。请在企业微信里对我说“看板”，获取新的链接。',
    linkInvalidTitle: '链接无效',
    linkInvalid: '这个看板链接无效，可能没有复制完整。请在企业微信里对我说“看板”，获取新的链接。',
    oauthFailedTitle: '登录失败',
    oauthFailed: '企业微信身份验证失败，请关闭页面后重新打开。',
    notMember: '仅本企业成员可以查看。',
    /** Sign-in inside DingTalk (免登): the page shown while the client issues the code, and its failure. */
    dingtalkSigningInTitle: '正在登录',
    dingtalkSigningIn: '正在通过钉钉验证身份，请稍候…',
    signInDingtalk: '请在钉钉中打开本页面，或使用机器人发送的看板链接。',
    dingtalkFailed: '钉钉身份验证失败，请关闭页面后重新打开。',
    linkExpiredDingtalk: '这个看板链接已过期。请在钉钉里对我说“看板”，获取新的链接。',
    linkInvalidDingtalk: '这个看板链接无效，可能没有复制完整。请在钉钉里对我说“看板”，获取新的链接。',
  },
  flag: '⚠️超期7天',
} as const;
