// Package bottest is an in-memory chat platform and a test harness that
// plays users and agents against the real engine, store and config. Tests
// written with it read like the conversations people have with the bot.
package bottest

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/helpdesk-chat/helpdesk/bot"
)

// Sent is one message as the platform shows it.
type Sent struct {
	Ref     bot.MessageRef
	Msg     bot.Message
	Private string // user id when only that user sees it (ephemeral)
	Updates int    // how many times it was updated in place
}

// GroupChat is a chat created by Start Chat.
type GroupChat struct {
	ID       string
	Spec     bot.GroupChat
	Members  []string
	Archived bool
}

// OpenedForm is a form the bot opened for a trigger.
type OpenedForm struct {
	Trigger string
	Form    bot.Form
}

// Platform is an in-memory chat platform. It records what each person sees.
type Platform struct {
	name string
	// Forms says whether forms open as dialogs (like Slack modals); when false
	// the engine asks field by field in chat.
	Forms bool
	// SelectLimit is the number of options its selects show (0: any); a
	// select sent with more fails the test's Send, as the platform refuses it.
	SelectLimit int
	// Refuse, when set, is asked before each Send; an error it returns is
	// Send's (a platform refusing a message, such as Discord a card too big).
	Refuse func(chat string, msg bot.Message) error
	// RefuseRetire, when set, is asked before each RetireButtons; an error
	// it returns is RetireButtons' (a platform failing the update).
	RefuseRetire func(ref bot.MessageRef) error
	// Files says whether it sends files with messages (bot.FileSender);
	// RefuseFile, when set, names why it will not take one ("" takes it):
	// the message goes without it and Send returns bot.FilesRefused.
	Files      bool
	RefuseFile func(f bot.OutFile) string

	mu     sync.Mutex
	seq    int
	msgs   []*Sent
	byChat map[string][]*Sent
	byRef  map[bot.MessageRef]*Sent
	groups map[string]*GroupChat
	order  []*GroupChat // groups in creation order
	forms  []OpenedForm
}

var (
	_ bot.Platform      = (*Platform)(nil)
	_ bot.MemberRemover = (*Platform)(nil)
	_ bot.ButtonRetirer = (*Platform)(nil)
)

// NewPlatform returns an empty platform with the given name (e.g. "web").
func NewPlatform(name string, forms bool) *Platform {
	return &Platform{name: name, Forms: forms, groups: map[string]*GroupChat{},
		byChat: map[string][]*Sent{}, byRef: map[bot.MessageRef]*Sent{}}
}

func (p *Platform) Name() string { return p.name }

// MaxSelectOptions implements bot.SelectLimiter.
func (p *Platform) MaxSelectOptions() int { return p.SelectLimit }

var _ bot.SelectLimiter = (*Platform)(nil)

// DMChat is the id of the DM between the bot and a user on this platform.
func DMChat(user string) string { return "dm:" + user }

func (p *Platform) Send(ctx context.Context, chat string, msg bot.Message) (bot.MessageRef, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if g, ok := p.groups[chat]; ok && g.Archived {
		return bot.MessageRef{}, fmt.Errorf("chat %s is archived", chat)
	}
	if chat == "" {
		return bot.MessageRef{}, fmt.Errorf("send: empty chat id")
	}
	if p.Refuse != nil {
		if err := p.Refuse(chat, msg); err != nil {
			return bot.MessageRef{}, err
		}
	}
	if msg.Select != nil && p.SelectLimit > 0 && len(msg.Select.Options) > p.SelectLimit {
		return bot.MessageRef{}, fmt.Errorf("send: a select of %d options, the platform shows %d", len(msg.Select.Options), p.SelectLimit)
	}
	var refused bot.FilesRefused
	if len(msg.Files) > 0 {
		if !p.Files {
			return bot.MessageRef{}, fmt.Errorf("send: %d files to a platform that takes none", len(msg.Files))
		}
		var took []bot.OutFile
		for _, f := range msg.Files {
			if why := ""; p.RefuseFile != nil {
				if why = p.RefuseFile(f); why != "" {
					refused = append(refused, bot.FileRefusal{Name: f.Name, Reason: why})
					continue
				}
			}
			took = append(took, f)
		}
		msg.Files = took
	}
	p.seq++
	s := &Sent{Ref: bot.MessageRef{Chat: chat, ID: fmt.Sprintf("m%d", p.seq)}, Msg: msg}
	p.add(s)
	if len(refused) > 0 {
		return s.Ref, refused
	}
	return s.Ref, nil
}

// SendsFiles implements bot.FileSender.
func (p *Platform) SendsFiles() bool { return p.Files }

var _ bot.FileSender = (*Platform)(nil)

func (p *Platform) add(s *Sent) {
	p.msgs = append(p.msgs, s)
	p.byChat[s.Ref.Chat] = append(p.byChat[s.Ref.Chat], s)
	p.byRef[s.Ref] = s
}

func (p *Platform) Update(ctx context.Context, ref bot.MessageRef, msg bot.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.byRef[ref]
	if !ok {
		return fmt.Errorf("update: no message %v", ref)
	}
	s.Msg = msg
	s.Updates++
	return nil
}

