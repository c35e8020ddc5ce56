import { redactUrl } from '../observability/index.js';

/** One check's verdict. */
export type CheckState = 'ok' | 'degraded' | 'failed';

/** What a check may return; returning nothing means ok, throwing means failed. */
export interface HealthCheckResult {
  readonly state: CheckState;
  readonly message?: string;
}

/** A named readiness check. */
export interface HealthCheck {
  readonly name: string;
  /**
   * True when the host cannot serve without it (the conversation store): failing makes the host
   * not_ready (503). Non-critical failures (Redis, with the store as fallback) only degrade it.
   */
  readonly critical: boolean;
  /** Aborted when the per-check timeout passes. */
  check(signal: AbortSignal): Promise<HealthCheckResult | void>;
}

/** A check as reported by /readyz. */
export interface CheckReport {
  readonly name: string;
  readonly state: CheckState;
  readonly latency_ms: number;
  readonly message?: string;
}

export type ReadinessStatus = 'ready' | 'degraded' | 'not_ready';

/** The /readyz body. */
export interface ReadinessReport {
  readonly status: ReadinessStatus;
  readonly checks: readonly CheckReport[];
}

const MAX_MESSAGE_LENGTH = 200;

function safeMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return redactUrl(text).slice(0, MAX_MESSAGE_LENGTH);
}

async function runOne(check: HealthCheck, timeoutMs: number, now: () => number): Promise<CheckReport> {
  const started = now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HealthCheckResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ state: 'failed', message: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
  });
  let result: HealthCheckResult;
  try {
    result = (await Promise.race([check.check(controller.signal), timeout])) ?? { state: 'ok' };
  } catch (error) {
    result = { state: 'failed', message: safeMessage(error) };
  } finally {
    clearTimeout(timer);
  }
  return {
    name: check.name,
    state: result.state,
    latency_ms: Math.max(0, Math.round(now() - started)),
    ...(result.message === undefined ? {} : { message: result.message.slice(0, MAX_MESSAGE_LENGTH) }),
  };
}

/**
 * Runs every check concurrently, each bounded by `timeoutMs`. not_ready when a critical check failed;
 * degraded when any check is degraded or a non-critical one failed; ready otherwise.
 */
export async function runHealthChecks(checks: readonly HealthCheck[], timeoutMs: number, now: () => number = performance.now.bind(performance)): Promise<ReadinessReport> {
  const reports = await Promise.all(checks.map((check) => runOne(check, timeoutMs, now)));
  const isCritical = new Map(checks.map((check) => [check.name, check.critical]));
  let status: ReadinessStatus = 'ready';
  for (const report of reports) {
    if (report.state === 'failed' && isCritical.get(report.name)) return { status: 'not_ready', checks: reports };
    if (report.state !== 'ok') status = 'degraded';
  }
  return { status, checks: reports };
}

/** A check that succeeds when `ping` resolves (a store's ping, `SELECT 1`, a Mongo `ping` command). */
export function pingCheck(name: string, ping: () => Promise<unknown>, options: { critical: boolean }): HealthCheck {
  return {
    name,
    critical: options.critical,
    async check() {
      await ping();
    },
  };
}

/** Redis PING; not critical by default because sessions and caches fall back to the store. */
export function redisCheck(client: { ping(): Promise<string> }, options: { critical?: boolean; name?: string } = {}): HealthCheck {
  return {
    name: options.name ?? 'redis',
    critical: options.critical ?? false,
    async check() {
      const answer = await client.ping();
      if (answer !== 'PONG') return { state: 'failed', message: 'unexpected PING answer' };
      return undefined;
    },
  };
}

/** A check over in-process state (plugins loaded, model configured). */
export function stateCheck(name: string, critical: boolean, evaluate: () => HealthCheckResult): HealthCheck {
  return { name, critical, check: async () => evaluate() };
}

/**
 * "model": ok when a model is configured, degraded (chat will fail) otherwise, or when
 * `credentialProblem` reports that the provider rejected the host's model key on the latest call.
 */
export function modelConfiguredCheck(isConfigured: boolean, credentialProblem: () => string | undefined = () => undefined): HealthCheck {
  return stateCheck('model', false, () => {
    if (!isConfigured) return { state: 'degraded', message: 'no model configured: set OPENAI_MODEL and OPENAI_API_KEY or OPENAI_BASE_URL' };
    const problem = credentialProblem();
    return problem === undefined ? { state: 'ok' } : { state: 'degraded', message: problem };
  });
}
