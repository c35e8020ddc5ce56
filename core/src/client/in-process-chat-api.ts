import { randomUUID } from 'node:crypto';
import type { DescMethodUnary } from '@bufbuild/protobuf';
import type { Logger } from 'pino';
import type { ChatService } from '../chat/index.js';
import { HostError, toTwirpError } from '../errors/index.js';
import { createChatHandlers } from '../rpc/chat-handlers.js';
import { ChatService as ChatServiceDescriptor } from '../rpc/index.js';
import type { RpcContext } from '../rpc/index.js';
import { decodeTwirpRequest, encodeTwirpResponse } from '../rpc/twirp-codec.js';
import type { ChatApi, ChatCallOptions } from './chat-api.js';
import { TwirpClientError } from './twirp-client-error.js';

/** Options for {@link createInProcessChatApi}. */
export interface InProcessChatApiOptions {
  /** The tenant every call acts for (there is no API key in-process). */
  readonly tenantId: string;
  readonly logger: Logger;
  /** Whole-call deadline, as the Twirp transport's request deadline (default 45 s). */
  readonly deadlineMs?: number;
}

/**
 * The chat API served by this process's own chat use cases, for front-ends that run inside the host
 * (the Telegram webhook, `acai telegram` without --url). Requests and responses go through the same
 * handlers and JSON codec as the Twirp transport, and failures through the same toTwirpError mapping,
 * so a front-end sees byte-for-byte what a remote client would, including TwirpClientError codes.
 */
export function createInProcessChatApi(chat: ChatService, options: InProcessChatApiOptions): ChatApi {
  const handlers = createChatHandlers(chat) as unknown as Record<string, (request: unknown, context: RpcContext) => Promise<unknown>>;
  const deadlineMs = options.deadlineMs ?? 45_000;
  const methods = new Map(ChatServiceDescriptor.methods.map((method) => [method.localName, method as DescMethodUnary]));

  async function invoke<Response>(localName: string, request: object, callOptions: ChatCallOptions = {}): Promise<Response> {
    const method = methods.get(localName)!;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new HostError('HOST_DEADLINE_EXCEEDED', 'request deadline exceeded')), deadlineMs);
    const onCallerAbort = () => controller.abort(new HostError('HOST_CANCELED', 'the caller cancelled the request'));
    callOptions.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const requestId = randomUUID();
    try {
      const input = decodeTwirpRequest(method.input, 'json', Buffer.from(JSON.stringify(request)));
      const context: RpcContext = {
        requestId,
        headers: {},
        signal: controller.signal,
        deadline: Date.now() + deadlineMs,
        logger: options.logger.child({ requestId }),
        principal: { tenantId: options.tenantId },
        clientIp: '127.0.0.1',
      };
      const output = await handlers[localName]!(input, context);
      return JSON.parse(encodeTwirpResponse(method.output, 'json', output as never).toString('utf8')) as Response;
    } catch (error) {
      const wire = toTwirpError(controller.signal.aborted ? controller.signal.reason : error);
      if (wire.code === 'internal') options.logger.error({ err: error, method: method.name }, 'in-process chat call failed');
      throw new TwirpClientError(wire.code, wire.message, { meta: wire.meta, httpStatus: wire.httpStatus, cause: error });
    } finally {
      clearTimeout(timer);
      callOptions.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  return {
    startConversation: (request, callOptions) => invoke('startConversation', request, callOptions),
    continueConversation: (request, callOptions) => invoke('continueConversation', request, callOptions),
    listConversations: (request, callOptions) => invoke('listConversations', request, callOptions),
    describeConversation: (request, callOptions) => invoke('describeConversation', request, callOptions),
  };
}
