/** zh-CN texts that only the DingTalk (钉钉) channel shows: fallback cards and work notifications (see cards/texts.ts). */
export const dingtalkTexts = {
  /** The single button of a fallback card that only opens its link. */
  open: '查看详情',
  /** Above the option links of a fallback card's select. */
  choose: (label: string) => `${label}（点击选择）：`,
  /** A card sent as a work notification (工作通知) cannot be clicked there. */
  actInRobotChat: '请在机器人单聊中操作此卡片。',
  /** A card that was updated, re-sent as a new message when it cannot be updated in place. */
  updated: (label: string) => `【已更新】${label}`,
  /** Appended so a repeated alert is not identical to one already sent today (DingTalk drops identical ones). */
  repeat: (time: string) => `（${time} 再次提醒）`,
} as const;
