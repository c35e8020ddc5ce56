import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from './create-logger.js';
import { redactUrl } from './redact-url.js';
import { SecretRegistry } from './secret-registry.js';
import { startTracing, type Tracing } from './start-tracing.js';

function capture() {
  const lines: string[] = [];
  return {
    lines,
    destination: { write: (line: string) => void lines.push(line) },
    text: () => lines.join(''),
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('redactUrl', () => {
  it('hides connection-string passwords but keeps user and host', () => {
    expect(redactUrl('connecting to mongodb://acai:hunter22@db.internal:27017/acai?authSource=admin')).toBe(
      'connecting to mongodb://acai:***@db.internal:27017/acai?authSource=admin',
    );
    expect(redactUrl('redis://:s3cretpw@cache:6379 and rediss://u:p@x')).toBe('redis://:***@cache:6379 and rediss://u:***@x');
    expect(redactUrl('https://example.com/a?api_key=abc123&q=1')).toBe('https://example.com/a?api_key=***&q=1');
    expect(redactUrl('mongodb://db:27017')).toBe('mongodb://db:27017');
  });

  it('hides secret query parameters without a scheme too, and leaves lines with neither pattern as they are', () => {
    expect(redactUrl('{"url":"/twirp/x?token=t0ps3cret&page=2"}')).toBe('{"url":"/twirp/x?token=***&page=2"}');
    expect(redactUrl('{"url":"/v1?client_secret=zz"} then ftp://me:pw@files')).toBe('{"url":"/v1?client_secret=***"} then ftp://me:***@files');
    const plain = '{"level":"info","req":{"method":"POST","url":"/twirp/acai.chat.v1.ChatService/ContinueConversation"},"msg":"request completed"}';
    expect(redactUrl(plain)).toBe(plain);
  });
});

describe('createLogger', () => {
  it('never writes a registered secret, wherever it appears', () => {
    const out = capture();
    const secrets = new SecretRegistry();
    const logger = createLogger({ level: 'info', logContent: false, secrets, destination: out.destination });
    const planted = 'acai_PLANTEDsecretVALUE0123456789abcdef';
    secrets.register(planted);
    logger.info(`message mentions ${planted}`);
    logger.info({ detail: { nested: [`x ${planted} y`] } }, 'nested');
    logger.error({ err: new Error(`upstream said ${planted}`) }, 'failed');
    logger.child({ binding: planted }).warn('child');
    expect(out.lines).toHaveLength(4);
    expect(out.text()).not.toContain(planted);
    expect(out.text()).toContain('[REDACTED]');
  });

  it('redacts secret-named fields and headers at any depth', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', logContent: false, destination: out.destination });
    logger.info(
      {
        headers: { authorization: 'Bearer zzz-visible-1', 'x-api-key': 'zzz-visible-2', accept: 'application/json' },
        config: { weather: { apiKey: 'zzz-visible-3', api_key: 'zzz-visible-4' }, password: 'zzz-visible-5', botToken: 'zzz-visible-6' },
        list: [{ secret: 'zzz-visible-7' }],
        usage: { inputTokens: 12 },
      },
      'config loaded',
    );
    const text = out.text();
    expect(text).not.toMatch(/zzz-visible/);
    const [record] = out.records();
    expect(record).toMatchObject({ headers: { accept: 'application/json', authorization: '[REDACTED]' }, usage: { inputTokens: 12 } });
  });

  it('redacts connection-string passwords in messages and fields', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', logContent: false, destination: out.destination });
    logger.info({ mongodb: 'mongodb://acai:pl4nted-pw@db:27017' }, 'store at mongodb://acai:pl4nted-pw@db:27017');
    expect(out.text()).not.toContain('pl4nted-pw');
    expect(out.text()).toContain('mongodb://acai:***@db:27017');
  });

  it('omits message content unless the operator opted in', () => {
    const hidden = capture();
    createLogger({ level: 'info', logContent: false, destination: hidden.destination }).info({ content: 'my diagnosis is private', messageCount: 3 }, 'turn');
    expect(hidden.text()).not.toContain('diagnosis');
    expect(hidden.records()[0]).toMatchObject({ content: '[content omitted: 23 chars]', messageCount: 3 });

    const shown = capture();
    createLogger({ level: 'info', logContent: true, destination: shown.destination }).info({ content: 'my diagnosis is private' }, 'turn');
    expect(shown.records()[0]).toMatchObject({ content: 'my diagnosis is private' });
  });

  describe('trace correlation', () => {
    let tracing: Tracing;
    beforeAll(() => {
      tracing = startTracing({ serviceName: 'test', env: {}, spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] });
    });
    afterAll(() => tracing.shutdown());

    it('adds trace_id and span_id of the active span', () => {
      const out = capture();
      const logger = createLogger({ level: 'info', logContent: false, destination: out.destination });
      const span = trace.getTracer('test').startSpan('work');
      context.with(trace.setSpan(context.active(), span), () => logger.info('inside'));
      span.end();
      logger.info('outside');
      const [inside, outside] = out.records();
      expect(inside).toMatchObject({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
      expect(outside).not.toHaveProperty('trace_id');
    });
  });

  it('serves as the Fastify logger with request ids and never logs an Authorization header', async () => {
    const out = capture();
    const logger = createLogger({ level: 'info', logContent: false, destination: out.destination });
    const app = Fastify({ loggerInstance: logger });
    app.get('/echo', async (request) => {
      request.log.info({ headers: request.headers }, 'headers seen');
      return { ok: true };
    });
    await app.inject({ method: 'GET', url: '/echo', headers: { authorization: 'Bearer acai_headerSECRETvalue123' } });
    await app.close();
    expect(out.text()).not.toContain('acai_headerSECRETvalue123');
    expect(out.records().some((record) => typeof record.reqId === 'string')).toBe(true);
  });
});
