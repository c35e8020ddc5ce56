import type { MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import type { RpcContext } from './rpc-context.js';

/**
 * The server side of a protoc-gen-es service descriptor: one async function per RPC, keyed by
 * the method's local name (`startConversation`). Requests arrive decoded and typed; a method may
 * return a plain init object, which the transport turns into the output message.
 */
export type ServiceImplementation<Methods extends GenServiceMethods> = {
  [Name in keyof Methods]: (
    request: MessageShape<Methods[Name]['input']>,
    context: RpcContext,
  ) => Promise<MessageInitShape<Methods[Name]['output']>>;
};

/** The method map of a generated service descriptor: `ServiceMethods<typeof ChatService>`. */
export type ServiceMethods<Service> = Service extends GenService<infer Methods> ? Methods : never;
