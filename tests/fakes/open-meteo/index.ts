export { OPEN_METEO_RATE_LIMITED, startFakeOpenMeteo } from './fake-open-meteo-server.js';
export type { FakeFailure, FakeOpenMeteo, FakeOpenMeteoOptions, RecordedOpenMeteoRequest } from './fake-open-meteo-server.js';
