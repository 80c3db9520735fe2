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
    unknown: (input: string) => `没有看懂“${input}”。可以这样说：`,
    greeting: '你好，我是销售流程助手。可以这样说：',
  },
  errors: {
    internal: '抱歉，处理您的消息时出了点问题，我们会自动重试。如果持续失败，请联系管理员。',
  },
} as const;
