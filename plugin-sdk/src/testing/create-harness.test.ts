import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definePlugin } from '../define-plugin.js';
import { defineTool } from '../define-tool.js';
import { PluginCheckError } from '../host/plugin-check-error.js';
import { ToolError } from '../tool-error.js';
import { createHarness } from './create-harness.js';

const getTemperature = defineTool({
  name: 'get_temperature',
  description: 'Temperature in a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string', minLength: 1 }, days: { type: 'integer', minimum: 1, maximum: 10 } },
    required: ['city', 'days'],
    additionalProperties: false,
  },
  async execute(args, context) {
    const cached = await context.cache.get<number>(args.city);
    if (cached !== undefined) return { content: `${args.city}: ${cached} (cached)`, data: { temperature: cached } };
    const base = String(context.config['baseUrl']);
    const response = await context.http.fetch(`${base}/temperature?city=${encodeURIComponent(args.city)}`, {
      headers: { authorization: `Bearer ${String(context.config['apiKey'])}` },
    });
    if (response.status === 404) throw new ToolError('NOT_FOUND', `No city called ${args.city}`);
    const { temperature } = response.json<{ temperature: number }>();
    await context.cache.set(args.city, temperature, { ttlSeconds: 60 });
    context.logger.info({ city: args.city }, `fetched with key ${String(context.config['apiKey'])}`);
    return { content: `${args.city}: ${temperature}`, data: { temperature } };
  },
});

const now = defineTool({
  name: 'get_now',
  description: 'Current instant',
  parameters: { type: 'object', properties: {}, required: [], additionalProperties: false },
  execute: (_args, context) => `${context.clock.now().toISOString()} ${context.clock.timeZone}`,
});

const hang = defineTool({
  name: 'wait_forever',
  description: 'Never returns',
  parameters: { type: 'object', properties: {}, required: [], additionalProperties: false },
  execute: (_args, context) =>
    new Promise<string>((_resolve, reject) => context.signal.addEventListener('abort', () => reject(new Error('aborted')))),
});

const leak = defineTool({
  name: 'leak_secret',
  description: 'Returns its secret',
  parameters: { type: 'object', properties: {}, required: [], additionalProperties: false },
  execute: (_args, context) => {
    throw new Error(`failed with ${String(context.config['apiKey'])}`);
  },
});

const plugin = definePlugin({
  name: 'thermo',
  description: 'Temperatures',
  configSchema: {
    type: 'object',
    properties: { apiKey: { type: 'string' }, baseUrl: { type: 'string', default: 'https://api.thermo.test' } },
    required: ['apiKey'],
    additionalProperties: false,
  },
  tools: [getTemperature, now, hang, leak],
});

const packageJson = {
  name: '@acme/plugin-thermo',
  version: '1.0.0',
  peerDependencies: { '@acai/plugin-sdk': '^1.0.0' },
  acai: { entry: './dist/index.js', sdkApi: '1', network: { hosts: ['api.thermo.test'] }, secrets: [{ key: 'apiKey', required: true }] },
};

