import type { PluginDefinition, PluginSetupContext, ToolContext, ToolDefinition, ToolHttpClient, ToolLogger, ToolOutput } from '@acai/plugin-sdk';
import { checkPluginDefinition } from '@acai/plugin-sdk/host';
import type { Logger } from 'pino';
import type { IsolationMode } from '../config/isolation-modes.js';
import type {
  PluginRuntime,
  PluginRuntimeOptions,
  PluginRuntimeServices,
  RuntimeCallContext,
  RuntimePluginInfo,
} from './plugin-runtime.js';

/**
 * Runs a plugin in the host's event loop: trusted (first-party) code only, since a busy loop here
 * blocks the host. The per-call context is built lazily so a call that never touches the logger,
 * signal or HTTP client costs a few property writes.
 */
export class InlinePluginRuntime implements PluginRuntime {
  readonly mode: IsolationMode = 'inline';
  readonly #options: PluginRuntimeOptions;
  #plugin: PluginDefinition | undefined;
  #tools = new Map<string, ToolDefinition>();
  #config: Readonly<Record<string, unknown>> = Object.freeze({});

  constructor(options: PluginRuntimeOptions) {
    this.#options = options;
  }

  async load(): Promise<RuntimePluginInfo> {
    const module = (await import(this.#options.entryUrl)) as { default?: unknown };
    const plugin = checkPluginDefinition(module.default, this.#options.entryUrl);
    this.#plugin = plugin;
    this.#tools = new Map(plugin.tools.map((tool) => [tool.name, tool]));
    return {
      name: plugin.name,
      description: plugin.description,
      configSchema: plugin.configSchema,
      tools: plugin.tools.map((tool) => ({
        name: tool.name,
        description: tool.description,
        parameters: tool.parameters,
        idempotent: tool.idempotent === true,
      })),
    };
  }

  async setup(config: Readonly<Record<string, unknown>>, signal: AbortSignal): Promise<void> {
    this.#config = config;
    const plugin = this.#loaded();
    if (plugin.setup === undefined) return;
    const services = this.#options.services;
    const context: PluginSetupContext = {
      config,
      logger: services.logger.child({ phase: 'setup' }) as ToolLogger,
      cache: services.cache,
      http: services.createHttpClient(signal),
      clock: services.clock,
      plugin: services.plugin,
      signal,
    };
    await plugin.setup(context);
  }

  // Not `async`: a synchronous tool then costs one resolved promise instead of an async frame.
  execute(toolName: string, args: unknown, context: RuntimeCallContext): Promise<ToolOutput> {
    const tool = this.#tools.get(toolName);
    if (tool === undefined) return Promise.reject(new Error(`plugin ${this.#options.services.plugin.name} has no tool "${toolName}"`));
    try {
      const output = tool.execute(args as never, new InlineToolContext(this.#options.services, this.#config, toolName, context));
      return output instanceof Promise ? output : Promise.resolve(output);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async dispose(): Promise<void> {
    await this.#plugin?.dispose?.();
  }

  #loaded(): PluginDefinition {
    if (this.#plugin === undefined) throw new Error('InlinePluginRuntime.load() must run first');
    return this.#plugin;
  }
}

/** The ToolContext of one inline call; logger and HTTP client are created on first use. */
class InlineToolContext implements ToolContext {
  readonly config: Readonly<Record<string, unknown>>;
  readonly callId: string;
  readonly #services: PluginRuntimeServices;
  readonly #toolName: string;
  readonly #call: RuntimeCallContext;
  #childLogger: Logger | undefined;
  #httpClient: ToolHttpClient | undefined;

  constructor(services: PluginRuntimeServices, config: Readonly<Record<string, unknown>>, toolName: string, call: RuntimeCallContext) {
    this.#services = services;
    this.config = config;
    this.#toolName = toolName;
    this.#call = call;
    this.callId = call.callId;
  }

  get signal(): AbortSignal {
    return this.#call.signal;
  }

  get logger(): ToolLogger {
    return (this.#childLogger ??= this.#services.logger.child({ tool: this.#toolName, callId: this.callId })) as ToolLogger;
  }

  get http(): ToolHttpClient {
    return (this.#httpClient ??= this.#services.createHttpClient(this.#call.signal, this.#call.traceparent));
  }

  get cache() {
    return this.#services.cache;
  }

  get clock() {
    return this.#services.clock;
  }

  get plugin() {
    return this.#services.plugin;
  }
}
