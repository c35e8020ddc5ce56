import { randomBytes } from 'node:crypto';
import { HostError, invalidArgument } from '../../core/src/errors/index.js';
import { Conversation_Role, ExportFormat } from '../../core/src/rpc/generated/chat_pb.js';
import type { ChatServiceImplementation } from '../../core/src/rpc/index.js';

interface StoredMessage {
  id: string;
  role: Conversation_Role;
  content: string;
  createdAt: number;
}

interface StoredConversation {
  id: string;
  title: string;
  createdAt: number;
  updatedAt: number;
  messages: StoredMessage[];
}

/**
 * A small, correct-by-contract chat service held in memory: it follows the validation and error
 * rules of the real one (issue 3) and echoes instead of calling a model. It lets the Go client
 * test prove the wire format independently of the real chat use cases.
 */
export function inMemoryChatService(): ChatServiceImplementation {
  const conversations = new Map<string, StoredConversation>();
  const sessions = new Map<string, string>();
  let clock = Date.UTC(2025, 10, 7, 20, 15, 0);

  const objectId = (): string => randomBytes(12).toString('hex');
  const timestamp = (epochMs: number) => ({ seconds: BigInt(Math.floor(epochMs / 1000)), nanos: (epochMs % 1000) * 1_000_000 });
  const requireMessage = (message: string): void => {
    if (message.trim() === '') throw invalidArgument('message', 'message is required');
  };

  const turn = (conversation: StoredConversation, message: string): string => {
    const reply = `You said: ${message}`;
    clock += 1500;
    conversation.messages.push({ id: objectId(), role: Conversation_Role.USER, content: message, createdAt: clock });
    conversation.messages.push({ id: objectId(), role: Conversation_Role.ASSISTANT, content: reply, createdAt: clock + 1 });
    conversation.updatedAt = clock + 1;
    return reply;
  };

  const open = (message: string): StoredConversation => {
    const conversation: StoredConversation = { id: objectId(), title: message.slice(0, 40), createdAt: clock, updatedAt: clock, messages: [] };
    conversations.set(conversation.id, conversation);
    return conversation;
  };

  const find = (id: string): StoredConversation => {
    const conversation = conversations.get(id);
    if (conversation === undefined) throw new HostError('HOST_CONVERSATION_NOT_FOUND', 'conversation not found');
    return conversation;
  };

  return {
    async startConversation(request) {
      requireMessage(request.message);
      const conversation = open(request.message);
      const metadata = request.sessionMetadata;
      if (metadata && metadata.platform && metadata.userId && metadata.chatId) {
        sessions.set(`${metadata.platform}:${metadata.chatId}:${metadata.userId}`, conversation.id);
      }
      const reply = turn(conversation, request.message);
      return { conversationId: conversation.id, title: conversation.title, reply };
    },

    async continueConversation(request) {
      requireMessage(request.message);
      let conversation: StoredConversation;
      if (request.conversationId !== '') {
        conversation = find(request.conversationId);
      } else {
        const metadata = request.sessionMetadata;
        if (!metadata || !metadata.platform || !metadata.userId || !metadata.chatId) {
          throw invalidArgument('conversation_id or session_metadata', 'conversation_id or session_metadata is required');
        }
        const key = `${metadata.platform}:${metadata.chatId}:${metadata.userId}`;
        const existing = sessions.get(key);
        conversation = existing === undefined ? open(request.message) : find(existing);
        sessions.set(key, conversation.id);
      }
      return { reply: turn(conversation, request.message), conversationId: conversation.id };
    },

    async listConversations(request) {
      const header = (conversation: StoredConversation) => ({ id: conversation.id, title: conversation.title, timestamp: timestamp(conversation.updatedAt) });
      // An empty request (what the original service's clients send) lists everything, newest created first.
      if (request.pageSize === 0 && request.pageToken === '' && request.query === '') {
        return { conversations: [...conversations.values()].sort((left, right) => right.createdAt - left.createdAt).map(header) };
      }
      const pageSize = Math.min(request.pageSize === 0 ? 20 : request.pageSize, 100);
      const query = request.query.toLowerCase();
      const newestFirst = [...conversations.values()]
        .filter((conversation) => query === '' || conversation.title.toLowerCase().includes(query) || conversation.messages.some((message) => message.content.toLowerCase().includes(query)))
        .sort((left, right) => right.updatedAt - left.updatedAt);
      return { conversations: newestFirst.slice(0, pageSize).map(header) };
    },

    async renameConversation(request) {
      if (request.conversationId === '') throw invalidArgument('conversation_id', 'conversation_id is required');
      const conversation = find(request.conversationId);
      const title = request.title.replace(/\s+/g, ' ').trim();
      if (title === '') throw invalidArgument('title', 'title is required');
      conversation.title = title;
      return { conversation: { id: conversation.id, title, timestamp: timestamp(conversation.updatedAt) } };
    },

    async deleteConversation(request) {
      if (request.conversationId === '') throw invalidArgument('conversation_id', 'conversation_id is required');
      find(request.conversationId);
      conversations.delete(request.conversationId);
      for (const [key, id] of sessions) if (id === request.conversationId) sessions.delete(key);
      return {};
    },

    async exportConversation(request) {
      if (request.conversationId === '') throw invalidArgument('conversation_id', 'conversation_id is required');
      const conversation = find(request.conversationId);
      if (request.format === ExportFormat.MARKDOWN) {
        const body = conversation.messages.map((message) => `## ${message.role === Conversation_Role.USER ? 'You' : 'Assistant'}\n\n${message.content}\n`).join('\n');
        return { fileName: `acai-conversation-${conversation.id}.md`, contentType: 'text/markdown; charset=utf-8', content: `# ${conversation.title}\n\n${body}` };
      }
      return { fileName: `acai-conversation-${conversation.id}.json`, contentType: 'application/json', content: JSON.stringify({ id: conversation.id, title: conversation.title }) };
    },

    async regenerateReply(request) {
      if (request.conversationId === '') throw invalidArgument('conversation_id', 'conversation_id is required');
      const conversation = find(request.conversationId);
      const last = conversation.messages.at(-1);
      const question = conversation.messages.at(-2);
      if (last?.id !== request.messageId || last.role !== Conversation_Role.ASSISTANT || question === undefined) {
        throw new HostError('HOST_CONVERSATION_CONFLICT', 'only the last reply can be regenerated', { meta: { argument: 'message_id' } });
      }
      clock += 10;
      const replacement = { id: objectId(), role: Conversation_Role.ASSISTANT, content: `You said, again: ${question.content}`, createdAt: clock };
      conversation.messages[conversation.messages.length - 1] = replacement;
      conversation.updatedAt = clock;
      return { conversationId: conversation.id, messageId: replacement.id, reply: replacement.content };
    },

    async describeConversation(request) {
      if (request.conversationId === '') throw invalidArgument('conversation_id', 'conversation_id is required');
      const conversation = find(request.conversationId);
      return {
        conversation: {
          id: conversation.id,
          title: conversation.title,
          timestamp: timestamp(conversation.updatedAt),
          messages: conversation.messages.map((message) => ({
            id: message.id,
            role: message.role,
            content: message.content,
            timestamp: timestamp(message.createdAt),
          })),
        },
      };
    },
  };
}
