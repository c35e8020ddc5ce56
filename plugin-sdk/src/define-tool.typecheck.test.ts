import { describe, expectTypeOf, it } from 'vitest';
import { defineTool } from './define-tool.js';

describe('defineTool', () => {
  it('infers argument types from the parameters schema', () => {
    const tool = defineTool({
      name: 'add_days',
      description: 'adds days',
      parameters: {
        type: 'object',
        properties: { date: { type: 'string' }, days: { type: 'integer' }, zone: { type: ['string', 'null'] } },
        required: ['date', 'days', 'zone'],
        additionalProperties: false,
      },
      execute(args) {
        expectTypeOf(args.date).toEqualTypeOf<string>();
        expectTypeOf(args.days).toEqualTypeOf<number>();
        expectTypeOf(args.zone).toEqualTypeOf<string | null>();
        return `${args.date}+${args.days}`;
      },
    });
    expectTypeOf(tool.name).toEqualTypeOf<string>();
  });
});
