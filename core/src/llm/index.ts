export { createModelClient } from './model-client.js';
export type { ModelClient, ModelClientOptions } from './model-client.js';
export type {
  Completion,
  CompletionRequest,
  ModelCallOptions,
  ModelCallPurpose,
  ModelCallRecord,
  ModelMessage,
  ModelTool,
  ModelToolCall,
  ModelUsage,
  StrictToolsSetting,
} from './model-types.js';
export { usesStrictTools } from './wire-tools.js';
export {
  createTokenCounter,
  encodingForModel,
  MESSAGE_OVERHEAD_TOKENS,
  REPLY_PRIMING_TOKENS,
  toolCallingMessageTokens,
  toolCallTokens,
} from './token-counter.js';
export type { TokenCounter } from './token-counter.js';
export { DEFAULT_RETRY_POLICY, backoffDelayMs, isRetryableFailure, serverRequestedDelayMs } from './retry-policy.js';
export type { RetryPolicy } from './retry-policy.js';
export { ModelCredentialHealth } from './model-credential-health.js';
export type { ModelCredentialVerdict } from './model-credential-health.js';
