import { context as otelContext, propagation } from '@opentelemetry/api';
import { DEFAULT_TENANT_ID, type CallerContext } from '../chat/index.js';
import type { RpcContext } from './rpc-context.js';

/** The use-case view of an RPC call: tenant from the authenticated principal ("default" without auth). */
export function callerOf(context: RpcContext): CallerContext {
  const principal = context.principal as { tenantId?: unknown } | undefined;
  return tracedCaller({ tenantId: principal?.tenantId, signal: context.signal, deadline: context.deadline, logger: context.logger });
}

/**
 * A caller for the use cases, carrying the active span's `traceparent` (handed to tool calls). A
 * missing or empty tenant is the default tenant, as for a request without authentication.
 */
export function tracedCaller(call: Omit<CallerContext, 'tenantId' | 'traceparent'> & { readonly tenantId: unknown }): CallerContext {
  const tenantId = typeof call.tenantId === 'string' && call.tenantId !== '' ? call.tenantId : DEFAULT_TENANT_ID;
  const carrier: Record<string, string> = {};
  propagation.inject(otelContext.active(), carrier);
  return {
    tenantId,
    signal: call.signal,
    deadline: call.deadline,
    logger: call.logger,
    ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}),
  };
}
