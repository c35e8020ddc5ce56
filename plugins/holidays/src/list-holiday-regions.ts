import { defineTool } from '@acai/plugin-sdk';
import { listRegions, listStates, resolveArea } from './holiday-calendar.js';

/** `list_holiday_regions`: the region codes `list_holidays` accepts for a country. */
export const listHolidayRegions = defineTool({
  name: 'list_holiday_regions',
  description: "Lists the state/region codes of a country that list_holidays accepts as region (e.g. 'CT: Catalonia' for ES).",
  parameters: {
    type: 'object',
    properties: {
      country: { type: 'string', description: "ISO 3166-1 alpha-2 code such as 'ES' or 'US'." },
    },
    required: ['country'],
    additionalProperties: false,
  },
  idempotent: true,
  execute(args) {
    const area = resolveArea(args.country, null);
    const regions: { code: string; name: string }[] = [];
    for (const [state, stateName] of Object.entries(listStates(area.country))) {
      regions.push({ code: state, name: stateName });
      for (const [region, regionName] of Object.entries(listRegions(area.country, state))) {
        regions.push({ code: `${state}-${region}`, name: `${regionName} (in ${stateName})` });
      }
    }
    const data = { country: area.country, countryName: area.countryName, regions };
    if (regions.length === 0) {
      return { content: `${area.countryName} (${area.country}) has no regional holiday calendars in the dataset; use the country alone.`, data };
    }
    return {
      content: `Regions of ${area.countryName} (${area.country}) for list_holidays (${regions.length}):\n${regions.map((region) => `${region.code}: ${region.name}`).join('\n')}`,
      data,
    };
  },
});