let server: Server;
let serverUrl: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const city = new URL(request.url ?? '/', 'http://x').searchParams.get('city');
    if (city === 'Atlantis') return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ temperature: 18, auth: request.headers.authorization }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('createHarness', () => {
  it('calls a tool against stubbed routes and records the request', async () => {
    const harness = await createHarness(plugin, {
      config: { apiKey: 'sk-test-123' },
      packageJson,
      http: { routes: { 'GET api.thermo.test/temperature': () => ({ body: { temperature: 21 } }) } },
    });
    const result = await harness.call('get_temperature', { city: 'Paris', days: 1 });
    expect(result).toEqual({ ok: true, content: 'Paris: 21', data: { temperature: 21 } });
    expect(harness.http.requests).toHaveLength(1);
    expect(harness.http.requests[0]?.url.searchParams.get('city')).toBe('Paris');
    expect(harness.http.requests[0]?.headers['authorization']).toBe('Bearer sk-test-123');
  });

  it('reaches a real local server when the test allows its host', async () => {
    const harness = await createHarness(plugin, { config: { apiKey: 'k-1234', baseUrl: serverUrl }, packageJson, http: { allowHosts: ['127.0.0.1'] } });
    expect(await harness.call('get_temperature', { city: 'Oslo', days: 2 })).toMatchObject({ ok: true, content: 'Oslo: 18' });
    expect(await harness.call('get_temperature', { city: 'Atlantis', days: 2 })).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'No city called Atlantis' },
    });
  });

  it('refuses undeclared hosts like the host does', async () => {
    const harness = await createHarness(plugin, { config: { apiKey: 'k-1234', baseUrl: serverUrl }, packageJson });
    expect(await harness.call('get_temperature', { city: 'Oslo', days: 2 })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('serves from the cache until the fake clock passes the TTL', async () => {
    let hits = 0;
    const harness = await createHarness(plugin, {
      config: { apiKey: 'k-1234' },
      packageJson,
      http: { routes: { 'https://api.thermo.test/': () => ({ body: { temperature: 10 + ++hits } }) } },
    });
    expect(await harness.call('get_temperature', '{"city":"Rome","days":1}')).toMatchObject({ content: 'Rome: 11' });
    expect(await harness.call('get_temperature', { city: 'Rome', days: 1 })).toMatchObject({ content: 'Rome: 11 (cached)' });
    expect(harness.cache.keys()).toEqual(['Rome']);
    harness.clock.advance(61_000);
    expect(await harness.call('get_temperature', { city: 'Rome', days: 1 })).toMatchObject({ content: 'Rome: 12' });
  });

  it('validates arguments with every error and never runs the tool', async () => {
    const harness = await createHarness(plugin, { config: { apiKey: 'k-1234' }, packageJson });
    const result = await harness.call('get_temperature', { days: 0 });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('INVALID_INPUT');
      expect(result.error.message).toContain('/city: is required but missing');
      expect(result.error.message).toContain('/days: must be >= 1');
    }
    expect(await harness.call('get_temperature', '{not json')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(harness.http.requests).toHaveLength(0);
  });

  it('runs a tool with its optional (nullable) arguments left out as null, as the host does', async () => {
    const echoZone = defineTool({
      name: 'echo_zone',
      description: 'Echoes its arguments',
      parameters: {
        type: 'object',
        properties: { zone: { type: ['string', 'null'] }, count: { type: 'integer' } },
        required: ['zone', 'count'],
        additionalProperties: false,
      },
      execute: (args) => JSON.stringify(args),
    });
    const zones = definePlugin({ name: 'zones', description: 'Zones', tools: [echoZone] });
    const harness = await createHarness(zones, { packageJson: { ...packageJson, name: '@acme/plugin-zones', acai: { entry: './dist/index.js', sdkApi: '1' } } });
    expect(await harness.call('echo_zone', { count: 2 })).toMatchObject({ ok: true, content: '{"count":2,"zone":null}' });
    expect(await harness.call('echo_zone', { count: 2, zone: null })).toMatchObject({ ok: true, content: '{"count":2,"zone":null}' });
    expect(await harness.call('echo_zone', {})).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringContaining('/count: is required but missing') } });
  });

  it('uses the fake clock and time zone', async () => {
    const harness = await createHarness(plugin, { config: { apiKey: 'k-1234' }, now: '2026-03-01T12:00:00Z', timeZone: 'Asia/Tokyo' });
    expect(await harness.call('get_now')).toEqual({ ok: true, content: '2026-03-01T12:00:00.000Z Asia/Tokyo' });
  });

  it('times out a tool that never resolves and fires its signal', async () => {
    const harness = await createHarness(plugin, { config: { apiKey: 'k-1234' }, timeoutMs: 20 });
    expect(await harness.call('wait_forever')).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
  });

  it('scrubs secrets from errors and logs, and reports crashes as INTERNAL', async () => {
    const harness = await createHarness(plugin, {
      config: { apiKey: 'sk-very-secret' },
      packageJson,
      http: { routes: { 'api.thermo.test/temperature': () => ({ body: { temperature: 5 } }) } },
    });
    expect(await harness.call('leak_secret')).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'The tool failed unexpectedly: failed with [REDACTED]' } });
    await harness.call('get_temperature', { city: 'Lima', days: 1 });
    expect(harness.logs).toContainEqual(expect.objectContaining({ level: 'info', plugin: 'thermo', tool: 'get_temperature', city: 'Lima', msg: 'fetched with key [REDACTED]' }));
  });

  it('refuses a config that does not match the schema, like the host', async () => {
    await expect(createHarness(plugin, { config: { apiKey: 5, colour: 'red' } })).rejects.toSatisfy(
      (error) => PluginCheckError.isInstance(error) && error.code === 'PLUGIN_CONFIG_INVALID' && error.problems.length === 2,
    );
  });

  it('refuses a required secret that is unset', async () => {
    const optionalKey = definePlugin({ ...plugin, configSchema: { type: 'object', properties: { apiKey: { type: 'string' } } } });
    await expect(createHarness(optionalKey, { packageJson })).rejects.toSatisfy(
      (error) => PluginCheckError.isInstance(error) && error.code === 'PLUGIN_SECRET_MISSING',
    );
  });

  it('refuses a tool the host would quarantine unless asked to allow it', async () => {
    const lax = defineTool({ name: 'lax', description: 'lax', parameters: { type: 'object', properties: { a: { type: 'string' } } }, execute: () => 'ok' });
    const laxPlugin = definePlugin({ name: 'laxed', description: 'd', tools: [lax, now] });
    await expect(createHarness(laxPlugin)).rejects.toThrow(/quarantined/);
    const harness = await createHarness(laxPlugin, { allowQuarantine: true });
    expect(harness.quarantined.map((tool) => tool.name)).toEqual(['lax']);
    expect(harness.tools.map((tool) => tool.name)).toEqual(['get_now']);
  });

  it('runs the manifest checks on a package.json path', async () => {
    await expect(createHarness(plugin, { config: { apiKey: 'k' }, packageJson: '/nonexistent/package.json' })).rejects.toSatisfy(
      (error) => PluginCheckError.isInstance(error) && error.code === 'PLUGIN_MANIFEST_INVALID',
    );
  });

  it('runs setup and dispose hooks', async () => {
    const events: string[] = [];
    const withHooks = definePlugin({ name: 'hooked', description: 'd', tools: [now], setup: () => void events.push('setup'), dispose: () => void events.push('dispose') });
    const harness = await createHarness(withHooks);
    await harness.dispose();
    expect(events).toEqual(['setup', 'dispose']);
  });
});
