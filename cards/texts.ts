/**
 * The zh-CN text catalogue (文案). Everything a user reads in chat or on a page comes from here, so wording is
 * reviewed in one place. Functions take the facts; no I/O.
 */
export const texts = {
  digest: {
    title: (n: number) => `【消息合并】您有 ${n} 条新通知`,
    intro: '为避免消息过多被企业微信拦截，以下通知已合并为一条：',
    more: (n: number) => `…另有 ${n} 条，请在应用内查看`,
  },
  help: {
    greeting: '你好，我是销售流程助手。可以这样说：',
    miss: (input: string, suggestions: string[]) =>
      `${input ? `没有看懂“${input}”。` : '我目前只能处理文字消息。'}你是不是想：${suggestions.map((s) => `“${s}”`).join(' 或 ')}？\n发送“帮助”查看全部指令。`,
  },
  errors: {
    internal: '抱歉，处理您的消息时出了点问题，我们会自动重试。如果持续失败，请联系管理员。',
  },
  /** The upload page (上传链接) and its answers. */
  upload: {
    title: '上传资料',
    customer: '客户',
    stage: '当前阶段',
    rulesTitle: '上传要求',
    /** e.g. `报价单 需为 PDF，文件名包含“报价单”，须在客户上次留言后72小时内上传` */
    rule: (label: string, types: string[], contains: string | null, window: string | null) =>
      `${label} ${[types.length ? `需为 ${types.join('/')}` : '', contains ? `文件名包含“${contains}”` : '', window ?? ''].filter(Boolean).join('，')}`,
    windowAfterMessage: (within: string | null) => (within ? `须在客户上次留言后${within}内上传` : '须在客户上次留言之后上传'),
    windowAfterStage: (within: string | null) => (within ? `须在进入当前阶段后${within}内上传` : '须在进入当前阶段之后上传'),
    general: (maxMb: number) => `支持 PDF、Word、Excel、PPT 文件，单个文件不超过 ${maxMb} MB。`,
    expiresAt: (at: string) => `链接有效期至 ${at}`,
    choose: '选择文件',
    submit: '上传',
    /** Shown by the page's script; `{name}` is replaced with the file name. */
    client: {
      noFile: '请先选择一个文件',
      tooLarge: '文件超过 20 MB，请压缩后再上传',
      uploading: '正在上传，请稍候…',
      done: '已上传“{name}”。可以回到企业微信继续操作。',
      failed: '上传失败，请稍后重试',
      network: '网络异常，上传未完成，请检查网络后重试',
    },
    expiredTitle: '链接已过期',
    expired: '这个上传链接已过期。请在企业微信里对我说“<客户> 上传”，获取新的链接。',
    invalidTitle: '链接无效',
    invalid: '这个上传链接无效，可能没有复制完整。请在企业微信里对我说“<客户> 上传”，获取新的链接。',
    customerMissingTitle: '客户不存在',
    customerMissing: '这个链接对应的客户已不存在，请联系管理员。',
    errors: {
      tooLarge: (maxMb: number) => `文件超过 ${maxMb} MB，请压缩或拆分后再上传。`,
      empty: '文件是空的，请重新选择文件。',
      missingName: '缺少文件名，请重新选择文件后上传。',
      unsupportedExtension: (name: string) => `不支持“${name}”这种文件，请上传 PDF、Word、Excel 或 PPT 文件。`,
      contentMismatch: (name: string) => `“${name}”的内容与扩展名不符（可能是改了扩展名的其他文件），请上传真正的 PDF 或 Office 文件。`,
      notAPdf: (name: string) => `“${name}”无法作为 PDF 打开（文件已损坏，或只是改了开头的其他文件），请从原文档重新导出 PDF 后上传。`,
      unsupportedMime: (mime: string) => `不支持的文件类型“${mime}”，请上传 PDF、Word、Excel 或 PPT 文件。`,
      badRequest: '上传请求无效，请刷新页面后重试。',
      internal: '服务器暂时无法保存文件，请稍后重试。',
    },
  },
  /** Answers of the admin customer API (/api/customers, /api/touchpoints). */
  customerApi: {
    badId: (id: string) => `客户编号“${id}”无效，应为正整数。`,
    notFound: (id: number) => `没有编号为 ${id} 的客户。`,
    badQuery: '查询参数无效。',
    unknownStage: (stage: string, options: string) => `没有阶段“${stage}”。可选：${options}`,
    badBody: '请求内容无效，请按 issues 修改后重试。',
    badJson: '请求体不是有效的 JSON。',
    tooLarge: '请求体过大。',
    badBase64: 'contentBase64 不是有效的 Base64 编码。',
    atInFuture: '沟通时间 at 不能晚于当前时间。',
    internal: '服务器内部错误，没有写入任何数据，请稍后重试。',
    unknownOwner: (id: string) => `找不到在职人员 ${id}`,
    conflict: '客户刚刚被修改，请重试',
  },
} as const;
