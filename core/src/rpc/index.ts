export {
  twirpPlugin,
  DEFAULT_TWIRP_PREFIX,
  DEFAULT_REQUEST_DEADLINE_MS,
  DEFAULT_BODY_LIMIT_BYTES,
} from './twirp-plugin.js';
export type { TwirpPluginOptions } from './twirp-plugin.js';
export type { RpcContext } from './rpc-context.js';
export type { ServerEventStream, ServerStreamMethod, ServerStreamObserver, StreamOutcome } from './server-event-stream.js';
export type { ServiceImplementation, ServiceMethods } from './service-implementation.js';
export { ChatService } from './chat-service.js';
export type { ChatServiceImplementation } from './chat-service.js';
export { twirpServerOptions } from './twirp-server-options.js';
export { answerTransportError, sendTwirpError } from './answer-transport-error.js';
export { answerUnknownRoutes } from './answer-unknown-route.js';
export { createInProcessChatTransport, DEFAULT_IN_PROCESS_DEADLINE_MS } from './in-process-chat-transport.js';
export type { InProcessCallOptions, InProcessChatTransport, InProcessChatTransportOptions } from './in-process-chat-transport.js';
