import { ToolError, type HttpResponse } from '@acai/plugin-sdk';

/** A JSON object from a provider payload, or an empty object when the value is not one. */
export function readObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A finite number; numeric strings are accepted because WeatherAPI has sent some fields as strings ("83"). */
export function readNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

/** A non-empty string, else null. */
export function readString(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/** A number the report cannot do without; its absence is an upstream fault, never filled in. */
export function requireNumber(value: unknown, field: string, provider: string): number {
  const number = readNumber(value);
  if (number === null) {
    throw new ToolError('UPSTREAM_FAILED', `${provider} returned a response without a usable "${field}" value.`);
  }
  return number;
}

/** The body parsed as JSON, or undefined when it is not JSON (error pages from proxies). */
export function parseBodyLoosely(response: HttpResponse): unknown {
  try {
    return JSON.parse(response.text()) as unknown;
  } catch {
    return undefined;
  }
}

/** The body parsed as JSON; a non-JSON 200 is an upstream fault. */
export function parseBody(response: HttpResponse, provider: string): Record<string, unknown> {
  const body = parseBodyLoosely(response);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ToolError('UPSTREAM_FAILED', `${provider} returned a response that is not a JSON object.`);
  }
  return body as Record<string, unknown>;
}

const COMPASS = ['N', 'NNE', 'NE', 'ENE', 'E', 'ESE', 'SE', 'SSE', 'S', 'SSW', 'SW', 'WSW', 'W', 'WNW', 'NW', 'NNW'] as const;

/** 16-point compass direction for a bearing in degrees. */
export function compassDirection(degrees: number | null): string | null {
  if (degrees === null) return null;
  const index = Math.round((((degrees % 360) + 360) % 360) / 22.5) % 16;
  return COMPASS[index] ?? null;
}
