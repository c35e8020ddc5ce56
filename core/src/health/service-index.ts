import type { ReadinessStatus } from './health-check.js';

/** What `GET /` says about the service, apart from its readiness. */
export interface ServiceIndex {
  /** The service's name. */
  readonly service: string;
  readonly version: string;
  /** Where its parts are, by name (e.g. `console`, `api`, `health`), written after the status. */
  readonly paths: Readonly<Record<string, unknown>>;
}

/** The `GET /` body: `service`, `version` and `status` first, then the paths. */
export interface ServiceIndexDocument {
  readonly service: string;
  readonly version: string;
  /** The readiness verdict, as `/readyz` reports it. */
  readonly status: ReadinessStatus;
  readonly [path: string]: unknown;
}

/**
 * The root document. Programs parse it (the old Telegram bot's `/status` calls `GET /` and reads JSON);
 * people read it in a browser or with curl. `status` is the readiness verdict, so `GET /` is 503 exactly
 * when `/readyz` is; the per-check detail stays on `/readyz`.
 */
export function serviceIndexDocument(index: ServiceIndex, status: ReadinessStatus): ServiceIndexDocument {
  const leading = { service: index.service, version: index.version, status };
  // The paths come after, and cannot overwrite, the three fields a client relies on.
  const paths = Object.entries(index.paths).filter(([name]) => !(name in leading));
  return { ...leading, ...Object.fromEntries(paths) };
}
