export { runHealthChecks, pingCheck, redisCheck, stateCheck, modelConfiguredCheck } from './health-check.js';
export type { HealthCheck, HealthCheckResult, CheckState, CheckReport, ReadinessReport, ReadinessStatus } from './health-check.js';
export { healthRoutes, LIVENESS_PATHS, READINESS_PATHS } from './health-routes.js';
export type { HealthRoutesOptions } from './health-routes.js';
export type { ServiceIndex, ServiceIndexDocument } from './service-index.js';
export { installShutdown } from './install-shutdown.js';
export type { Disposer, InstallShutdownOptions, ShutdownHandle } from './install-shutdown.js';
export { registerReadinessMetric } from './readiness-metric.js';
export type { ReadinessMetricOptions } from './readiness-metric.js';
