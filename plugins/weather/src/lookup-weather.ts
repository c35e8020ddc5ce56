import { createHash } from 'node:crypto';
import { ToolError, type ToolContext, type ToolOutput } from '@acai/plugin-sdk';
import { fetchFromOpenMeteo } from './open-meteo-provider.js';
import type { WeatherConfig } from './weather-config.js';
import { formatReport, type WeatherReport } from './weather-report.js';
import type { WeatherRequest } from './weather-request.js';
import { fetchFromWeatherApi } from './weatherapi-provider.js';

/** What the cache holds for one query: the report and when it was fetched. */
interface CachedReport {
  readonly storedAtMs: number;
  readonly report: WeatherReport;
}

// Failures that say nothing about the query itself: the last good answer may stand in, labelled with its age.
const AVAILABILITY_CODES = new Set(['UPSTREAM_UNAVAILABLE', 'TIMEOUT', 'RATE_LIMITED']);

/**
 * The cache key: SHA-256 of provider, kind, day count and the normalised location
 * (lower-cased, trimmed, whitespace collapsed), so "  PARIS " and "paris" share an entry.
 */
export function weatherCacheKey(provider: string, request: WeatherRequest): string {
  const normalized = request.location.replace(/\s+/g, ' ').trim().toLowerCase();
  const digest = createHash('sha256').update(JSON.stringify([provider, request.kind, request.days, normalized])).digest('hex');
  return `report:v1:${digest}`;
}

/**
 * Answers from a fresh cache entry, else asks the provider and caches the answer.
 * When the provider is unavailable the last cached report is served with its age; without one the call fails
 * with UPSTREAM_UNAVAILABLE. Numbers are never made up.
 */
export async function lookupWeather(request: WeatherRequest, context: ToolContext<WeatherConfig>): Promise<ToolOutput> {
  const { config } = context;
  const key = weatherCacheKey(config.provider, request);
  const nowMs = context.clock.now().getTime();
  const cached = await readCache(key, context);
  if (cached && nowMs - cached.storedAtMs < config.cacheTtlSeconds * 1000) {
    return present(cached.report, { source: 'cache', ageSeconds: ageSeconds(nowMs, cached) });
  }

  let report: WeatherReport;
  try {
    report = await fetchReport(request, config, context);
  } catch (error) {
    if (context.signal.aborted || !ToolError.isInstance(error) || !AVAILABILITY_CODES.has(error.code)) throw error;
    if (cached && nowMs - cached.storedAtMs <= config.staleTtlSeconds * 1000) {
      context.logger.warn({ code: error.code, ageSeconds: ageSeconds(nowMs, cached) }, 'weather provider unavailable; serving the cached report');
      return present(cached.report, { source: 'stale-cache', ageSeconds: ageSeconds(nowMs, cached) });
    }
    throw new ToolError(
      'UPSTREAM_UNAVAILABLE',
      `Weather data for "${request.location}" is unavailable right now and there is no recent cached report. ${error.message}`,
      { cause: error },
    );
  }

  const ttlSeconds = Math.max(config.cacheTtlSeconds, config.staleTtlSeconds);
  if (ttlSeconds > 0) {
    try {
      await context.cache.set(key, { storedAtMs: nowMs, report } satisfies CachedReport, { ttlSeconds });
    } catch (error) {
      context.logger.warn({ err: error }, 'could not cache the weather report');
    }
  }
  return present(report, { source: 'live', ageSeconds: 0 });
}

function fetchReport(request: WeatherRequest, config: Readonly<WeatherConfig>, context: ToolContext<WeatherConfig>): Promise<WeatherReport> {
  return config.provider === 'weatherapi'
    ? fetchFromWeatherApi(request, config, context)
    : fetchFromOpenMeteo(request, config, context);
}

async function readCache(key: string, context: ToolContext<WeatherConfig>): Promise<CachedReport | undefined> {
  try {
    const value = await context.cache.get<CachedReport>(key);
    return value && typeof value.storedAtMs === 'number' && typeof value.report === 'object' ? value : undefined;
  } catch (error) {
    // A cache outage must not take the weather down with it.
    context.logger.warn({ err: error }, 'weather cache unavailable');
    return undefined;
  }
}

function ageSeconds(nowMs: number, cached: CachedReport): number {
  return Math.max(0, Math.round((nowMs - cached.storedAtMs) / 1000));
}

/** "5 min", "2 h", "3 d": how old a cached report is. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return 'less than a minute';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86400)} d`;
}

function present(report: WeatherReport, freshness: { source: 'live' | 'cache' | 'stale-cache'; ageSeconds: number }): ToolOutput {
  const text = formatReport(report);
  const isStale = freshness.source === 'stale-cache';
  return {
    content: isStale ? `(cached ${formatAge(freshness.ageSeconds)} ago; live data unavailable) ${text}` : text,
    data: { ...report, source: freshness.source, isStale, ageSeconds: freshness.ageSeconds },
  };
}
