import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolError, type JsonSchema } from '@acai/plugin-sdk';
import {
  checkToolArguments,
  createSchemaCompiler,
  formatToolFailure,
  parseToolArguments,
  schemaFingerprint,
  type PreparedTool,
} from '@acai/plugin-sdk/host';
import { pino } from 'pino';
import type { CallerContext, SessionDirectory, ToolCallResult, ToolExecutor } from '../../core/src/chat/index.js';
import type { ModelTool } from '../../core/src/llm/index.js';
import { EmbeddedConversationStore } from '../../core/src/storage/index.js';

// Shared set-up for the chat suites: a real embedded store in a temporary folder, and a small tool
// executor built from the SDK's own call-path steps (parse → Ajv validate → execute → structured
// failure), used until the suites switch to the full plugin host.

/** A tool for {@link createFixtureTools}. */
export interface FixtureTool {
  readonly name: string;
  readonly description: string;
  readonly parameters: JsonSchema;
  execute(args: Record<string, unknown>, signal: AbortSignal): Promise<string> | string;
}

/** Fixture executor plus what it was asked to do. */
export interface FixtureTools extends ToolExecutor {
  readonly calls: { name: string; arguments: string }[];
}

const OUTCOME_BY_CODE: Record<string, ToolCallResult['outcome']> = {
  INVALID_INPUT: 'invalid_input',
  TIMEOUT: 'timeout',
  UPSTREAM_UNAVAILABLE: 'unavailable',
};

/** Tools exposed under `fixtures__<name>` with the plugin identity `fixtures@1.0.0`. */
export function createFixtureTools(tools: readonly FixtureTool[]): FixtureTools {
  const compiler = createSchemaCompiler();
  const prepared = new Map<string, { tool: FixtureTool; prepared: PreparedTool }>();
  const modelTools: ModelTool[] = [];
  for (const tool of tools) {
    const exposedName = `fixtures__${tool.name}`;
    prepared.set(exposedName, {
      tool,
      prepared: {
        name: tool.name,
        description: tool.description,
        parameters: tool.parameters,
        idempotent: true,
        validate: compiler.compile(tool.parameters as object),
        fingerprint: schemaFingerprint(tool.parameters),
      },
    });
    modelTools.push({
      type: 'function',
      function: { name: exposedName, description: tool.description, parameters: tool.parameters as Record<string, unknown>, strict: true },
    });
  }
  const calls: { name: string; arguments: string }[] = [];
  return {
    calls,
    listModelTools: () => modelTools,
    async callTool(exposedName, rawArguments, options) {
      calls.push({ name: exposedName, arguments: rawArguments });
      const startedAt = performance.now();
      const entry = prepared.get(exposedName);
      const base = { exposedName, durationMs: 0 };
      if (!entry) {
        return { ...base, outcome: 'unknown_tool', content: formatToolFailure({ code: 'NOT_FOUND', message: `unknown tool: ${exposedName}` }) };
      }
      const identity = {
        ...base,
        plugin: { name: 'fixtures', version: '1.0.0' },
        tool: entry.tool.name,
        schemaFingerprint: entry.prepared.fingerprint,
      };
      const parsed = parseToolArguments(exposedName, rawArguments);
      const failure = parsed.ok ? checkToolArguments(entry.prepared, parsed.value) : parsed.failure;
      if (failure) return { ...identity, outcome: 'invalid_input', content: formatToolFailure(failure), error: failure };
      try {
        const content = await entry.tool.execute((parsed as { value: Record<string, unknown> }).value, options.signal);
        return { ...identity, outcome: 'ok', content, durationMs: performance.now() - startedAt };
      } catch (error) {
        const code = ToolError.isInstance(error) ? error.code : 'INTERNAL';
        const message = error instanceof Error ? error.message : String(error);
        return {
          ...identity,
          outcome: OUTCOME_BY_CODE[code] ?? 'error',
          content: formatToolFailure({ code, message }),
          error: { code, message },
          durationMs: performance.now() - startedAt,
        };
      }
    },
  };
}

/**
 * A session directory for suites that must not touch sessions (they are exercised against real Redis
 * in chat-sessions.test.ts): every call fails loudly.
 */
export const noSessions: SessionDirectory = {
  resolve: () => Promise.reject(new Error('sessions are not part of this suite')),
  resolveOrCreate: () => Promise.reject(new Error('sessions are not part of this suite')),
  bind: () => Promise.reject(new Error('sessions are not part of this suite')),
};

/** A real embedded (SQLite) store in a fresh temporary folder. */
export async function createTemporaryStore(): Promise<{ store: EmbeddedConversationStore; cleanup: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'acai-chat-'));
  const store = new EmbeddedConversationStore({ dataDir, logger: pino({ level: 'silent' }) });
  await store.init();
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A caller in `tenantId` with a deadline `deadlineMs` from now. */
export function callerFor(tenantId = 'default', deadlineMs = 15_000, signal: AbortSignal = new AbortController().signal): CallerContext {
  return { tenantId, signal, deadline: Date.now() + deadlineMs, logger: pino({ level: 'silent' }) };
}
