export { startFakeIcalServer } from './fake-ical-server.js';
export type { FakeFailure, FakeIcalServer, RecordedIcalRequest } from './fake-ical-server.js';
