import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTwirpAdminClient } from './twirp-admin-client.js';
import { TwirpClientError } from './twirp-client-error.js';

let server: Server | undefined;
const seen: Array<{ url: string | undefined; authorization: string | undefined; body: string }> = [];

async function serve(status: number, answer: unknown): Promise<string> {
  server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      seen.push({ url: request.url, authorization: request.headers.authorization, body });
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  seen.splice(0);
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe('createTwirpAdminClient', () => {
  it('calls the acai.admin.PluginService routes with the bearer key and proto field names', async () => {
    const url = await serve(200, { plugins: [{ name: 'weather', state: 'ACTIVE', call_count: '7' }], generation: '3' });
    const admin = createTwirpAdminClient({ url, apiKey: 'k-admin' });
    expect(await admin.listPlugins()).toEqual({ plugins: [{ name: 'weather', state: 'ACTIVE', call_count: '7' }], generation: '3' });
    await admin.disablePlugin('weather');
    await admin.enablePlugin('weather');
    await admin.reloadPlugins();
    await admin.reloadPlugins({ ifChanged: true });
    await admin.resetBreaker('weather');
    await admin.clearPluginOverride('weather');
    await admin.listAuditEntries({ page_size: 10, actions: ['plugin.disable'] });
    expect(seen.map((call) => [call.url, call.body])).toEqual([
      ['/twirp/acai.admin.PluginService/ListPlugins', '{}'],
      ['/twirp/acai.admin.PluginService/DisablePlugin', '{"name":"weather"}'],
      ['/twirp/acai.admin.PluginService/EnablePlugin', '{"name":"weather"}'],
      ['/twirp/acai.admin.PluginService/ReloadPlugins', '{}'],
      ['/twirp/acai.admin.PluginService/ReloadPlugins', '{"if_changed":true}'],
      ['/twirp/acai.admin.PluginService/ResetBreaker', '{"name":"weather"}'],
      ['/twirp/acai.admin.PluginService/ClearPluginOverride', '{"name":"weather"}'],
      ['/twirp/acai.admin.AuditService/ListAuditEntries', '{"page_size":10,"actions":["plugin.disable"]}'],
    ]);
    expect(seen.every((call) => call.authorization === 'Bearer k-admin')).toBe(true);
  });

  it('surfaces Twirp errors as TwirpClientError with code and meta', async () => {
    const url = await serve(412, { code: 'failed_precondition', msg: 'Required plugin failed to load', meta: { host_code: 'HOST_PLUGIN_REQUIRED_FAILED' } });
    const error = await createTwirpAdminClient({ url }).reloadPlugins().catch((caught: unknown) => caught);
    expect(TwirpClientError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'failed_precondition', message: 'Required plugin failed to load', meta: { host_code: 'HOST_PLUGIN_REQUIRED_FAILED' }, httpStatus: 412 });
  });
});
