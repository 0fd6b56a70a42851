package web

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/helpdesk-chat/helpdesk/auth"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/webchat"
)

// Limits on what a browser may send.
const (
	maxText     = 4000 // characters of one chat message
	maxBody     = 64 << 10
	historySize = 100
	handleLimit = 30 * time.Second
)

// Routes registers the chat page, its API, the widget and the demo and
// visitor sign-in on mux. The auth routes (/auth/signin, ...) are the auth
// Manager's: register them with its Routes.
func (p *Platform) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", p.handleIndex)
	mux.HandleFunc("GET /chat/static/{file}", p.handleStatic)
	mux.HandleFunc("GET /chat/widget.js", p.handleWidget)
	mux.HandleFunc("POST /chat/visitor", p.handleVisitor)
	mux.HandleFunc("GET /auth/demo", p.handleDemoPage)
	mux.HandleFunc("POST /auth/demo", p.handleDemoSignIn)

	api := func(h func(http.ResponseWriter, *http.Request, auth.Session)) http.Handler {
		return p.auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s, _ := auth.FromContext(r.Context())
			if s.Identity.Platform != Name {
				writeError(w, http.StatusForbidden, fmt.Sprintf("You signed in through %s: chat with the help desk there. The web chat is for web accounts.", s.Identity.Platform))
				return
			}
			h(w, r, s)
		}))
	}
	mux.Handle("GET /chat/api/me", api(p.handleMe))
	mux.Handle("GET /chat/api/history", api(p.handleHistory))
	mux.Handle("POST /chat/api/send", api(p.handleSend))
	mux.Handle("POST /chat/api/action", api(p.handleAction))
	mux.Handle("POST /chat/api/form", api(p.handleForm))
	mux.Handle("GET /chat/api/events", api(p.handleEvents))
	mux.Handle("POST /chat/api/upload", api(p.handleUpload))
	mux.Handle("GET /chat/api/file", api(p.handleFile))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// writeErr maps a coded error to an HTTP status.
func (p *Platform) writeErr(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	switch errs.Code(err) {
	case errs.ENOTFOUND:
		status = http.StatusNotFound
	case errs.EFORBIDDEN:
		status = http.StatusForbidden
	case errs.ECONFLICT:
		status = http.StatusConflict
	case errs.EINVALID:
		status = http.StatusBadRequest
	}
	if status == http.StatusInternalServerError {
		p.log.Error("web chat request", "err", err)
		writeError(w, status, "Something went wrong; please try again.")
		return
	}
	writeError(w, status, errs.Message(err))
}

func decode(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		return errs.Errorf(errs.EINVALID, "Bad request body.")
	}
	return nil
}

// chatInfo is one entry of the sidebar.
type chatInfo struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Topic    string `json:"topic,omitempty"`
	Kind     string `json:"kind"`
	Archived bool   `json:"archived,omitempty"`
}

func groupInfo(c webchat.Chat) chatInfo {
	return chatInfo{ID: c.ID, Title: c.Title, Topic: c.Topic, Kind: string(bot.ChatGroup), Archived: c.Archived}
}

// chatsOf lists the sidebar of user; the bot's own entries are in lang.
func (p *Platform) chatsOf(ctx context.Context, cfg *config.Config, user, lang string) ([]chatInfo, error) {
	_, labels := bot.Labels(lang)
	out := []chatInfo{{ID: DMPrefix + user, Title: labels["help_desk"], Topic: labels["ask_bot"], Kind: string(bot.ChatDirect)}}
	for _, c := range channelsOf(cfg, user) {
		out = append(out, chatInfo{ID: c.ID, Title: c.Title, Topic: labels["ticket_cards"], Kind: string(bot.ChatChannel)})
	}
	groups, err := p.store.ChatsOf(ctx, user)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		out = append(out, groupInfo(g))
	}
	return out, nil
}

