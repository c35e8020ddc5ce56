package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/twitchtv/twirp"

	"acai.dev/goclient/chatpb"
)

// runLifecycle checks what the original service's clients and newer Go clients do with conversations
// besides chatting: the empty ListConversations the old CLI sends (every conversation, newest created
// first), and the RPCs added later (rename, export, regenerate, delete).
func runLifecycle(ctx context.Context, c *checker, kind string, client chatpb.ChatService) {
	label := func(rpc string) string { return kind + " " + rpc }

	older, err := client.StartConversation(ctx, &chatpb.StartConversationRequest{Message: "Lifecycle, the older one (" + kind + ")"})
	c.check(err == nil, "%s: no error (%v)", label("StartConversation for the lifecycle checks"), err)
	if err != nil {
		return
	}
	newer, err := client.StartConversation(ctx, &chatpb.StartConversationRequest{Message: "Lifecycle, the newer one (" + kind + ")"})
	c.check(err == nil, "%s: no error (%v)", label("StartConversation for the lifecycle checks"), err)
	if err != nil {
		return
	}
	// A later turn in the older conversation: by last update it is first, by creation it stays behind.
	_, err = client.ContinueConversation(ctx, &chatpb.ContinueConversationRequest{ConversationId: older.GetConversationId(), Message: "still here"})
	c.check(err == nil, "%s: no error (%v)", label("ContinueConversation for the lifecycle checks"), err)

	// The old CLI's call: an empty request, next_page_token ignored.
	all, err := client.ListConversations(ctx, &chatpb.ListConversationsRequest{})
	c.check(err == nil, "%s empty request: no error (%v)", label("ListConversations"), err)
	if err == nil {
		positions := map[string]int{}
		for index, conversation := range all.GetConversations() {
			positions[conversation.GetId()] = index
		}
		olderAt, hasOlder := positions[older.GetConversationId()]
		newerAt, hasNewer := positions[newer.GetConversationId()]
		c.check(hasOlder && hasNewer, "%s empty request: lists every conversation (%d listed)", label("ListConversations"), len(all.GetConversations()))
		c.check(hasOlder && hasNewer && newerAt < olderAt, "%s empty request: newest created first (newer at %d, older at %d)", label("ListConversations"), newerAt, olderAt)
	}

	renamed, err := client.RenameConversation(ctx, &chatpb.RenameConversationRequest{ConversationId: newer.GetConversationId(), Title: "  Renamed   by Go  "})
	c.check(err == nil && renamed.GetConversation().GetTitle() == "Renamed by Go", "%s: the title is set, whitespace collapsed (%v)", label("RenameConversation"), err)

	exported, err := client.ExportConversation(ctx, &chatpb.ExportConversationRequest{ConversationId: newer.GetConversationId(), Format: chatpb.ExportFormat_EXPORT_FORMAT_MARKDOWN})
	c.check(err == nil && strings.Contains(exported.GetContent(), "Renamed by Go") && strings.HasSuffix(exported.GetFileName(), ".md"),
		"%s markdown: the renamed conversation as a .md file (%v)", label("ExportConversation"), err)

	described, err := client.DescribeConversation(ctx, &chatpb.DescribeConversationRequest{ConversationId: older.GetConversationId()})
	if err == nil {
		messages := described.GetConversation().GetMessages()
		last := messages[len(messages)-1]
		regenerated, err := client.RegenerateReply(ctx, &chatpb.RegenerateReplyRequest{ConversationId: older.GetConversationId(), MessageId: last.GetId()})
		c.check(err == nil && regenerated.GetReply() != "" && regenerated.GetMessageId() != last.GetId(),
			"%s: a new reply with a new id (%v)", label("RegenerateReply"), err)
		_, err = client.RegenerateReply(ctx, &chatpb.RegenerateReplyRequest{ConversationId: older.GetConversationId(), MessageId: last.GetId()})
		checkTwirpError(c, label("RegenerateReply of a reply that was replaced"), err, twirp.Aborted, "message_id")
	}

	_, err = client.DeleteConversation(ctx, &chatpb.DeleteConversationRequest{ConversationId: newer.GetConversationId()})
	c.check(err == nil, "%s: no error (%v)", label("DeleteConversation"), err)
	_, err = client.DescribeConversation(ctx, &chatpb.DescribeConversationRequest{ConversationId: newer.GetConversationId()})
	checkTwirpError(c, label("DescribeConversation after DeleteConversation"), err, twirp.NotFound, "")
	_, err = client.DeleteConversation(ctx, &chatpb.DeleteConversationRequest{ConversationId: newer.GetConversationId()})
	checkTwirpError(c, label("DeleteConversation repeated"), err, twirp.NotFound, "")
	fmt.Printf("(%s lifecycle checks done)\n", kind)
}
