export { startFakeOpenAI, textReply, toolCallsReply, errorReply } from './fake-openai-server.js';
export type {
  ChatCompletionBody,
  FakeOpenAIServer,
  FakeResponder,
  FakeStep,
  FakeToolCall,
  FakeUsage,
  RecordedRequest,
  WireMessage,
} from './fake-openai-server.js';
