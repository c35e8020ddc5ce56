import { describe, expect, it } from 'vitest';
import type { ModelTool } from './model-types.js';
import { createWireTools, usesStrictTools } from './wire-tools.js';

const strictParameters = { type: 'object', properties: { time_zone: { type: ['string', 'null'] } }, required: ['time_zone'], additionalProperties: false };
const looseParameters = { ...strictParameters, required: [] };
const strictTool: ModelTool = {
  type: 'function',
  function: { name: 'datetime__get_current_time', description: 'Now', parameters: strictParameters, strict: true },
  looseParameters,
};
const plainTool: ModelTool = { type: 'function', function: { name: 'plain', description: 'No strict form', parameters: { type: 'object' } } };

describe('usesStrictTools', () => {
  it('on auto, uses strict schemas only for OpenAI’s own API', () => {
    expect(usesStrictTools('auto', undefined)).toBe(true);
    expect(usesStrictTools('auto', 'https://api.openai.com/v1')).toBe(true);
    expect(usesStrictTools('auto', 'https://API.OpenAI.com:443/v1/')).toBe(true);
    for (const other of ['http://localhost:11434/v1', 'http://127.0.0.1:8000/v1', 'https://api.openai.com.evil.example/v1', 'https://example.com/api.openai.com/v1', 'not a url']) {
      expect(usesStrictTools('auto', other), other).toBe(false);
    }
  });

  it('follows on and off whatever the endpoint', () => {
    expect(usesStrictTools('on', 'http://localhost:11434/v1')).toBe(true);
    expect(usesStrictTools('off', undefined)).toBe(false);
    expect(usesStrictTools('off', 'https://api.openai.com/v1')).toBe(false);
  });
});

describe('createWireTools', () => {
  it('offers strict tools as they are to a strict endpoint, never sending the loose form', () => {
    const wire = createWireTools(true)([strictTool, plainTool]);
    expect(wire).toEqual([
      { type: 'function', function: { name: 'datetime__get_current_time', description: 'Now', parameters: strictParameters, strict: true } },
      { type: 'function', function: { name: 'plain', description: 'No strict form', parameters: { type: 'object' } } },
    ]);
    expect(JSON.stringify(wire)).not.toContain('looseParameters');
  });

  it('offers the loose parameters without the strict flag to an endpoint that does not use strict mode', () => {
    expect(createWireTools(false)([strictTool, plainTool])).toEqual([
      { type: 'function', function: { name: 'datetime__get_current_time', description: 'Now', parameters: looseParameters } },
      { type: 'function', function: { name: 'plain', description: 'No strict form', parameters: { type: 'object' } } },
    ]);
  });

  it('builds the wire list once per tool list', () => {
    const wireTools = createWireTools(false);
    const offered = Object.freeze([strictTool]);
    expect(wireTools(offered)).toBe(wireTools(offered));
    expect(wireTools([strictTool])).not.toBe(wireTools(offered));
  });
});
