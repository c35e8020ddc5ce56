import { ChatService } from './generated/chat_pb.js';
import type { ServiceImplementation, ServiceMethods } from './service-implementation.js';

/** The chat API's Twirp service descriptor (`acai.chat.ChatService`). */
export { ChatService };

/** What the chat use cases provide to be served over Twirp: every RPC of chat.proto, typed from it. */
export type ChatServiceImplementation = ServiceImplementation<ServiceMethods<typeof ChatService>>;
