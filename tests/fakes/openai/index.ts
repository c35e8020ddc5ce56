export { startFakeOpenAI, textReply, streamedTextReply, toolCallsReply, errorReply } from './fake-openai-server.js';
export type {
  ChatCompletionBody,
  FakeOpenAIServer,
  FakeResponder,
  FakeStep,
  FakeToolCall,
  FakeUsage,
  RecordedRequest,
  StreamPacing,
  WireMessage,
} from './fake-openai-server.js';
