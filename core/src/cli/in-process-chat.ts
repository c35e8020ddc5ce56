import type { Logger } from 'pino';
import type { AcaiApp } from '../app.js';
import type { ChatApi } from '../client/index.js';
import type { CliIo } from './cli-io.js';
import { configErrorToCli } from './plugins-config-file.js';

/** The host's chat service built in this process (no server), and the app around it. */
export interface InProcessChat {
  readonly chat: ChatApi;
  readonly app: AcaiApp;
  /** "chat service in this process, embedded store", for messages. */
  readonly description: string;
  close(): Promise<void>;
}

/**
 * Builds the app from the same environment as `acai serve` (model, store, plugins.config.json) without
 * listening, and a chat client that calls its chat service directly as `tenant`. Log lines go to stderr.
 */
export async function startInProcessChat(io: CliIo, tenant: string | undefined, logger: Logger): Promise<InProcessChat> {
  const [{ buildApp }, { loadHostConfig }, { createInProcessChatApi }] = await Promise.all([import('../app.js'), import('../config/env-config.js'), import('../client/index.js')]);
  let app: AcaiApp;
  try {
    const config = loadHostConfig(io.env, io.cwd);
    app = await buildApp(config, { env: io.env, logDestination: { write: (line: string) => void io.stderr.write(line) } });
  } catch (error) {
    throw configErrorToCli(error);
  }
  return {
    chat: createInProcessChatApi(app.chat, { tenantId: tenant ?? 'default', logger, deadlineMs: app.config.server.requestDeadlineMs }),
    app,
    description: `chat service in this process, ${app.store.kind} store`,
    close: () => app.close(),
  };
}
