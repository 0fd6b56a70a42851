package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/slack-go/slack"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/kit"
	"github.com/helpdesk-chat/helpdesk/bot"
)

var _ bot.MemberRemover = (*Adapter)(nil)

// RemoveFromGroupChat implements bot.MemberRemover: conversations.kick takes
// a guest out of a ticket's private channel or a side conversation
// (https://api.slack.com/methods/conversations.kick). Someone who already
// left (not_in_channel) is out, as asked.
func (a *Adapter) RemoveFromGroupChat(ctx context.Context, chat, user string) error {
	channel := kit.ParseChat(chat).Chat
	err := a.call(ctx, "conversations.kick", func() error {
		return a.api.KickUserFromConversationContext(ctx, channel, user)
	})
	if slackError(err) == "not_in_channel" {
		return nil
	}
	return err
}

var _ bot.ButtonRetirer = (*Adapter)(nil)

// pressedMessages keeps the blocks of the messages whose buttons were just
// pressed (the block_actions payload carries them), so that a stale press
// can take the buttons off without reading the message back. Entries are
// used once; the oldest go past maxPressed.
type pressedMessages struct {
	mu    sync.Mutex
	order []string
	by    map[string]pressedMessage
}

type pressedMessage struct {
	text   string
	blocks json.RawMessage
}

const maxPressed = 500

func (p *pressedMessages) remember(channel, ts, text string, blocks json.RawMessage) {
	if ts == "" || len(blocks) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.by == nil {
		p.by = map[string]pressedMessage{}
	}
	key := channel + "/" + ts
	if _, ok := p.by[key]; !ok {
		p.order = append(p.order, key)
	}
	p.by[key] = pressedMessage{text: text, blocks: blocks}
	for len(p.order) > maxPressed {
		delete(p.by, p.order[0])
		p.order = p.order[1:]
	}
}

func (p *pressedMessages) take(channel, ts string) (pressedMessage, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, ok := p.by[channel+"/"+ts]
	delete(p.by, channel+"/"+ts)
	return m, ok
}

// RetireButtons implements bot.ButtonRetirer: chat.update posts the pressed
// message's blocks again with its actions blocks replaced by a context line
// saying why (https://api.slack.com/reference/block-kit/blocks#context).
// Only a message pressed just now can be changed so (its blocks came with
// the press), or one the engine says how it was shown (rendered again
// from that); any other is left as it is, and a press on it is refused by
// the engine all the same.
func (a *Adapter) RetireButtons(ctx context.Context, ref bot.MessageRef, shown *bot.Message, note string) error {
	channel := kit.ParseChat(ref.Chat).Chat
	var text string
	var blocks slack.Blocks
	if shown != nil {
		all := parts(*shown) // the ref is the last of the parts Send posted
		last := all[len(all)-1]
		last.Buttons, last.Select = nil, nil
		text, blocks.BlockSet = fallback(last), Blocks(last)
	} else {
		m, ok := a.pressed.take(channel, ref.ID)
		if !ok {
			return nil
		}
		if err := json.Unmarshal(m.blocks, &blocks); err != nil {
			return fmt.Errorf("slack: read the blocks of %s: %w", ref.ID, err)
		}
		text = m.text
	}
	kept := make([]slack.Block, 0, len(blocks.BlockSet)+1)
	for _, b := range blocks.BlockSet {
		if b.BlockType() != slack.MBTAction {
			kept = append(kept, b)
		}
	}
	if note != "" {
		kept = append(kept, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, "_"+note+"_", false, false)))
	}
	return a.call(ctx, "chat.update", func() error {
		_, _, _, err := a.api.UpdateMessageContext(ctx, channel, ref.ID, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(kept...))
		return err
	})
}
