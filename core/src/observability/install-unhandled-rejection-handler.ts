import type { Logger } from 'pino';
import type { HostMetrics } from './create-metrics.js';

/**
 * Logs and counts promise rejections nobody handled instead of crashing: a forgotten `.catch` in one
 * request must not take down every other request. Returns a function that removes the handler.
 */
export function installUnhandledRejectionHandler(logger: Logger, metrics?: HostMetrics): () => void {
  const handler = (reason: unknown) => {
    metrics?.unhandledRejections.inc();
    logger.error({ err: reason instanceof Error ? reason : new Error(String(reason)) }, 'unhandled promise rejection');
  };
  process.on('unhandledRejection', handler);
  return () => {
    process.off('unhandledRejection', handler);
  };
}
