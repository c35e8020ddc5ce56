import { HostError, invalidArgument } from '../errors/index.js';
import type { Conversation, ConversationPage } from '../storage/conversation-store.js';
import { decodePageToken } from '../storage/page-token.js';
import type { CallerContext } from './caller-context.js';
import type { ChatStepDeps } from './chat-deps.js';
import type { ListConversationsInput } from './chat-use-cases.js';
import { requireConversationId } from './conversation-id.js';
import { validateSearchQuery } from './validate-chat-input.js';

/** One of the caller's conversations; another tenant's id is not found, exactly like an unknown one. */
export async function loadConversation(
  deps: Pick<ChatStepDeps, 'store'>,
  caller: CallerContext,
  conversationId: string,
  recentMessages?: number,
): Promise<Conversation> {
  const conversation = await deps.store.get(caller.tenantId, conversationId, recentMessages === undefined ? undefined : { recentMessages });
  if (!conversation) throw new HostError('HOST_CONVERSATION_NOT_FOUND', 'conversation not found');
  return conversation;
}

/**
 * ListConversations. With a query: the matching conversations, paged newest updated first. With
 * nothing at all (no page size, no token — what old clients send): every conversation newest created
 * first, up to `listAllLimit`, as the old service listed them; its token continues that listing.
 * Otherwise: pages newest updated first, the page size defaulted and capped.
 */
export async function listConversations(
  deps: Pick<ChatStepDeps, 'store' | 'options'>,
  caller: CallerContext,
  input: ListConversationsInput,
): Promise<ConversationPage> {
  const requested = input.pageSize ?? 0;
  if (!Number.isInteger(requested) || requested < 0) throw invalidArgument('page_size', 'page_size must be a positive whole number');
  const pageToken = input.pageToken ?? '';
  const query = validateSearchQuery(input.query ?? '');
  const token = pageToken === '' ? {} : { pageToken };
  const pagedSize = requested === 0 ? deps.options.defaultPageSize : Math.min(requested, deps.options.maxPageSize);
  if (query !== '') return deps.store.search(caller.tenantId, { query, pageSize: pagedSize, ...token });
  const continuesListAll = pageToken !== '' && decodePageToken(caller.tenantId, pageToken).order === 'created';
  if (requested === 0 && (pageToken === '' || continuesListAll)) {
    return deps.store.list(caller.tenantId, { pageSize: deps.options.listAllLimit, order: 'created', ...token });
  }
  return deps.store.list(caller.tenantId, { pageSize: pagedSize, ...token });
}

/** DescribeConversation: the whole conversation. */
export async function describeConversation(
  deps: Pick<ChatStepDeps, 'store'>,
  caller: CallerContext,
  input: { readonly conversationId: string },
): Promise<Conversation> {
  return loadConversation(deps, caller, requireConversationId(input.conversationId));
}
