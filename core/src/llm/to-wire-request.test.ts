import { describe, expect, it } from 'vitest';
import type { ModelTool } from './model-types.js';
import { toWireMessage, toWireRequest } from './to-wire-request.js';
import { createWireTools } from './wire-tools.js';

const asOffered = createWireTools(true);

const tool: ModelTool = { type: 'function', function: { name: 'weather__get_forecast', description: 'Forecast', parameters: { type: 'object', properties: {} }, strict: true } };

describe('toWireRequest', () => {
  it('sends the chosen model and the messages, without tools or tool_choice when there are no tools', () => {
    const body = toWireRequest({ purpose: 'title', messages: [{ role: 'user', content: 'hi' }], tools: [] }, 'small-model', asOffered);
    expect(body).toEqual({ model: 'small-model', messages: [{ role: 'user', content: 'hi' }] });
    expect(body).not.toHaveProperty('tool_choice');
  });

  it('offers the tools with tool_choice auto unless the request forces a final answer', () => {
    expect(toWireRequest({ purpose: 'reply', messages: [], tools: [tool] }, 'm', asOffered)).toMatchObject({ tools: [tool], tool_choice: 'auto' });
    expect(toWireRequest({ purpose: 'reply', messages: [], tools: [tool], toolChoice: 'none' }, 'm', asOffered)).toMatchObject({ tool_choice: 'none' });
  });
});

describe('toWireMessage', () => {
  it('maps system, user and tool messages to their OpenAI shapes', () => {
    expect(toWireMessage({ role: 'system', content: 'be brief' })).toEqual({ role: 'system', content: 'be brief' });
    expect(toWireMessage({ role: 'user', content: 'hi' })).toEqual({ role: 'user', content: 'hi' });
    expect(toWireMessage({ role: 'tool', toolCallId: 'call_1', content: '{"ok":true}' })).toEqual({ role: 'tool', tool_call_id: 'call_1', content: '{"ok":true}' });
  });

  it('sends an assistant turn with tool calls as function calls keeping their ids and raw arguments', () => {
    expect(toWireMessage({ role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'f', arguments: '{"a":1' }] })).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1' } }],
    });
  });

  it('sends an assistant turn without tool calls as text, empty when it had none', () => {
    expect(toWireMessage({ role: 'assistant', content: 'done' })).toEqual({ role: 'assistant', content: 'done' });
    expect(toWireMessage({ role: 'assistant', content: null, toolCalls: [] })).toEqual({ role: 'assistant', content: '' });
  });
});
