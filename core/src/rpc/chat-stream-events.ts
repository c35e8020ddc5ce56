// The events of ContinueChatStream as they appear on the wire (one JSON line per SSE `data:`), field
// names snake_case like the Twirp JSON API. Clients import these types from core/src/client.

/** One tool call in `message.tool_calls`: ToolCall JSON exactly as in ContinueConversationResponse (defaults omitted). */
export interface ToolCallJson {
  id?: string;
  name?: string;
  plugin?: string;
  plugin_version?: string;
  arguments?: string;
  outcome?: string;
  duration_ms?: number;
  schema_fingerprint?: string;
  /** The tool result as the model saw it. */
  result?: string;
}

/** The payload of each event, by event name. */
export interface ChatStreamEventData {
  /** Always first. A new conversation is stored only if the turn completes. */
  conversation: { conversation_id: string; is_new: boolean };
  /** Reply text as the model generates it. */
  delta: { text: string };
  tool_call_started: { id: string; name: string; plugin: string; plugin_version: string; arguments: string };
  tool_call_finished: {
    id: string;
    name: string;
    plugin: string;
    plugin_version: string;
    outcome: string;
    result: string;
    duration_ms: number;
  };
  /** Terminal on success: the stored reply. `title` only for new conversations. */
  message: { conversation_id: string; message_id: string; reply: string; title?: string; tool_calls: ToolCallJson[] };
  /** Terminal on failure: a Twirp error; nothing of the turn was stored. */
  error: { code: string; msg: string; meta: Record<string, string> };
}

/** The name of a ContinueChatStream event. */
export type ChatStreamEventName = keyof ChatStreamEventData;

/** One event as a client receives it. */
export type ChatStreamEvent = { [Name in ChatStreamEventName]: { readonly event: Name; readonly data: ChatStreamEventData[Name] } }[ChatStreamEventName];

/** The events of a turn that went well: every event but the terminal `error`. */
export type ChatTurnEventName = Exclude<ChatStreamEventName, 'error'>;

/** One such event, as a client yields it (a terminal `error` is thrown instead). */
export type ChatTurnEventJson = Exclude<ChatStreamEvent, { readonly event: 'error' }>;
