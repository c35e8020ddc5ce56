import { defineTool } from '@acai/plugin-sdk';
import { listCountries } from './holiday-calendar.js';

/** `list_holiday_countries`: the countries the dataset covers, optionally filtered. */
export const listHolidayCountries = defineTool({
  name: 'list_holiday_countries',
  description: "Lists the countries with holiday data as 'CODE: Name', optionally only those whose name or code contains search.",
  parameters: {
    type: 'object',
    properties: {
      search: { type: ['string', 'null'], description: "Part of a country name or code, e.g. 'united'; null for all." },
    },
    required: ['search'],
    additionalProperties: false,
  },
  idempotent: true,
  execute(args) {
    const search = args.search?.trim().toLowerCase() ?? '';
    const countries = Object.entries(listCountries())
      .filter(([code, name]) => search === '' || code.toLowerCase() === search || name.toLowerCase().includes(search))
      .map(([code, name]) => ({ code, name }));
    if (countries.length === 0) {
      return { content: `No country matches "${args.search}". Call list_holiday_countries with search null for all of them.`, data: { countries } };
    }
    return {
      content: `Countries with holiday data (${countries.length}):\n${countries.map((country) => `${country.code}: ${country.name}`).join('\n')}`,
      data: { countries },
    };
  },
});