type meResponse struct {
	User      auth.Identity `json:"user"`
	CSRF      string        `json:"csrf"`
	Agent     bool          `json:"agent"`
	Demo      bool          `json:"demo"`
	CenterURL string        `json:"center_url,omitempty"`
	Seq       int64         `json:"seq"`
	Chats     []chatInfo    `json:"chats"`
}

func (p *Platform) handleMe(w http.ResponseWriter, r *http.Request, s auth.Session) {
	cfg := p.config()
	// The counter is read first: whatever happens after it comes by the stream.
	seq, err := p.store.LastSeq(r.Context())
	if err != nil {
		p.writeErr(w, err)
		return
	}
	chats, err := p.chatsOf(r.Context(), cfg, s.Identity.UserID, locale(r))
	if err != nil {
		p.writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, meResponse{User: s.Identity, CSRF: s.CSRF, Agent: isAgent(cfg, s.Identity.UserID),
		Demo: demoOn(cfg), CenterURL: p.centerURL, Seq: seq, Chats: chats})
}

// View is a message as the page renders it: markdown already turned into
// safe HTML.
type View struct {
	ID        int64             `json:"id"`
	Chat      string            `json:"chat"`
	Seq       int64             `json:"seq"`
	At        time.Time         `json:"at"`
	Edited    bool              `json:"edited,omitempty"`
	Private   bool              `json:"private,omitempty"`
	Mine      bool              `json:"mine,omitempty"`
	From      Author            `json:"from"`
	Title     string            `json:"title,omitempty"`
	HTML      string            `json:"html,omitempty"`
	Fields    []FieldView       `json:"fields,omitempty"`
	Buttons   []ButtonView      `json:"buttons,omitempty"`
	Select    *Select           `json:"select,omitempty"`
	Form      *Form             `json:"form,omitempty"`
	FormState string            `json:"form_state,omitempty"`
	Values    map[string]string `json:"values,omitempty"`
	Pressed   *Pressed          `json:"pressed,omitempty"`
	Stale     bool              `json:"stale,omitempty"`
	Files     []FileView        `json:"files,omitempty"`
}

type FieldView struct {
	Label string `json:"label"`
	HTML  string `json:"html"`
}

type ButtonView struct {
	Button
	// Star marks the rating buttons of an evaluation (drawn as stars).
	Star int `json:"star,omitempty"`
}

// rateAction is the engine's action id for evaluation buttons; their value
// is "<ticket>:<stars>".
const rateAction = "rate"

func (p *Platform) view(m webchat.Message, user string) (View, error) {
	b, err := decodeBody(m)
	if err != nil {
		return View{}, err
	}
	v := View{ID: m.ID, Chat: m.Chat, Seq: m.Seq, At: m.Created, Edited: m.Updated.After(m.Created),
		Private: m.Viewer != "", Mine: !b.From.Bot && b.From.ID == user, From: b.From,
		Title: b.Title, HTML: Markdown(b.Text), Select: b.Select, Form: b.Form, FormState: b.FormState,
		Values: b.Values, Pressed: b.Pressed, Stale: b.Stale, Files: fileViews(m.ID, m.Chat, b.Files)}
	if !b.From.Bot {
		v.HTML = Typed(b.Text) // what a person typed never becomes a labelled link
	}
	for _, f := range b.Fields {
		v.Fields = append(v.Fields, FieldView{Label: f.Label, HTML: Plain(f.Value)}) // fields are plain text (bot.Field)
	}
	for _, bt := range b.Buttons {
		bv := ButtonView{Button: bt}
		if bt.ID == rateAction {
			if _, n, ok := strings.Cut(bt.Value, ":"); ok {
				bv.Star, _ = strconv.Atoi(n)
			}
		}
		v.Buttons = append(v.Buttons, bv)
	}
	return v, nil
}

