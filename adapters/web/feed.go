package web

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/webchat"
)

// The change feed: one goroutine per process reads every change of the
// store once (Store.Feed), turns it into its Server-Sent Event once, and
// hands that to the open streams of the people who may see it. An idle
// stream is a queue and a channel: it costs memory, never a query.
//
// Nothing is skipped: a stream that connects behind the feed, whose queue
// overflows, or for which the feed could not tell who may see a change is
// marked with a gap and reads what it missed from the store itself
// (Store.Changes from its last event id) before taking more from its queue;
// events it has already written are dropped by sequence number.
const (
	feedBatch = 500
	// streamQueue is how many events wait for a slow stream before it is
	// told to catch up from the store instead.
	streamQueue = 256
	// maxCachedChats bounds the group chat member cache (it is refilled
	// from the store on demand).
	maxCachedChats = 20000
	pingEvery      = 20 * time.Second
	feedTimeout    = 30 * time.Second
)

// frame is one Server-Sent Event, ready to write.
type frame struct {
	seq  int64
	data []byte
}

// stream is one open event stream of a user.
type stream struct {
	user    string
	session string
	addr    string
	after   int64 // where the browser stood when it connected
	signal  chan struct{}
	queue   []frame // guarded by feed.mu
	gap     bool    // guarded by feed.mu: read from the store before the queue
}

type feed struct {
	p *Platform

	mu      sync.Mutex
	byUser  map[string]map[*stream]struct{}
	n       int
	perSess map[string]int
	perAddr map[string]int
	running bool
	ready   bool  // cursor is known
	cursor  int64 // every change up to here was handed out
	members map[string][]string
	kick    chan struct{}
}

func (f *feed) init(p *Platform) {
	f.p = p
	f.byUser = map[string]map[*stream]struct{}{}
	f.perSess = map[string]int{}
	f.perAddr = map[string]int{}
	f.members = map[string][]string{}
	f.kick = make(chan struct{}, 1)
}

// errTooManyStreams is returned by join; its message is shown to the user.
type errTooManyStreams struct{ msg string }

func (e errTooManyStreams) Error() string { return e.msg }

// join registers a stream, within the limits per session and per client
// address, and starts the reader if it is the first. after <= 0 means "from
// now": the feed's position, or the store's counter if the feed is not
// reading yet.
func (f *feed) join(ctx context.Context, user, session, addr string, after int64, cfg *config.Config) (*stream, error) {
	wc := cfg.Platforms.Web
	if after <= 0 {
		f.mu.Lock()
		ready, cur := f.ready, f.cursor
		f.mu.Unlock()
		if ready {
			after = cur
		} else {
			var err error
			if after, err = f.p.store.LastSeq(ctx); err != nil {
				return nil, err
			}
		}
	}
	st := &stream{user: user, session: session, addr: addr, after: after, signal: make(chan struct{}, 1)}
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := wc.SessionStreams(); f.perSess[session] >= n {
		return nil, errTooManyStreams{fmt.Sprintf("This browser has %d chat windows open already, the most one sign-in may keep live. Close a tab or window of the chat and reload this one.", n)}
	}
	if n := wc.AddressStreams(); f.perAddr[addr] >= n {
		return nil, errTooManyStreams{fmt.Sprintf("%d chat windows are open from your network address already, the most allowed. Close some tabs or try again later.", n)}
	}
	f.perSess[session]++
	f.perAddr[addr]++
	set := f.byUser[user]
	if set == nil {
		set = map[*stream]struct{}{}
		f.byUser[user] = set
	}
	set[st] = struct{}{}
	f.n++
	if f.ready && after < f.cursor {
		st.gap = true
		st.signal <- struct{}{}
	}
	if !f.running {
		f.running = true
		go f.read()
	}
	return st, nil
}

