import type { Logger } from 'pino';

/** The log methods the chat use cases use (a pino logger satisfies it). */
export type ChatLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** Who is calling and within which bounds; every use case is scoped by it. */
export interface CallerContext {
  /** Tenant whose conversations the caller may see ("default" until auth assigns tenants). */
  readonly tenantId: string;
  /** Fires when the client goes away or the request deadline passes. */
  readonly signal: AbortSignal;
  /** Epoch milliseconds by which the whole request must be answered. */
  readonly deadline: number;
  readonly logger: ChatLogger;
  /** W3C traceparent of the request span, handed to tool calls. */
  readonly traceparent?: string;
}

/** The tenant used while authentication is not configured. */
export const DEFAULT_TENANT_ID = 'default';
