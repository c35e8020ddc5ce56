// Command acai-go-client calls every RPC of acai.chat.ChatService through the clients generated
// by the official protoc-gen-twirp v8.1.3 (JSON and protobuf), the way the original Go CLI did,
// and checks the answers. It proves wire compatibility with Go clients.
//
// Usage: acai-go-client [-api-key KEY] BASE_URL     (e.g. http://127.0.0.1:8080)
//
// The checks hold for any correct chat service (the real one or a test stub): they assert the
// shape of the answers and the documented error codes, not particular replies.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/twitchtv/twirp"

	"acai.dev/goclient/chatpb"
)

type checker struct {
	failures int
}

func (c *checker) check(ok bool, format string, args ...any) {
	status := "PASS"
	if !ok {
		status = "FAIL"
		c.failures++
	}
	fmt.Printf("%s %s\n", status, fmt.Sprintf(format, args...))
}

// bearerTransport adds an API key, for hosts that require one.
type bearerTransport struct {
	apiKey string
	next   http.RoundTripper
}

func (t bearerTransport) RoundTrip(request *http.Request) (*http.Response, error) {
	request = request.Clone(request.Context())
	request.Header.Set("Authorization", "Bearer "+t.apiKey)
	return t.next.RoundTrip(request)
}

func main() {
	apiKey := flag.String("api-key", os.Getenv("ACAI_API_KEY"), "API key sent as Authorization: Bearer (default $ACAI_API_KEY)")
	timeout := flag.Duration("timeout", 60*time.Second, "timeout of each call")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: acai-go-client [-api-key KEY] BASE_URL")
		os.Exit(2)
	}
	baseURL := strings.TrimRight(flag.Arg(0), "/")

	httpClient := &http.Client{Timeout: *timeout}
	if *apiKey != "" {
		httpClient.Transport = bearerTransport{apiKey: *apiKey, next: http.DefaultTransport}
	}

	c := &checker{}
	run(c, "json", chatpb.NewChatServiceJSONClient(baseURL, httpClient), *timeout)
	run(c, "protobuf", chatpb.NewChatServiceProtobufClient(baseURL, httpClient), *timeout)

	if c.failures > 0 {
		fmt.Printf("FAILED: %d check(s)\n", c.failures)
		os.Exit(1)
	}
	fmt.Println("OK: all checks passed")
}