func (p *Platform) SendPrivate(ctx context.Context, chat, user string, msg bot.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq++
	p.add(&Sent{Ref: bot.MessageRef{Chat: chat, ID: fmt.Sprintf("m%d", p.seq)}, Msg: msg, Private: user})
	return nil
}

func (p *Platform) DirectChat(ctx context.Context, user string) (string, error) {
	return DMChat(user), nil
}

func (p *Platform) OpenForm(ctx context.Context, trigger string, form bot.Form) error {
	if !p.Forms || trigger == "" {
		return bot.ErrFormsUnsupported
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.forms = append(p.forms, OpenedForm{Trigger: trigger, Form: form})
	return nil
}

func (p *Platform) CreateGroupChat(ctx context.Context, gc bot.GroupChat) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq++
	id := fmt.Sprintf("group:%d:%s", p.seq, gc.Name)
	g := &GroupChat{ID: id, Spec: gc, Members: append([]string(nil), gc.Members...)}
	p.groups[id] = g
	p.order = append(p.order, g)
	return id, nil
}

func (p *Platform) InviteToGroupChat(ctx context.Context, chat, user string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.groups[chat]
	if !ok {
		return fmt.Errorf("invite: no chat %s", chat)
	}
	g.Members = append(g.Members, user)
	return nil
}

// RetireButtons implements bot.ButtonRetirer: the message is shown again
// as it was shown (its text as it is when the engine does not say), without
// its controls, with the note in italics. Like the chat platforms, it
// cannot change a message in an archived chat.
func (p *Platform) RetireButtons(ctx context.Context, ref bot.MessageRef, shown *bot.Message, note string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.byRef[ref]
	if !ok {
		return fmt.Errorf("retire: no message %v", ref)
	}
	if g, ok := p.groups[ref.Chat]; ok && g.Archived {
		return fmt.Errorf("retire: chat %s is archived", ref.Chat)
	}
	if p.RefuseRetire != nil {
		if err := p.RefuseRetire(ref); err != nil {
			return err
		}
	}
	if shown != nil {
		s.Msg = *shown
	}
	s.Msg.Buttons, s.Msg.Select = nil, nil
	s.Msg.Text += "\n_" + note + "_"
	s.Updates++
	return nil
}

// RemoveFromGroupChat implements bot.MemberRemover.
func (p *Platform) RemoveFromGroupChat(ctx context.Context, chat, user string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.groups[chat]
	if !ok {
		return fmt.Errorf("remove: no chat %s", chat)
	}
	i := slices.Index(g.Members, user)
	if i < 0 {
		return fmt.Errorf("remove: %s is not in %s", user, chat)
	}
	g.Members = slices.Delete(g.Members, i, i+1)
	return nil
}

func (p *Platform) ArchiveGroupChat(ctx context.Context, chat string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.groups[chat]
	if !ok {
		return fmt.Errorf("archive: no chat %s", chat)
	}
	g.Archived = true
	return nil
}

// Messages returns what a user sees in a chat, oldest first: every public
// message plus the private ones meant for them.
func (p *Platform) Messages(chat, viewer string) []Sent {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Sent
	for _, s := range p.byChat[chat] {
		if s.Private == "" || s.Private == viewer {
			out = append(out, *s)
		}
	}
	return out
}

// newest returns a copy of the newest message in chat visible to viewer
// for which match is true, without copying the others (a benchmark's agent
// DM holds every card of the run).
func (p *Platform) newest(chat, viewer string, match func(*Sent) bool) (Sent, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	msgs := p.byChat[chat]
	for i := len(msgs) - 1; i >= 0; i-- {
		if s := msgs[i]; (s.Private == "" || s.Private == viewer) && match(s) {
			return *s, true
		}
	}
	return Sent{}, false
}

// All returns every message sent to a chat, public and private.
func (p *Platform) All(chat string) []Sent {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Sent
	for _, s := range p.byChat[chat] {
		out = append(out, *s)
	}
	return out
}

// Count returns how many messages have been sent so far (a cursor for Since).
func (p *Platform) Count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.msgs)
}

// Since returns the messages sent after the cursor, visible to viewer in chat.
func (p *Platform) Since(cursor int, chat, viewer string) []Sent {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Sent
	for _, s := range p.msgs[min(cursor, len(p.msgs)):] {
		if s.Ref.Chat == chat && (s.Private == "" || s.Private == viewer) {
			out = append(out, *s)
		}
	}
	return out
}

// Groups returns the group chats a user is a member of, oldest first.
func (p *Platform) Groups(user string) []GroupChat {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []GroupChat
	for _, g := range p.order {
		for _, m := range g.Members {
			if m == user {
				out = append(out, *g)
				break
			}
		}
	}
	return out
}

// Group returns a group chat by id.
func (p *Platform) Group(id string) (GroupChat, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.groups[id]
	if !ok {
		return GroupChat{}, false
	}
	return *g, true
}

// Forms returns the forms opened so far.
func (p *Platform) OpenedForms() []OpenedForm {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]OpenedForm(nil), p.forms...)
}
