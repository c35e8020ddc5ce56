import type { ModelToolCall } from '../llm/index.js';
import type { ToolCallRecord, ToolCallTokens } from '../storage/conversation-store.js';
import type { ToolCallResult, ToolImage } from '../tool-calls/index.js';
import type { ChatLogger } from './caller-context.js';

/** Largest structured result kept with a stored tool call, as JSON text (larger ones keep only their text). */
export const MAX_STORED_TOOL_DATA_BYTES = 64 * 1024;
/** Most image bytes (as base64 text) one turn stores; images past it are left out and logged. */
export const MAX_TURN_IMAGE_CHARACTERS = 4 * 1024 * 1024;

/** What a turn may still store of the images its tool calls return. */
export class TurnImageBudget {
  #left = MAX_TURN_IMAGE_CHARACTERS;

  /** The images that still fit, in order; the budget shrinks by what they take. */
  take(images: readonly ToolImage[]): ToolImage[] {
    const kept: ToolImage[] = [];
    for (const image of images) {
      if (image.data.length > this.#left) continue;
      this.#left -= image.data.length;
      kept.push(image);
    }
    return kept;
  }
}

/** What the model saw of a finished call: the result text and the token counts of the call and that text. */
export interface ShownToolResult {
  readonly content: string;
  readonly tokens: ToolCallTokens;
}

/**
 * A finished tool call as the turn stores it: its provenance, the text the model saw and its token
 * counts, and for the user the structured result (when it is JSON within
 * {@link MAX_STORED_TOOL_DATA_BYTES}) and the images that fit the turn's budget.
 */
export function toolCallRecord(call: ModelToolCall, result: ToolCallResult, shown: ShownToolResult, images: TurnImageBudget, logger: ChatLogger): ToolCallRecord {
  const data = storedData(result.data);
  const returned = result.images ?? [];
  const kept = returned.length > 0 ? images.take(returned) : [];
  if (kept.length < returned.length) {
    logger.warn({ tool: call.name, returned: returned.length, kept: kept.length }, 'tool images over the turn budget were not stored');
  }
  return {
    id: call.id,
    name: call.name,
    ...(result.plugin ? { plugin: result.plugin.name, pluginVersion: result.plugin.version } : {}),
    ...(result.tool !== undefined ? { tool: result.tool } : {}),
    ...(result.schemaFingerprint !== undefined ? { schemaFingerprint: result.schemaFingerprint } : {}),
    arguments: call.arguments,
    result: shown.content,
    outcome: result.outcome,
    durationMs: Math.round(result.durationMs),
    ...(data === undefined ? {} : { data }),
    ...(kept.length > 0 ? { images: kept } : {}),
    tokens: { call: shown.tokens.call, result: shown.tokens.result },
  };
}

function storedData(data: unknown): string | undefined {
  if (data === undefined) return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch {
    return undefined;
  }
  if (json === undefined || Buffer.byteLength(json, 'utf8') > MAX_STORED_TOOL_DATA_BYTES) return undefined;
  return json;
}
