import type OpenAI from 'openai';
import type { ModelTool, StrictToolsSetting } from './model-types.js';

type WireTool = OpenAI.Chat.Completions.ChatCompletionTool;

/** OpenAI's own API: the endpoint `auto` offers strict schemas to. */
const OPENAI_API_HOST = 'api.openai.com';

/**
 * Whether an endpoint is offered tools in strict form: `on`/`off` as set; `auto` only for OpenAI's own API
 * (no base URL, or one on api.openai.com). Other OpenAI-compatible servers (Ollama, vLLM, llama.cpp, …)
 * mostly ignore `strict`, and a model that does not know it is bound by it reads "required but nullable"
 * as "required", so they get each schema's own meaning instead.
 */
export function usesStrictTools(setting: StrictToolsSetting, baseURL: string | undefined): boolean {
  if (setting !== 'auto') return setting === 'on';
  if (baseURL === undefined) return true;
  try {
    return new URL(baseURL).hostname.toLowerCase() === OPENAI_API_HOST;
  } catch {
    return false;
  }
}

/** Turns the offered tools into the request's `tools`, in the form one endpoint is offered them. */
export type WireToolsOf = (tools: readonly ModelTool[]) => WireTool[];

/**
 * The tools as an endpoint is offered them: as they are when it uses strict mode; otherwise each strict
 * tool with its loose parameters and without the `strict` flag. The arguments are validated the same way
 * either way, so only what the model reads differs. Cached per tool list (the plugin host hands out one
 * frozen list until the tools change), so a turn allocates nothing here.
 */
export function createWireTools(isStrict: boolean): WireToolsOf {
  const cache = new WeakMap<readonly ModelTool[], WireTool[]>();
  return (tools) => {
    let wire = cache.get(tools);
    if (wire === undefined) {
      wire = tools.map((tool) => toWireTool(tool, isStrict));
      cache.set(tools, wire);
    }
    return wire;
  };
}

function toWireTool(tool: ModelTool, isStrict: boolean): WireTool {
  const { name, description, parameters, strict } = tool.function;
  const offered = isStrict || strict !== true ? parameters : (tool.looseParameters ?? parameters);
  return {
    type: 'function',
    function: {
      name,
      description,
      parameters: offered as OpenAI.FunctionParameters,
      ...(strict === true && isStrict ? { strict: true } : {}),
    },
  };
}
