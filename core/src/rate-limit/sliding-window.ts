import type { ConsumeMode, RateLimitDecision, SlidingWindowPolicy } from './rate-limiter.js';

/** Counts of the current and previous fixed windows (`window` = floor(now / windowMs)). */
export interface SlidingWindowState {
  readonly window: number;
  readonly current: number;
  readonly previous: number;
}

/** What the decision needs after a step: the two counts and how far into the current window we are. */
export interface SlidingWindowSnapshot {
  readonly current: number;
  readonly previous: number;
  readonly elapsedMs: number;
}

function weightedCount(snapshot: SlidingWindowSnapshot, windowMs: number): number {
  return (snapshot.previous * (windowMs - snapshot.elapsedMs)) / windowMs + snapshot.current;
}

/** One step of the sliding window, shared by the in-memory limiter; SLIDING_WINDOW_LUA mirrors it. */
export function stepSlidingWindow(
  state: SlidingWindowState | undefined,
  policy: SlidingWindowPolicy,
  cost: number,
  mode: ConsumeMode,
  now: number,
): { state: SlidingWindowState; snapshot: SlidingWindowSnapshot; allowed: boolean } {
  const windowMs = policy.windowSeconds * 1000;
  const window = Math.floor(now / windowMs);
  let current = 0;
  let previous = 0;
  if (state?.window === window) {
    current = state.current;
    previous = state.previous;
  } else if (state?.window === window - 1) {
    previous = state.current;
  }
  const elapsedMs = now - window * windowMs;
  const allowed = weightedCount({ current, previous, elapsedMs }, windowMs) + cost <= policy.limit;
  if (mode === 'record' || (mode === 'consume' && allowed)) current += cost;
  return { state: { window, current, previous }, snapshot: { current, previous, elapsedMs }, allowed };
}

/** How long until `cost` fits again if nobody else spends anything (ms); Infinity when it never fits. */
function millisecondsUntilFits(snapshot: SlidingWindowSnapshot, windowMs: number, limit: number, cost: number): number {
  const room = limit - cost;
  if (room < 0) return Number.POSITIVE_INFINITY;
  const { current, previous, elapsedMs } = snapshot;
  if (weightedCount(snapshot, windowMs) <= room) return 0;
  // Within this window the previous count keeps fading.
  if (current <= room && previous > 0) {
    const elapsedNeeded = windowMs - ((room - current) * windowMs) / previous;
    if (elapsedNeeded <= windowMs) return Math.max(0, elapsedNeeded - elapsedMs);
  }
  // Next window: today's count becomes the fading one.
  const elapsedNeededNext = current > 0 ? windowMs - (room * windowMs) / current : 0;
  return windowMs - elapsedMs + Math.max(0, elapsedNeededNext);
}

/** The decision (headers) for a window after a step. */
export function slidingWindowDecision(policy: SlidingWindowPolicy, snapshot: SlidingWindowSnapshot, cost: number, allowed: boolean): RateLimitDecision {
  const windowMs = policy.windowSeconds * 1000;
  const used = weightedCount(snapshot, windowMs);
  const untilEmptyMs = snapshot.current > 0 ? 2 * windowMs - snapshot.elapsedMs : snapshot.previous > 0 ? windowMs - snapshot.elapsedMs : 0;
  const untilFitsMs = millisecondsUntilFits(snapshot, windowMs, policy.limit, cost);
  return {
    allowed,
    limit: policy.limit,
    remaining: Math.max(0, Math.floor(policy.limit - used)),
    resetSeconds: Math.ceil(untilEmptyMs / 1000),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((Number.isFinite(untilFitsMs) ? untilFitsMs : untilEmptyMs) / 1000)),
  };
}

/**
 * KEYS[1] a hash of window index → count (one key, so it works on Redis Cluster); ARGV: limit, window
 * seconds, cost, mode, now in ms (negative: Redis TIME). Returns { allowed, current, previous, elapsed ms }.
 */
export const SLIDING_WINDOW_LUA = `
local limit = tonumber(ARGV[1])
local window_ms = tonumber(ARGV[2]) * 1000
local cost = tonumber(ARGV[3])
local mode = ARGV[4]
local now = tonumber(ARGV[5])
if now < 0 then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local window = math.floor(now / window_ms)
local current_field = string.format('%d', window)
local previous_field = string.format('%d', window - 1)
local current = tonumber(redis.call('HGET', KEYS[1], current_field) or '0')
local previous = tonumber(redis.call('HGET', KEYS[1], previous_field) or '0')
local elapsed = now - window * window_ms
local weighted = previous * (window_ms - elapsed) / window_ms + current
local allowed = 0
if weighted + cost <= limit then allowed = 1 end
if mode == 'record' or (mode == 'consume' and allowed == 1) then
  current = redis.call('HINCRBY', KEYS[1], current_field, cost)
  redis.call('HDEL', KEYS[1], string.format('%d', window - 2))
  redis.call('PEXPIRE', KEYS[1], window_ms * 2)
end
return { allowed, tostring(current), tostring(previous), string.format('%.17g', elapsed) }
`;
