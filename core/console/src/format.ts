// Text formatting for the views; no DOM, so Node tests cover it.

/** A tool call's latency: `850 ms`, `12.3 s`, `2 min 5 s`. */
export function formatMilliseconds(milliseconds: number): string {
  if (!Number.isFinite(milliseconds) || milliseconds < 0) return '–';
  if (milliseconds < 1_000) return `${Math.round(milliseconds)} ms`;
  if (milliseconds < 60_000) return `${(milliseconds / 1_000).toFixed(milliseconds < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(milliseconds / 60_000);
  return `${minutes} min ${Math.round((milliseconds % 60_000) / 1_000)} s`;
}

/** A latency estimate in seconds (from a histogram), with precision for sub-millisecond values. */
export function formatSeconds(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '–';
  if (seconds < 0.001) return `${(seconds * 1_000).toFixed(2)} ms`;
  if (seconds < 1) return `${(seconds * 1_000).toFixed(seconds < 0.01 ? 1 : 0)} ms`;
  return `${seconds.toFixed(2)} s`;
}

/** "just now", "5 min ago", "3 h ago", "yesterday", else the date. */
export function formatRelativeTime(timestamp: string | undefined, now: number): string {
  if (timestamp === undefined) return '';
  const at = Date.parse(timestamp);
  if (Number.isNaN(at)) return '';
  const seconds = Math.round((now - at) / 1_000);
  if (seconds < 45) return 'just now';
  if (seconds < 3_600) return `${Math.max(1, Math.round(seconds / 60))} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3_600)} h ago`;
  if (seconds < 2 * 86_400) return 'yesterday';
  return new Date(at).toISOString().slice(0, 10);
}

/** A local wall-clock time (`14:05`, or `14:05:09` with seconds for metrics readings). */
export function formatClockTime(timestamp: string | number | undefined, options: { withSeconds?: boolean } = {}): string {
  if (timestamp === undefined) return '';
  const at = typeof timestamp === 'number' ? timestamp : Date.parse(timestamp);
  if (Number.isNaN(at)) return '';
  return new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', ...(options.withSeconds === true ? { second: '2-digit' } : {}) });
}

/** JSON text pretty-printed with two spaces; anything that is not JSON comes back unchanged. */
export function prettyJson(text: string): string {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return text;
  try {
    return JSON.stringify(JSON.parse(trimmed), null, 2);
  } catch {
    return text;
  }
}

/** `1,234` for counters that arrive as strings (uint64 in proto3 JSON) or numbers. */
export function formatCount(value: string | number | undefined): string {
  const number = typeof value === 'string' ? Number(value) : (value ?? 0);
  return Number.isFinite(number) ? number.toLocaleString('en-US') : String(value);
}
