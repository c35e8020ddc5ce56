export { startFakeWeatherApi, weatherApiError } from './fake-weatherapi-server.js';
export type { FakeFailure, FakeWeatherApi, FakeWeatherApiOptions, RecordedWeatherApiRequest } from './fake-weatherapi-server.js';