func (p *Platform) views(ms []webchat.Message, user string) []View {
	out := make([]View, 0, len(ms))
	for _, m := range ms {
		v, err := p.view(m, user)
		if err != nil {
			p.log.Warn("unreadable web message", "chat", m.Chat, "err", err)
			continue
		}
		out = append(out, v)
	}
	return out
}

func (p *Platform) handleHistory(w http.ResponseWriter, r *http.Request, s auth.Session) {
	chat := r.URL.Query().Get("chat")
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	user := s.Identity.UserID
	if _, err := p.access(r.Context(), user, chat); err != nil {
		p.writeErr(w, err)
		return
	}
	ms, err := p.store.History(r.Context(), chat, user, before, historySize)
	if err != nil {
		p.writeErr(w, err)
		return
	}
	if len(ms) == 0 && before == 0 && chat == DMPrefix+user {
		// The chat opens empty: the bot greets first, with the desk's
		// description and menu (or the desk picker). The event id makes
		// it once per user, however many tabs open at the same time.
		ev := p.event(r, s, chat, bot.ChatDirect, r.URL.Query().Get("desk"))
		ev.ID, ev.Kind = "greet:"+chat, bot.EventMessage
		if err := p.dispatch(r, ev); err != nil {
			p.writeErr(w, err)
			return
		}
		if ms, err = p.store.History(r.Context(), chat, user, before, historySize); err != nil {
			p.writeErr(w, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": p.views(ms, user), "more": len(ms) == historySize})
}

// signInAddress is the address a web user signed in with, verified by the
// one-time link that reached them: a configured person's id that is an
// address. Visitors (no address), demo people (anyone may sign in as them
// when platforms.web.demo is on) and "@demo" names have none.
func (p *Platform) signInAddress(userID string) string {
	if strings.HasSuffix(userID, "@demo") || demoOn(p.config()) {
		return ""
	}
	return tickets.NormalizeEmail(userID)
}

// event builds the engine event for the signed-in user in a chat.
func (p *Platform) event(r *http.Request, s auth.Session, chat string, kind bot.ChatKind, desk string) bot.Event {
	ev := bot.Event{
		Platform: Name,
		User:     bot.User{ID: s.Identity.UserID, Name: s.Identity.Name, Locale: locale(r), Email: p.signInAddress(s.Identity.UserID)},
		Chat:     bot.Chat{ID: chat, Kind: kind},
		Trigger:  trigger(chat, s.Identity.UserID),
	}
	if ev.User.Name == "" {
		ev.User.Name = ev.User.ID
	}
	if desk != "" && kind == bot.ChatDirect && p.config().Desk(desk) != nil {
		ev.Desk = desk
	}
	return ev
}

// locale is the browser's first language, e.g. "de-DE".
func locale(r *http.Request) string {
	al := r.Header.Get("Accept-Language")
	first, _, _ := strings.Cut(al, ",")
	first, _, _ = strings.Cut(first, ";")
	first = strings.TrimSpace(first)
	if len(first) > 20 || first == "*" {
		return ""
	}
	return first
}

// dispatch hands an event to the engine. It runs detached from the request
// so a closed tab does not cut a transition in half.
func (p *Platform) dispatch(r *http.Request, ev bot.Event) error {
	h := p.handler()
	if h == nil {
		return errors.New("web chat: no engine connected")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), handleLimit)
	defer cancel()
	if err := h(ctx, ev); err != nil {
		return fmt.Errorf("handle web %s event of %s: %w", ev.Kind, ev.User.ID, err)
	}
	return nil
}

type sendRequest struct {
	Chat string `json:"chat"`
	Text string `json:"text"`
	Desk string `json:"desk"`
}

func (p *Platform) handleSend(w http.ResponseWriter, r *http.Request, s auth.Session) {
	var req sendRequest
	if err := decode(w, r, &req); err != nil {
		p.writeErr(w, err)
		return
	}
	user := s.Identity.UserID
	kind, err := p.access(r.Context(), user, req.Chat)
	if err != nil {
		p.writeErr(w, err)
		return
	}
	text := strings.TrimSpace(req.Text)
	if text == "" || !utf8.ValidString(text) {
		writeError(w, http.StatusBadRequest, "Type a message first.")
		return
	}
	if utf8.RuneCountInString(text) > maxText {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Messages are limited to %d characters.", maxText))
		return
	}
	if err := p.checkPostable(r.Context(), req.Chat); err != nil {
		p.writeErr(w, err)
		return
	}
	args, command := strings.CutPrefix(text, "/helpdesk")
	command = command && (args == "" || args[0] == ' ')
	// A command in a ticket's room is for the bot: like a slash command on
	// the chat platforms, the others in the room (the requester) never see it.
	viewer := ""
	if command && kind == bot.ChatGroup {
		viewer = user
	}
	m, err := p.post(r.Context(), req.Chat, viewer, Body{From: Author{ID: user, Name: s.Identity.Name}, Text: text})
	if err != nil {
		p.writeErr(w, err)
		return
	}
	ev := p.event(r, s, req.Chat, kind, req.Desk)
	ev.ID = "msg:" + strconv.FormatInt(m.ID, 10)
	ev.Kind, ev.Text = bot.EventMessage, text
	if command && kind != bot.ChatGroup {
		ev.Kind, ev.Text = bot.EventCommand, strings.TrimSpace(args)
	}
	// In an agent channel, people talk to each other; only commands are for the bot.
	if kind == bot.ChatChannel && ev.Kind != bot.EventCommand {
		writeJSON(w, http.StatusOK, map[string]any{"id": m.ID})
		return
	}
	if err := p.dispatch(r, ev); err != nil {
		p.writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": m.ID})
}

type actionRequest struct {
	Chat    string `json:"chat"`
	Message int64  `json:"message"`
	ID      string `json:"id"`
	Value   string `json:"value"`
	Desk    string `json:"desk"`
}

// visibleMessage loads a message of chat that user may see.
func (p *Platform) visibleMessage(ctx context.Context, chat string, id int64, user string) (webchat.Message, Body, error) {
	m, err := p.store.Message(ctx, chat, id)
	if err != nil {
		return webchat.Message{}, Body{}, err
	}
	if m.Viewer != "" && m.Viewer != user {
		return webchat.Message{}, Body{}, errs.Errorf(errs.ENOTFOUND, "No such message.")
	}
	b, err := decodeBody(m)
	return m, b, err
}

// memberMessage checks that user may use chat and returns one of its messages
// that user can see, with the chat's kind.
func (p *Platform) memberMessage(ctx context.Context, user, chat string, id int64) (bot.ChatKind, webchat.Message, Body, error) {
	kind, err := p.access(ctx, user, chat)
	if err != nil {
		return "", webchat.Message{}, Body{}, err
	}
	m, b, err := p.visibleMessage(ctx, chat, id, user)
	return kind, m, b, err
}

func (p *Platform) handleAction(w http.ResponseWriter, r *http.Request, s auth.Session) {
	var req actionRequest
	if err := decode(w, r, &req); err != nil {
		p.writeErr(w, err)
		return
	}
	user := s.Identity.UserID
	kind, m, b, err := p.memberMessage(r.Context(), user, req.Chat, req.Message)
	if err != nil {
		p.writeErr(w, err)
		return
	}
	// Only a control the message really has can be used.
	ok := slices.ContainsFunc(b.Buttons, func(bt Button) bool { return bt.URL == "" && bt.ID == req.ID && bt.Value == req.Value })
	if !ok && b.Select != nil && b.Select.ID == req.ID {
		ok = slices.ContainsFunc(b.Select.Options, func(o Option) bool { return o.Value == req.Value })
	}
	if !ok {
		writeError(w, http.StatusBadRequest, "That button is not on this message.")
		return
	}
	if b.Stale {
		writeError(w, http.StatusConflict, "That button is no longer active.")
		return
	}
	if kind == bot.ChatDirect {
		b.Pressed = &Pressed{ID: req.ID, Value: req.Value}
		if err := p.rewrite(r.Context(), req.Chat, m.ID, b); err != nil {
			p.writeErr(w, err)
			return
		}
	}
	ev := p.event(r, s, req.Chat, kind, req.Desk)
	ev.Kind = bot.EventAction
	ev.Action = bot.Action{ID: req.ID, Value: req.Value, Message: bot.MessageRef{Chat: req.Chat, ID: strconv.FormatInt(m.ID, 10)}}
	if err := p.dispatch(r, ev); err != nil {
		p.writeErr(w, err)
		return
	}
	if kind == bot.ChatDirect && req.ID == "reopen" {
		// The ticket's earlier rating prompts have had their moment.
		if err := p.markStale(r.Context(), req.Chat, user, func(id int64, b Body) bool {
			return id != m.ID && hasButton(b, evaluationActions, req.Value)
		}); err != nil {
			p.log.Warn("mark rating prompts stale", "chat", req.Chat, "err", err)
		}
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

type formRequest struct {
	Chat    string            `json:"chat"`
	Message int64             `json:"message"`
	Values  map[string]string `json:"values"`
	Desk    string            `json:"desk"`
}

func (p *Platform) handleForm(w http.ResponseWriter, r *http.Request, s auth.Session) {
	var req formRequest
	if err := decode(w, r, &req); err != nil {
		p.writeErr(w, err)
		return
	}
	user := s.Identity.UserID
	kind, m, b, err := p.memberMessage(r.Context(), user, req.Chat, req.Message)
	if err != nil {
		p.writeErr(w, err)
		return
	}
	if b.Form == nil || m.Viewer != user {
		writeError(w, http.StatusBadRequest, "That is not your form.")
		return
	}
	if b.FormState != formOpen {
		writeError(w, http.StatusConflict, "This form was already sent or replaced by a newer one.")
		return
	}
	values, problems := validate(b.Form, req.Values)
	if len(problems) > 0 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "Please check the form.", "fields": problems})
		return
	}
	// The engine takes the submission first: once it returns, the answers
	// are saved (and the ticket opened, or finished by the engine after a
	// crash), so only then does the form show "✓ Sent". A crash before
	// leaves the form open to send again; the event id (one per form
	// message) makes a second send of a handled form change nothing.
	ev := p.event(r, s, req.Chat, kind, req.Desk)
	ev.ID = "form:" + strconv.FormatInt(m.ID, 10)
	ev.Kind, ev.FormID, ev.Values = bot.EventForm, b.Form.ID, values
	if err := p.dispatch(r, ev); err != nil {
		p.writeErr(w, err)
		return
	}
	b.FormState, b.Values = formSent, values
	if err := p.rewrite(r.Context(), req.Chat, m.ID, b); err != nil {
		p.writeErr(w, err)
		return
	}
	// "Open the form again / Cancel" under the form are done with.
	if err := p.markStale(r.Context(), req.Chat, user, func(id int64, b Body) bool {
		return id > m.ID && hasButton(b, formPromptActions, "")
	}); err != nil {
		p.log.Warn("mark the form prompt stale", "chat", req.Chat, "err", err)
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

// validate keeps the form's own fields, trimmed, and reports each problem
// by field id.
func validate(f *Form, in map[string]string) (map[string]string, map[string]string) {
	out := map[string]string{}
	problems := map[string]string{}
	for _, fl := range f.Fields {
		v := strings.TrimSpace(in[fl.ID])
		limit := fl.MaxLen
		if limit <= 0 || limit > maxText {
			limit = maxText
		}
		switch {
		case v == "" && fl.Required:
			problems[fl.ID] = "Please fill this in."
		case !utf8.ValidString(v):
			problems[fl.ID] = "Not valid text."
		case utf8.RuneCountInString(v) > limit:
			problems[fl.ID] = fmt.Sprintf("At most %d characters.", limit)
		case v != "" && fl.Type == string(bot.FieldSelect) && !slices.Contains(fl.Options, v):
			problems[fl.ID] = "Pick one of the options."
		}
		if v != "" {
			out[fl.ID] = v
		}
	}
	return out, problems
}

// handleEvents streams changes to the user's chats as Server-Sent Events:
// "message" (new or updated message) and "chat" (a group chat appeared,
// changed or was archived). The event id is the change's sequence number,
// so a reconnecting browser resumes where it stopped (Last-Event-ID). The
// events come from the change feed (feed.go); the stream reads the store
// itself only to catch up.
func (p *Platform) handleEvents(w http.ResponseWriter, r *http.Request, s auth.Session) {
	ctx := r.Context()
	user := s.Identity.UserID
	after, _ := strconv.ParseInt(r.Header.Get("Last-Event-ID"), 10, 64)
	if after == 0 {
		after, _ = strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	}
	st, err := p.feed.join(ctx, user, s.ID, clientAddr(r), after, p.config())
	var tooMany errTooManyStreams
	if errors.As(err, &tooMany) {
		// The page's EventSource would retry a 429 at once; the message says why.
		writeError(w, http.StatusTooManyRequests, tooMany.msg)
		return
	}
	if err != nil {
		p.writeErr(w, err)
		return
	}
	defer p.feed.leave(st)
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream outlives the server's write timeout
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n: connected\n\n")
	if err := rc.Flush(); err != nil {
		return
	}
	last := st.after
	ping := time.NewTimer(pingEvery)
	defer ping.Stop()
	for {
		frames, gap := p.feed.take(st)
		wrote := false
		if gap {
			n, err := p.catchUp(ctx, w, user, &last)
			if err != nil {
				if ctx.Err() == nil {
					p.log.Error("web event stream", "user", user, "err", err)
				}
				return
			}
			wrote = n > 0
		}
		for _, fr := range frames {
			if fr.seq > last {
				_, _ = w.Write(fr.data)
				last, wrote = fr.seq, true
			}
		}
		if wrote {
			if err := rc.Flush(); err != nil {
				return
			}
			ping.Reset(pingEvery)
		}
		select {
		case <-ctx.Done():
			return
		case <-st.signal:
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
			if err := rc.Flush(); err != nil {
				return
			}
			ping.Reset(pingEvery)
		}
	}
}

// catchUp writes what the user may see after *last straight from the
// store, for a stream behind the change feed, and moves *last on.
func (p *Platform) catchUp(ctx context.Context, w http.ResponseWriter, user string, last *int64) (int, error) {
	written := 0
	for {
		cfg := p.config()
		chats := []string{DMPrefix + user}
		for _, c := range channelsOf(cfg, user) {
			chats = append(chats, c.ID)
		}
		ms, cs, err := p.store.Changes(ctx, user, chats, *last, 200)
		if err != nil {
			return written, err
		}
		var items []frame
		for _, v := range p.views(ms, user) {
			items = append(items, sseFrame(v.Seq, "message", v))
		}
		for _, c := range cs {
			items = append(items, sseFrame(c.Seq, "chat", groupInfo(c)))
		}
		slices.SortFunc(items, func(a, b frame) int { return cmp.Compare(a.seq, b.seq) })
		upto := int64(1<<63 - 1)
		if len(ms) == 200 {
			upto = ms[len(ms)-1].Seq // chats after the last message of a full page come with the next
		}
		for _, it := range items {
			if it.seq > *last && it.seq <= upto {
				_, _ = w.Write(it.data)
				written++
			}
		}
		for _, it := range items {
			if it.seq <= upto {
				*last = max(*last, it.seq)
			}
		}
		// Unreadable messages still move the counter.
		for _, m := range ms {
			*last = max(*last, m.Seq)
		}
		if len(ms) < 200 {
			return written, nil
		}
	}
}
