import type { MessageInitShape } from '@bufbuild/protobuf';
import type { ActorSchema } from '../rpc/generated/admin_pb.js';
import type { OperatorActor } from '../storage/operator/index.js';

/** An actor as admin.proto's `Actor` message. */
export function toWireActor(actor: OperatorActor): MessageInitShape<typeof ActorSchema> {
  return { keyId: actor.keyId ?? '', tenantId: actor.tenantId ?? '', source: actor.source, name: actor.name ?? '' };
}