// leave unregisters a stream; the reader stops with the last one.
func (f *feed) leave(st *stream) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.byUser[st.user], st)
	if len(f.byUser[st.user]) == 0 {
		delete(f.byUser, st.user)
	}
	if f.perSess[st.session]--; f.perSess[st.session] <= 0 {
		delete(f.perSess, st.session)
	}
	if f.perAddr[st.addr]--; f.perAddr[st.addr] <= 0 {
		delete(f.perAddr, st.addr)
	}
	f.n--
	if f.n == 0 {
		select {
		case f.kick <- struct{}{}:
		default:
		}
	}
}

// take returns the stream's waiting events and whether it must catch up
// from the store first.
func (f *feed) take(st *stream) ([]frame, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q, gap := st.queue, st.gap
	st.queue, st.gap = nil, false
	return q, gap
}

// read is the reader goroutine: it runs while streams are open.
func (f *feed) read() {
	poll := time.NewTimer(0)
	defer poll.Stop()
	<-poll.C
	for {
		wake := f.p.hub.wait() // taken before reading: a change after it wakes us
		f.readOnce()
		f.mu.Lock()
		if f.n == 0 {
			f.running, f.ready = false, false
			clear(f.members) // changes are not followed while nobody listens
			f.mu.Unlock()
			return
		}
		f.mu.Unlock()
		poll.Reset(f.p.pollInterval())
		select {
		case <-wake:
		case <-poll.C:
		case <-f.kick:
		}
		if !poll.Stop() {
			select {
			case <-poll.C:
			default:
			}
		}
	}
}

// readOnce hands out every change after the cursor.
func (f *feed) readOnce() {
	ctx, cancel := context.WithTimeout(context.Background(), feedTimeout)
	defer cancel()
	f.mu.Lock()
	ready, cursor := f.ready, f.cursor
	f.mu.Unlock()
	if !ready {
		n, err := f.p.store.LastSeq(ctx)
		if err != nil {
			f.p.log.Warn("web chat change feed", "err", err)
			return
		}
		f.mu.Lock()
		f.ready, f.cursor = true, n
		for _, set := range f.byUser {
			for st := range set {
				if st.after < n {
					markGap(st)
				}
			}
		}
		f.mu.Unlock()
		return
	}
	for {
		ms, cs, err := f.p.store.Feed(ctx, cursor, feedBatch)
		if err != nil {
			f.p.log.Warn("web chat change feed", "after", cursor, "err", err)
			return
		}
		if len(ms) == 0 && len(cs) == 0 {
			return
		}
		// A full page ends where it ends: what lies beyond comes next time.
		upto := int64(1<<63 - 1)
		if len(ms) == feedBatch {
			upto = ms[len(ms)-1].Seq
		}
		if len(cs) == feedBatch {
			upto = min(upto, cs[len(cs)-1].Seq)
		}
		next := cursor
		i, j := 0, 0
		for {
			var m *webchat.Message
			var c *webchat.Chat
			if i < len(ms) && ms[i].Seq <= upto && (j >= len(cs) || ms[i].Seq < cs[j].Seq) {
				m = &ms[i]
				i++
			} else if j < len(cs) && cs[j].Seq <= upto {
				c = &cs[j]
				j++
			} else {
				break
			}
			if m != nil {
				f.message(ctx, *m)
				next = max(next, m.Seq)
			} else {
				f.chat(*c)
				next = max(next, c.Seq)
			}
		}
		cursor = next
		f.mu.Lock()
		f.cursor = cursor
		f.mu.Unlock()
		if len(ms) < feedBatch && len(cs) < feedBatch {
			return
		}
	}
}

// markGap tells a stream to read from the store (feed.mu held).
func markGap(st *stream) {
	st.queue, st.gap = nil, true
	select {
	case st.signal <- struct{}{}:
	default:
	}
}

// deliver queues an event for one stream (feed.mu held).
func deliver(st *stream, fr frame) {
	if st.gap {
		return // its catch-up read will have it
	}
	if len(st.queue) >= streamQueue {
		markGap(st)
		return
	}
	st.queue = append(st.queue, fr)
	select {
	case st.signal <- struct{}{}:
	default:
	}
}