func run(c *checker, kind string, client chatpb.ChatService, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*timeout)
	defer cancel()
	label := func(rpc string) string { return kind + " " + rpc }

	firstMessage := fmt.Sprintf("Hello from the Go %s client, %d", kind, time.Now().UnixNano())
	started, err := client.StartConversation(ctx, &chatpb.StartConversationRequest{Message: firstMessage})
	c.check(err == nil, "%s: no error (%v)", label("StartConversation"), err)
	if err != nil {
		return
	}
	id := started.GetConversationId()
	c.check(id != "", "%s: conversation_id is set (%q)", label("StartConversation"), id)
	c.check(started.GetTitle() != "", "%s: title is set (%q)", label("StartConversation"), started.GetTitle())
	c.check(started.GetReply() != "", "%s: reply is set", label("StartConversation"))

	continued, err := client.ContinueConversation(ctx, &chatpb.ContinueConversationRequest{ConversationId: id, Message: "And a second message"})
	c.check(err == nil, "%s by id: no error (%v)", label("ContinueConversation"), err)
	if err == nil {
		c.check(continued.GetReply() != "", "%s by id: reply is set", label("ContinueConversation"))
		c.check(continued.GetConversationId() == "" || continued.GetConversationId() == id,
			"%s by id: conversation_id, when set, is the one asked for (%q)", label("ContinueConversation"), continued.GetConversationId())
	}

	session := &chatpb.SessionMetadata{Platform: "api", UserId: "go-user-" + kind, ChatId: fmt.Sprintf("go-chat-%d", time.Now().UnixNano())}
	bySession, err := client.ContinueConversation(ctx, &chatpb.ContinueConversationRequest{Message: "Hello by session", SessionMetadata: session})
	c.check(err == nil, "%s by session: no error (%v)", label("ContinueConversation"), err)
	if err == nil {
		c.check(bySession.GetReply() != "", "%s by session: reply is set", label("ContinueConversation"))
		c.check(bySession.GetConversationId() != "" && bySession.GetConversationId() != id,
			"%s by session: a new conversation for a new session (%q)", label("ContinueConversation"), bySession.GetConversationId())
		again, err := client.ContinueConversation(ctx, &chatpb.ContinueConversationRequest{Message: "Same session again", SessionMetadata: session})
		c.check(err == nil && again.GetConversationId() == bySession.GetConversationId(),
			"%s by session: the same session reaches the same conversation (%v)", label("ContinueConversation"), err)
	}

	listed, err := client.ListConversations(ctx, &chatpb.ListConversationsRequest{PageSize: 100})
	c.check(err == nil, "%s: no error (%v)", label("ListConversations"), err)
	if err == nil {
		var found *chatpb.Conversation
		for _, conversation := range listed.GetConversations() {
			if conversation.GetId() == id {
				found = conversation
			}
		}
		c.check(found != nil, "%s: includes the new conversation", label("ListConversations"))
		if found != nil {
			c.check(found.GetTitle() != "", "%s: title is set", label("ListConversations"))
			c.check(found.GetTimestamp().IsValid() && found.GetTimestamp().AsTime().After(time.Unix(0, 0)),
				"%s: timestamp is set (%v)", label("ListConversations"), found.GetTimestamp().AsTime())
			c.check(len(found.GetMessages()) == 0, "%s: messages are not listed", label("ListConversations"))
		}
	}

	described, err := client.DescribeConversation(ctx, &chatpb.DescribeConversationRequest{ConversationId: id})
	c.check(err == nil, "%s: no error (%v)", label("DescribeConversation"), err)
	if err == nil {
		conversation := described.GetConversation()
		c.check(conversation.GetId() == id, "%s: the conversation asked for", label("DescribeConversation"))
		messages := conversation.GetMessages()
		c.check(len(messages) >= 4, "%s: two turns stored (%d messages)", label("DescribeConversation"), len(messages))
		if len(messages) >= 4 {
			c.check(messages[0].GetRole() == chatpb.Conversation_USER && messages[0].GetContent() == firstMessage,
				"%s: first message is the user's, verbatim", label("DescribeConversation"))
			c.check(messages[1].GetRole() == chatpb.Conversation_ASSISTANT && messages[1].GetContent() == started.GetReply(),
				"%s: second message is the assistant's reply", label("DescribeConversation"))
			c.check(messages[2].GetRole() == chatpb.Conversation_USER && messages[3].GetRole() == chatpb.Conversation_ASSISTANT,
				"%s: roles alternate USER, ASSISTANT", label("DescribeConversation"))
			allStamped := true
			for _, message := range messages {
				allStamped = allStamped && message.GetId() != "" && message.GetTimestamp().IsValid()
			}
			c.check(allStamped, "%s: every message has an id and a timestamp", label("DescribeConversation"))
		}
	}

	_, err = client.ContinueConversation(ctx, &chatpb.ContinueConversationRequest{ConversationId: id, Message: "   "})
	checkTwirpError(c, label("ContinueConversation with a blank message"), err, twirp.InvalidArgument, "message")

	_, err = client.DescribeConversation(ctx, &chatpb.DescribeConversationRequest{})
	checkTwirpError(c, label("DescribeConversation without an id"), err, twirp.InvalidArgument, "conversation_id")

	_, err = client.DescribeConversation(ctx, &chatpb.DescribeConversationRequest{ConversationId: "0123456789abcdef01234567"})
	checkTwirpError(c, label("DescribeConversation of an unknown id"), err, twirp.NotFound, "")

	runLifecycle(ctx, c, kind, client)
}

func checkTwirpError(c *checker, label string, err error, code twirp.ErrorCode, argument string) {
	var twerr twirp.Error
	if !errors.As(err, &twerr) {
		c.check(false, "%s: a Twirp error (got %v)", label, err)
		return
	}
	c.check(twerr.Code() == code, "%s: code %s (got %s: %s)", label, code, twerr.Code(), twerr.Msg())
	if argument != "" {
		c.check(twerr.Meta("argument") == argument, "%s: meta.argument %q (got %q)", label, argument, twerr.Meta("argument"))
	}
	c.check(twerr.Meta("http_error_from_intermediary") == "", "%s: the body is a Twirp error, not an intermediary's", label)
}
