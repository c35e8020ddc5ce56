import type { Logger } from 'pino';

/**
 * What a service method knows about the call it serves. Deliberately free of Fastify and HTTP
 * types beyond plain headers, so use cases below rpc/ never depend on the transport.
 */
export interface RpcContext {
  /** Fastify's request id, also on every log line of the request. */
  requestId: string;
  /** Request headers as Node parsed them (lower-cased names). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Aborts when the client disconnects or the request deadline passes; `reason` is a HostError. */
  signal: AbortSignal;
  /** Epoch milliseconds after which the transport answers `deadline_exceeded`. */
  deadline: number;
  /** Request-scoped logger (carries the request id). */
  logger: Logger;
  /** The authenticated caller, filled by the auth layer through `createContext`. */
  principal?: unknown;
  /** Client address as Fastify resolved it (honours `trustProxy`). */
  clientIp: string;
}
