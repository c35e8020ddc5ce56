/** Where a report is for, as the provider resolved it. */
export interface WeatherLocation {
  readonly name: string;
  readonly region: string | null;
  readonly country: string | null;
  readonly latitude: number;
  readonly longitude: number;
  readonly timeZone: string | null;
}

/** Current conditions; a field is null when the provider did not report it (never guessed). */
export interface CurrentConditions {
  /** Provider's local observation time, e.g. "2026-03-01 10:45". */
  readonly observedAt: string | null;
  readonly condition: string;
  readonly temperatureC: number;
  readonly feelsLikeC: number | null;
  readonly humidityPercent: number | null;
  readonly windKph: number | null;
  readonly windDirection: string | null;
  readonly pressureMb: number | null;
  readonly visibilityKm: number | null;
  readonly uvIndex: number | null;
  readonly precipitationMm: number | null;
}

/** One forecast day; null fields were not reported. */
export interface ForecastDay {
  readonly date: string;
  readonly condition: string;
  readonly minTemperatureC: number;
  readonly maxTemperatureC: number;
  readonly averageTemperatureC: number | null;
  readonly maxWindKph: number | null;
  readonly precipitationMm: number | null;
  readonly chanceOfRainPercent: number | null;
  readonly humidityPercent: number | null;
  readonly uvIndex: number | null;
}

export type WeatherProviderName = 'open-meteo' | 'weatherapi';

export interface CurrentWeatherReport {
  readonly kind: 'current';
  readonly provider: WeatherProviderName;
  readonly location: WeatherLocation;
  readonly current: CurrentConditions;
}

export interface ForecastReport {
  readonly kind: 'forecast';
  readonly provider: WeatherProviderName;
  readonly location: WeatherLocation;
  readonly days: readonly ForecastDay[];
}

export type WeatherReport = CurrentWeatherReport | ForecastReport;

const PROVIDER_LABELS: Record<WeatherProviderName, string> = {
  'open-meteo': 'Open-Meteo',
  weatherapi: 'WeatherAPI.com',
};

/** "London, City of London, United Kingdom" without empty or repeated parts. */
export function describeLocation(location: WeatherLocation): string {
  const parts: string[] = [];
  for (const part of [location.name, location.region, location.country]) {
    if (part && part.trim() !== '' && !parts.includes(part)) parts.push(part);
  }
  return parts.join(', ');
}

/** The text the model reads for current conditions (the old service's format, minus fields the provider omitted). */
export function formatCurrentWeather(report: CurrentWeatherReport): string {
  const current = report.current;
  const head = `Current weather in ${describeLocation(report.location)}: ${current.condition.toLowerCase()}, ${fixed(current.temperatureC, 1)}°C` +
    (current.feelsLikeC === null ? '' : ` (feels like ${fixed(current.feelsLikeC, 1)}°C)`);
  const details: string[] = [];
  if (current.humidityPercent !== null) details.push(`Humidity: ${Math.round(current.humidityPercent)}%`);
  if (current.windKph !== null) details.push(`Wind: ${fixed(current.windKph, 1)} km/h${current.windDirection ? ` ${current.windDirection}` : ''}`);
  if (current.precipitationMm !== null) details.push(`Precipitation: ${fixed(current.precipitationMm, 1)} mm`);
  if (current.pressureMb !== null) details.push(`Pressure: ${fixed(current.pressureMb, 0)} mb`);
  if (current.visibilityKm !== null) details.push(`Visibility: ${fixed(current.visibilityKm, 1)} km`);
  if (current.uvIndex !== null) details.push(`UV Index: ${fixed(current.uvIndex, 1)}`);
  const updated = current.observedAt ? ` Last updated: ${current.observedAt} (local time).` : '';
  return `${head}.${details.length > 0 ? ` ${details.join(', ')}.` : ''}${updated} Source: ${PROVIDER_LABELS[report.provider]}.`;
}

/** The text the model reads for a forecast: one line per day. */
export function formatForecast(report: ForecastReport): string {
  const lines = report.days.map((day) => {
    const parts = [`${day.condition.toLowerCase()}, ${fixed(day.minTemperatureC, 1)}°C to ${fixed(day.maxTemperatureC, 1)}°C` +
      (day.averageTemperatureC === null ? '' : ` (avg ${fixed(day.averageTemperatureC, 1)}°C)`)];
    if (day.maxWindKph !== null) parts.push(`Wind: ${fixed(day.maxWindKph, 1)} km/h`);
    if (day.precipitationMm !== null) parts.push(`Precip: ${fixed(day.precipitationMm, 1)} mm`);
    if (day.chanceOfRainPercent !== null) parts.push(`Chance of rain: ${Math.round(day.chanceOfRainPercent)}%`);
    if (day.humidityPercent !== null) parts.push(`Humidity: ${Math.round(day.humidityPercent)}%`);
    if (day.uvIndex !== null) parts.push(`UV: ${fixed(day.uvIndex, 1)}`);
    return `- ${day.date}: ${parts.join(', ')}`;
  });
  const count = report.days.length;
  return `Weather forecast for ${describeLocation(report.location)} (${count} ${count === 1 ? 'day' : 'days'}, source: ${PROVIDER_LABELS[report.provider]}):\n${lines.join('\n')}`;
}

/** Text for either kind of report. */
export function formatReport(report: WeatherReport): string {
  return report.kind === 'current' ? formatCurrentWeather(report) : formatForecast(report);
}

function fixed(value: number, digits: number): string {
  const text = value.toFixed(digits);
  return text === '-0' || /^-0\.0+$/.test(text) ? text.slice(1) : text;
}
