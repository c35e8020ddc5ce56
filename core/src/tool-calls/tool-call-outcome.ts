/**
 * How a tool call ended, as results, stored tool calls, metrics and spans report it. Failures are
 * outcomes too: the call path never throws.
 */
export type ToolCallOutcome =
  | 'ok'
  /** The arguments did not parse or match the schema, or the tool refused them (a caller fault). */
  | 'invalid_input'
  /** The tool missed its own deadline (the plugin's call timeout). */
  | 'timeout'
  /**
   * The caller stopped the call before the tool finished: the client went away, or the request's
   * deadline passed. Not the tool's failure: it is no error and never counts against the breaker.
   */
  | 'cancelled'
  | 'unavailable'
  /** The plugin's circuit breaker is open after repeated failures. */
  | 'breaker_open'
  /** The plugin's bulkhead was full, or the turn withdrew the tool. */
  | 'rejected'
  /** The upstream or the tenant's tool quota refused the call. */
  | 'rate_limited'
  | 'error'
  | 'unknown_tool';
