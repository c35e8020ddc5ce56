export { AdmissionGate, AdmissionRefusedError } from './admission-gate.js';
export type { AdmissionLimits, AdmissionObserver, AdmissionTicket, GateTimers, RefusalReason } from './admission-gate.js';
export { admissionPlugin } from './admission-plugin.js';
export type { AdmissionPluginOptions } from './admission-plugin.js';
export { nextLimit, startLoopDelayLimit } from './loop-delay-limit.js';
export type { LimitObservation, LoopDelayLimit, LoopDelayLimitSettings } from './loop-delay-limit.js';
export { CHAT_TURN_PATHS, registerAdmission } from './register-admission.js';
export type { AdmissionSettings } from './register-admission.js';
