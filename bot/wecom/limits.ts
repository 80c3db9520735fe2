/**
 * What WeCom allows an app (wecom-api.md §2): at most 30 messages a minute and 1000 an hour to one member, beyond
 * which WeCom drops them silently (no error); message/send takes at most 1000 userids. The outbox budget and the
 * digest read these (app/server.ts), never constants of their own.
 */
import type { ChannelLimits } from '../channel';

export const WECOM_LIMITS: ChannelLimits = {
  perMemberPerMinute: 30,
  perMemberPerHour: 1000,
  recipientsPerCall: 1000,
  silentDrops: true,
};
