import { ToolError } from '@acai/plugin-sdk';
import Holidays from 'date-holidays';

/** The holiday kinds date-holidays knows. */
export const HOLIDAY_TYPES = ['public', 'bank', 'school', 'optional', 'observance'] as const;
export type HolidayType = (typeof HOLIDAY_TYPES)[number];

/** One holiday on one calendar day. */
export interface HolidayEntry {
  /** `YYYY-MM-DD`: the local calendar day the holiday starts on. */
  readonly date: string;
  readonly name: string;
  readonly type: string;
  readonly isSubstitute: boolean;
}

/** A country, optionally narrowed to a state and a region, as date-holidays names them. */
export interface HolidayArea {
  readonly country: string;
  readonly countryName: string;
  readonly state: string | null;
  readonly stateName: string | null;
  readonly region: string | null;
  readonly regionName: string | null;
}

// date-holidays recomputes every rule on each getHolidays() call (~0.7 ms); instances and results are memoised.
const queries = new Holidays();
const instances = new Map<string, Holidays>();
const yearResults = new Map<string, readonly HolidayEntry[]>();
const MAX_MEMOISED_YEARS = 2000;
let countries: Readonly<Record<string, string>> | undefined;

/** Every supported country: ISO 3166-1 alpha-2 code → English name. */
export function listCountries(): Readonly<Record<string, string>> {
  countries ??= Object.freeze({ ...(queries.getCountries('en') as Record<string, string>) });
  return countries;
}

/** States (first-level subdivisions) of a country: code → name; empty when it has none. */
export function listStates(country: string): Readonly<Record<string, string>> {
  return (queries.getStates(country, 'en') as Record<string, string> | undefined) ?? {};
}

/** Regions inside a state: code → name; empty when it has none. */
export function listRegions(country: string, state: string): Readonly<Record<string, string>> {
  return (queries.getRegions(country, state, 'en') as Record<string, string> | undefined) ?? {};
}

/**
 * Resolves `country` ("ES", "es", "Spain" or "ES-CT") and `region` ("CT", "ES-CT", "LA-NO") to codes date-holidays
 * knows. Unknown codes fail with NOT_FOUND and a hint, instead of silently returning the whole country.
 */
export function resolveArea(countryInput: string, regionInput: string | null): HolidayArea {
  const known = listCountries();
  const parts = countryInput.trim().split(/[-./\s]+/).filter((part) => part !== '');
  const countryText = parts[0] ?? '';
  let country = Object.keys(known).find((code) => code === countryText.toUpperCase());
  if (country === undefined) {
    const byName = Object.entries(known).find(([, name]) => name.toLowerCase() === countryInput.trim().toLowerCase());
    if (byName) return resolveArea(byName[0], regionInput);
    const similar = Object.entries(known)
      .filter(([, name]) => name.toLowerCase().includes(countryInput.trim().toLowerCase()) && countryInput.trim().length >= 3)
      .slice(0, 5)
      .map(([code, name]) => `${code} (${name})`);
    throw new ToolError(
      'NOT_FOUND',
      `Unknown country "${countryInput}". Use an ISO 3166-1 alpha-2 code such as "US", "GB" or "ES"` +
        (similar.length > 0 ? `; did you mean ${similar.join(', ')}?` : '; list_holiday_countries lists every supported country.'),
    );
  }
  const countryName = known[country] ?? country;
  // Anything after the country in `countryInput` ("ES-CT") is a region unless one was given separately.
  const regionParts = regionInput !== null && regionInput.trim() !== ''
    ? regionInput.trim().split(/[-./\s]+/).filter((part) => part !== '')
    : parts.slice(1);
  if (regionParts.length > 0 && regionParts[0]?.toUpperCase() === country && regionParts.length > 1) regionParts.shift();
  if (regionParts.length === 0) return { country, countryName, state: null, stateName: null, region: null, regionName: null };

  const states = listStates(country);
  const stateText = (regionParts[0] ?? '').toUpperCase();
  const state = Object.keys(states).find((code) => code.toUpperCase() === stateText) ??
    Object.entries(states).find(([, name]) => name.toLowerCase() === regionParts.join(' ').toLowerCase())?.[0];
  if (state === undefined) throw unknownRegion(regionInput ?? countryInput, country, countryName, states);
  const stateName = states[state] ?? state;
  const regionText = regionParts[1];
  if (regionText === undefined) return { country, countryName, state, stateName, region: null, regionName: null };
  const regions = listRegions(country, state);
  const region = Object.keys(regions).find((code) => code.toUpperCase() === regionText.toUpperCase());
  if (region === undefined) throw unknownRegion(regionInput ?? countryInput, `${country}-${state}`, stateName, regions);
  return { country, countryName, state, stateName, region, regionName: regions[region] ?? region };
}

function unknownRegion(input: string, parent: string, parentName: string, options: Readonly<Record<string, string>>): ToolError {
  const codes = Object.entries(options);
  const listing = codes.length === 0
    ? `${parentName} has no regions in the dataset; leave region null.`
    : codes.length <= 60
      ? `Known regions: ${codes.map(([code, name]) => `${code} (${name})`).join(', ')}.`
      : `Call list_holiday_regions with "${parent}" for the ${codes.length} known regions.`;
  return new ToolError('NOT_FOUND', `Unknown region "${input}" for ${parentName} (${parent}). ${listing}`);
}

/** Human name of an area: "Spain, Catalonia". */
export function describeArea(area: HolidayArea): string {
  return [area.countryName, area.stateName, area.regionName].filter((part) => part !== null).join(', ');
}

/** The holidays of one year in an area, every type, sorted by date then name (memoised). */
export function holidaysInYear(area: HolidayArea, year: number): readonly HolidayEntry[] {
  const areaKey = [area.country, area.state ?? '', area.region ?? ''].join('|');
  const resultKey = `${areaKey}|${year}`;
  const memoised = yearResults.get(resultKey);
  if (memoised) return memoised;

  let instance = instances.get(areaKey);
  if (!instance) {
    const options = { languages: ['en'] };
    instance = area.region !== null && area.state !== null
      ? new Holidays(area.country, area.state, area.region, options)
      : area.state !== null
        ? new Holidays(area.country, area.state, options)
        : new Holidays(area.country, options);
    instances.set(areaKey, instance);
  }
  const entries = instance
    .getHolidays(year, 'en')
    .map((holiday) => ({
      // `date` is the local wall time ("2026-07-03 00:00:00", sometimes with " -0600"): its first 10 characters are the day.
      date: holiday.date.slice(0, 10),
      name: holiday.name,
      type: holiday.type,
      isSubstitute: holiday.substitute === true,
    }))
    .sort((left, right) => left.date.localeCompare(right.date) || left.name.localeCompare(right.name));
  if (yearResults.size >= MAX_MEMOISED_YEARS) yearResults.clear();
  const frozen = Object.freeze(entries.map((entry) => Object.freeze(entry)));
  yearResults.set(resultKey, frozen);
  return frozen;
}
