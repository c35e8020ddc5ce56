import { ToolError } from '@acai/plugin-sdk';

/** What a tool asks a provider for. */
export interface WeatherRequest {
  readonly kind: 'current' | 'forecast';
  /** The location as the user wrote it (trimmed, whitespace collapsed). */
  readonly location: string;
  /** Forecast length; 1 for current conditions. */
  readonly days: number;
}

const MAX_LOCATION_LENGTH = 200;

/** Trims and collapses whitespace; rejects empty, oversized or control-character input. */
export function cleanLocation(location: string): string {
  const cleaned = location.replace(/\s+/g, ' ').trim();
  if (cleaned === '') {
    throw new ToolError('INVALID_INPUT', 'location is required: a city ("Paris"), a city with country ("Paris, France") or coordinates ("48.85,2.35").');
  }
  if (cleaned.length > MAX_LOCATION_LENGTH) {
    throw new ToolError('INVALID_INPUT', `location is too long (${cleaned.length} characters; at most ${MAX_LOCATION_LENGTH}).`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(cleaned)) {
    throw new ToolError('INVALID_INPUT', 'location must not contain control characters.');
  }
  return cleaned;
}

/** `lat,lon` input, when the location is written as decimal coordinates. */
export function parseCoordinates(location: string): { latitude: number; longitude: number } | null {
  const match = /^(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)$/.exec(location);
  if (!match) return null;
  const latitude = Number(match[1]);
  const longitude = Number(match[2]);
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) {
    throw new ToolError('INVALID_INPUT', `Coordinates "${location}" are out of range (latitude -90..90, longitude -180..180).`);
  }
  return { latitude, longitude };
}
