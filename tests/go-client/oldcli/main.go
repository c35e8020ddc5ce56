// Command acai-cli is the old Go service's command-line client as its users knew it, rebuilt from the
// behaviour recorded in our notes on that service (its commands, prompts, output formats and exit codes)
// so the interop suite can drive Acai exactly as that CLI did: a Twirp JSON client at API_URL with
// http.DefaultClient, no API key (Acai admits it from a trusted network), no paging, no streaming.
//
//	acai-cli ask [conversation_id]   chat on stdin; with an id, the conversation is printed first
//	acai-cli list                    every conversation: "<id>   <title>"
//	acai-cli show <conversation_id>  one conversation with its messages
//
// Its quirks are kept on purpose, so the suite sees what its users saw: no command exits 255 after the
// usage, an unknown command prints nothing and exits 0, end of input ends `ask` with exit status 1.
package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"acai.dev/goclient/chatpb"
)

func usage() {
	fmt.Println("Usage: acai-cli [command] [options]")
	fmt.Println("Commands:")
	fmt.Println("  ask        Create a new conversation with assistant or continue an existing one")
	fmt.Println("  list       List existing conversations")
	fmt.Println("  show       Show conversation by ID")
}

// fail prints the message and ends the program with status 1, as every failed call did.
func fail(format string, args ...any) {
	fmt.Printf(format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) < 2 {
		fmt.Println("Error: No command provided")
		fmt.Println()
		usage()
		os.Exit(-1)
	}
	baseURL := "http://localhost:8080"
	if fromEnv := os.Getenv("API_URL"); fromEnv != "" {
		baseURL = fromEnv
	}
	client := chatpb.NewChatServiceJSONClient(baseURL, http.DefaultClient)
	ctx := context.Background()

	switch os.Args[1] {
	case "ask":
		ask(ctx, client, os.Args[2:])
	case "list":
		list(ctx, client)
	case "show":
		if len(os.Args) < 3 {
			fail("Error: Conversation ID is required")
		}
		printConversation(ctx, client, os.Args[2])
	}
}

func list(ctx context.Context, client chatpb.ChatService) {
	// The old request message had no fields: an empty request is what this client always sent.
	answer, err := client.ListConversations(ctx, &chatpb.ListConversationsRequest{})
	if err != nil {
		fail("Error listing conversations: %v", err)
	}
	if len(answer.GetConversations()) == 0 {
		fmt.Println("No conversations found.")
		return
	}
	fmt.Println("ID                         TITLE")
	for _, conversation := range answer.GetConversations() {
		fmt.Printf("%s   %s\n", conversation.GetId(), conversation.GetTitle())
	}
}

func printConversation(ctx context.Context, client chatpb.ChatService, id string) {
	answer, err := client.DescribeConversation(ctx, &chatpb.DescribeConversationRequest{ConversationId: id})
	if err != nil {
		fail("Error describing conversation: %v", err)
	}
	conversation := answer.GetConversation()
	fmt.Println("ID:", conversation.GetId())
	fmt.Println("Title:", conversation.GetTitle())
	fmt.Println("Timestamp:", conversation.GetTimestamp().AsTime().Format(time.RFC1123))
	fmt.Println()
	for _, message := range conversation.GetMessages() {
		fmt.Printf("%s, %s:\n%s\n\n", message.GetRole(), message.GetTimestamp().AsTime().Format(time.TimeOnly), message.GetContent())
	}
}

func ask(ctx context.Context, client chatpb.ChatService, args []string) {
	fmt.Println("Press CMD+C to exit.")
	fmt.Println()
	conversationID := ""
	if len(args) > 0 {
		conversationID = args[0]
		printConversation(ctx, client, conversationID)
	} else {
		fmt.Println("Starting a new conversation, type your message below.")
		fmt.Println()
	}
	// ReadLine, not a Scanner: a line longer than the buffer arrives in pieces, each sent as a message.
	input := bufio.NewReader(os.Stdin)
	for {
		fmt.Printf("USER:\n")
		line, _, err := input.ReadLine()
		if err != nil {
			fail("Error reading input: %v", err)
		}
		fmt.Println()
		if conversationID == "" {
			started, err := client.StartConversation(ctx, &chatpb.StartConversationRequest{Message: string(line)})
			if err != nil {
				fail("Error starting conversation: %v", err)
			}
			fmt.Println("New conversation started:")
			fmt.Println("ID:", started.GetConversationId())
			fmt.Println("Title:", started.GetTitle())
			fmt.Println()
			conversationID = started.GetConversationId()
			fmt.Printf("ASSISTANT:\n%s\n\n", started.GetReply())
			continue
		}
		continued, err := client.ContinueConversation(ctx, &chatpb.ContinueConversationRequest{ConversationId: conversationID, Message: string(line)})
		if err != nil {
			fail("Error continuing conversation: %v", err)
		}
		fmt.Printf("ASSISTANT:\n%s\n\n", continued.GetReply())
	}
}
