/** The DingTalk (钉钉) channel: everything one platform needs, behind the neutral contract of bot/channel.ts. */
export { loadDingtalkConfig, channelFromEnv, redactDingtalk, DingtalkConfigError, type DingtalkConfig } from './config';
export { createCallRunner, createMemoryDingtalkTokenStore, type DingtalkTokenStore, type CallRunner, type DingtalkLogger } from './http';
export { createCallCounter, createMemoryCountStore, type CallCounter, type CallCountStore } from './quota';
export { createDingtalkClient, type DingtalkClient, type DingtalkUser, type DingtalkDepartment } from './client';
export { classifyDingtalkError, DingtalkApiError, DingtalkTransportError, type DingtalkErrorClass } from './errors';
export { createDingtalkReceiver, type AcceptEvent, type DingtalkOutcome } from './receiver';
export { createEventCrypto, robotSign, verifyRobotSign } from './crypto';
export { createStreamClient, TOPIC_CARD, TOPIC_ROBOT, type StreamClient } from './stream';
export { createStreamInbound } from './inbound';
export { createDingtalkChannel, DINGTALK_LIMITS, type DingtalkChannel } from './channel';
export { createWorkNoticeGuard, createMemoryWorkNoticeStore, createRedisWorkNoticeStore } from './work-notice';
export { fetchDingtalkDirectory, officeFromDingtalk, personFromDingtalk, dingtalkLeaders, createDingtalkSignIn } from './directory';
export { createDingtalkStack, type DingtalkStack } from './stack';
export { syncOrgFromDingtalk, applyDingtalkContactChange, type OrgSyncResult as DingtalkOrgSyncResult } from './org-sync';
