/** zh-CN texts for material packs (资料包), external contacts and duplicate customers (part of the catalogue; see cards/texts.ts). */
export const materialTexts = {
  pack: {
    header: (customer: string, pack: string, n: number) => `“${customer}”的《${pack}》共 ${n} 份，每份一个专属链接（长期有效），请逐条或整体转发给客户：`,
    item: (no: string, title: string, version: number, required: boolean, url: string) =>
      `${no} ${title}（第${version}版${required ? '' : '，选读'}）\n${url}`,
    footer: '客户首次打开每份资料时，我会告诉您。',
    noPack: (customer: string, stage: string, stagesWithPacks: string) =>
      `“${customer}”当前阶段「${stage}」没有配置资料包。${stagesWithPacks ? `配置了资料包的阶段：${stagesWithPacks}。` : ''}`,
    notAllowed: (customer: string, owner: string) => `抱歉，客户“${customer}”由${owner}负责，只有负责人、其直属上级或管理员可以发送资料包。`,
    closed: (customer: string) => `客户“${customer}”已结束（已签约或已丢单），不再发送资料包。`,
    usage: '<客户> 资料包 — 生成该客户当前阶段的编号资料链接，转发给客户，例：华夏医疗 资料包',
    button: '资料包',
  },
  open: {
    notice: (customer: string, title: string, no: string) => `客户已打开《${title}》（${customer} · 资料${no}）。`,
    allReceived: (pack: string) => `《${pack}》的必读资料客户已全部打开：资料已接收。`,
  },
  page: {
    title: (title: string) => `${title} · 资料`,
    from: (rep: string) => `由您的顾问 ${rep} 发送`,
    item: (no: string, total: number, version: number) => `第 ${no} 份，共 ${total} 份 · 第${version}版`,
    download: '下载 PDF',
    open: '在新窗口打开',
    previewFallback: '当前浏览器无法直接预览 PDF，请点击下方按钮下载查看。',
    invalid: '链接无效',
    invalidBody: '这个资料链接无法识别，可能复制不完整。请向您的顾问重新索取。',
    gone: '这份资料已不再提供，请联系您的顾问。',
  },
  versions: {
    unknownMaterial: (key: string, known: string) => `没有资料“${key}”。已配置的资料：${known}`,
    notPdf: '新版本须为 PDF 文件（文件名以 .pdf 结尾、内容以 %PDF- 开头）。',
    empty: '文件为空。',
    tooLarge: (mb: number) => `文件超过 ${mb} MB。`,
    conflict: '另一个版本刚刚上传，请重试。',
  },
  contact: {
    cardTitle: '新的客户联系人',
    cardDesc: (who: string) => `您刚添加了客户联系人${who}，请绑定到客户：`,
    cardHint: '不在列表中？回复“绑定 <客户>”，或“绑定 新客户 <名称> [行业]”新建。',
    bound: (customer: string) => `已把客户联系人绑定到“${customer}”：此后该联系人的变动和资料打开都会记入该客户的沟通记录。`,
    none: '您没有待绑定的客户联系人。',
    notYours: '抱歉，这位客户联系人不是您添加的。',
    gone: '这位客户联系人已不存在。',
    usage: '绑定 <客户> — 把您最近添加的客户联系人绑定到客户；绑定 新客户 <名称> [行业] — 新建客户并绑定',
    newButton: '新建客户',
  },
  dashboard: {
    title: '资料包送达（R6）',
    hint: '期间内进入有资料包阶段的客户：资料包是否发出、24小时内发出的比例、客户是否打开全部必读资料，以及从进入阶段到发送、到打开的平均小时数。',
    columns: ['办事处', '进入阶段', '已发送', '24小时内发送', '已接收', '平均发送用时', '平均打开用时'],
  },
  duplicate: {
    warnRep: (name: string, other: string, owner: string) =>
      `注意：新客户“${name}”与${owner}负责的“${other}”可能是同一客户，已通知双方主管确认（合并或指派）。在此之前请先与${owner}沟通，避免重复跟进。`,
    cardTitle: (name: string) => `疑似重复客户：${name}`,
    cardDesc: '两位销售可能在跟进同一客户，请确认：',
    kind: { exact: '名称相同', part: '名称包含', initials: '拼音首字母相同' } as Record<string, string>,
    merge: '合并',
    assignTo: (rep: string) => `归${rep}`,
    dismiss: '不是同一客户',
    notAllowed: '抱歉，只有两位负责人的直属上级或管理员可以处理疑似重复客户。',
    already: '这条疑似重复已由他人处理。',
    merged: (drop: string, keep: string, owner: string) => `已将“${drop}”合并到“${keep}”（负责人：${owner}），历史记录均已保留。`,
    dismissed: (a: string, b: string) => `已确认“${a}”与“${b}”不是同一客户。`,
    toRep: (drop: string, keep: string, owner: string) => `主管已将“${drop}”合并到“${keep}”，由${owner}负责。`,
  },
};
