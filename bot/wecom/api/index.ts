/** The WeCom REST client: token cache, one error interceptor, retry policy, typed methods. */
export { createWecomClient, DUPLICATE_CHECK_INTERVAL_SEC, type WecomClientOptions } from './client';
export {
  createMemoryTokenStore, createRedisTokenStore, createTokenProvider,
  type TokenProvider, type TokenProviderOptions, type TokenStore,
} from './token-provider';
export { classifyWecomError, hintFor, outcomeUnknown, WecomPayloadError, type WecomErrorClass } from './error-policy';
export type { RetryOptions } from './http';
export { MAX_CONTENT_BYTES, MAX_USER_IDS, MEDIA_MAX_BYTES } from './validate';
export type {
  ApiLogger, FetchedToken, MediaType, NewsArticle, SendMessageBody, SendResult, TextCard,
  UpdateTemplateCardArgs, UploadedMedia, WecomClient, WecomDepartment, WecomUser,
} from './types';
