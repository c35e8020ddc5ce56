import type { MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import type { RpcContext } from './rpc-context.js';

// Method syntax makes the parameter bivariant, so a typed implementation (ChatServiceImplementation)
// is assignable where Fastify's register() only sees the erased ServiceImplementation<GenServiceMethods>.
type RpcMethod<Request, Response> = {
  call(request: Request, context: RpcContext): Promise<Response>;
}['call'];

/**
 * The server side of a protoc-gen-es service descriptor: one async function per RPC, keyed by
 * the method's local name (`startConversation`). Requests arrive decoded and typed; a method may
 * return a plain init object, which the transport turns into the output message.
 */
export type ServiceImplementation<Methods extends GenServiceMethods> = {
  [Name in keyof Methods]: RpcMethod<MessageShape<Methods[Name]['input']>, MessageInitShape<Methods[Name]['output']>>;
};

/** The method map of a generated service descriptor: `ServiceMethods<typeof ChatService>`. */
export type ServiceMethods<Service> = Service extends GenService<infer Methods> ? Methods : never;