func sseFrame(seq int64, kind string, v any) frame {
	data, _ := json.Marshal(v) // views and chat infos always marshal
	return frame{seq: seq, data: fmt.Appendf(nil, "id: %d\nevent: %s\ndata: %s\n\n", seq, kind, data)}
}

// chat hands a group chat change to its members and remembers them.
func (f *feed) chat(c webchat.Chat) {
	fr := sseFrame(c.Seq, "chat", groupInfo(c))
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.members) >= maxCachedChats {
		clear(f.members)
	}
	f.members[c.ID] = slices.Clone(c.Members)
	for _, u := range c.Members {
		for st := range f.byUser[u] {
			deliver(st, fr)
		}
	}
}

// message hands a message to the open streams of those who may see it.
func (f *feed) message(ctx context.Context, m webchat.Message) {
	audience, ok := f.audience(ctx, m.Chat)
	if !ok {
		// Who may see it is unknown: every stream reads from the store.
		f.mu.Lock()
		for _, set := range f.byUser {
			for st := range set {
				markGap(st)
			}
		}
		f.mu.Unlock()
		return
	}
	if m.Viewer != "" {
		if !slices.Contains(audience, m.Viewer) {
			return
		}
		audience = []string{m.Viewer}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var plain, mine frame
	var b Body
	var v View
	decoded := false
	for _, u := range audience {
		set := f.byUser[u]
		if len(set) == 0 {
			continue
		}
		if !decoded {
			var err error
			if b, err = decodeBody(m); err != nil {
				f.p.log.Warn("unreadable web message", "chat", m.Chat, "err", err)
				return
			}
			if v, err = f.p.view(m, ""); err != nil {
				return
			}
			decoded = true
		}
		var fr frame
		if !b.From.Bot && b.From.ID == u {
			if mine.data == nil {
				vm := v
				vm.Mine = true
				mine = sseFrame(m.Seq, "message", vm)
			}
			fr = mine
		} else {
			if plain.data == nil {
				plain = sseFrame(m.Seq, "message", v)
			}
			fr = plain
		}
		for st := range set {
			deliver(st, fr)
		}
	}
}

// audience lists who may see the messages of a chat: the owner of a DM,
// the staff of the desks whose agent channel it is, or a group chat's
// members. ok is false when the store could not say.
func (f *feed) audience(ctx context.Context, chat string) ([]string, bool) {
	cfg := f.p.config()
	switch chatKind(cfg, chat) {
	case bot.ChatDirect:
		return []string{strings.TrimPrefix(chat, DMPrefix)}, true
	case bot.ChatChannel:
		return channelStaff(cfg, chat), true
	}
	f.mu.Lock()
	ms, ok := f.members[chat]
	f.mu.Unlock()
	if ok {
		return ms, true
	}
	c, err := f.p.store.Chat(ctx, chat)
	if errs.Code(err) == errs.ENOTFOUND {
		return nil, true
	}
	if err != nil {
		f.p.log.Warn("web chat change feed: members", "chat", chat, "err", err)
		return nil, false
	}
	f.mu.Lock()
	if len(f.members) >= maxCachedChats {
		clear(f.members)
	}
	f.members[chat] = c.Members
	f.mu.Unlock()
	return c.Members, true
}

// channelStaff lists the web users who see an agent channel: the agents
// and admins of its desks and the global admins.
func channelStaff(cfg *config.Config, chat string) []string {
	var out []string
	add := func(id string) {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for _, d := range cfg.Desks {
		if d.AgentChannel[Name] != chat {
			continue
		}
		for _, a := range d.Agents {
			if a.Web != "" && isStaff(cfg, d, a.Web) {
				add(a.Web)
			}
		}
		for _, id := range d.Admins.Web {
			add(id)
		}
		for _, id := range cfg.Admins.Web {
			add(id)
		}
	}
	return out
}
