/** How a crashed worker or MCP server is restarted: the first restart is immediate, then initialMs·2ⁿ up to maxMs. */
export interface RestartBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** The delay before restart `attempt` (1 for the first restart after a crash). */
export function restartDelay(attempt: number, backoff: RestartBackoff): number {
  return attempt <= 1 ? 0 : Math.min(backoff.initialMs * 2 ** (attempt - 2), backoff.maxMs);
}
