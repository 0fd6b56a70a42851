package mattermost

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/kit"
	"github.com/helpdesk-chat/helpdesk/bot"
)

// HTTP paths under the callback URL that Mattermost posts to.
const (
	PathAction  = "/mattermost/action"
	PathDialog  = "/mattermost/dialog"
	PathCommand = "/mattermost/command"
)

const maxBody = 1 << 20

// Routes adds the interactive action, dialog and slash command endpoints to
// mux. An action or dialog whose signed context does not verify, or that
// names another chat, post or user than the request, is answered 403 and
// nothing is handled; a slash command needs the command's token.
func (a *Adapter) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+PathAction, a.serveAction)
	mux.HandleFunc("POST "+PathDialog, a.serveDialog)
	mux.HandleFunc("POST "+PathCommand, a.serveCommand)
}

func (a *Adapter) running(w http.ResponseWriter) bool {
	ok := a.disp.Running()
	if !ok {
		http.Error(w, "mattermost adapter is not running", http.StatusServiceUnavailable)
	}
	return ok
}

func (a *Adapter) forbid(w http.ResponseWriter, r *http.Request, reason string) {
	a.log.Warn("refused Mattermost request", "path", r.URL.Path, "remote", r.RemoteAddr, "reason", reason)
	http.Error(w, "forbidden", http.StatusForbidden)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (a *Adapter) serveAction(w http.ResponseWriter, r *http.Request) {
	var req model.PostActionIntegrationRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&req); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	ac, ok := a.verifyContext(req.Context)
	if !ok {
		a.forbid(w, r, "action signature does not verify")
		return
	}
	to := kit.ParseChat(ac.chat)
	channel, root := to.Chat, to.Thread
	if channel != req.ChannelId || (ac.post != "" && ac.post != req.PostId) || req.UserId == "" || req.PostId == "" {
		a.forbid(w, r, "action names another chat or post")
		return
	}
	// The acting user is the one the server signed the trigger_id for;
	// the request's user_id alone could be anyone's.
	if who, err := a.verifyTrigger(req.TriggerId); err != nil || who != req.UserId {
		reason := "trigger_id made for another user"
		if err != nil {
			reason = err.Error()
		}
		a.forbid(w, r, reason)
		return
	}
	if !a.running(w) {
		return
	}
	if a.expired(ac) {
		writeJSON(w, model.PostActionIntegrationResponse{EphemeralText: "This button has expired. Ask the help desk again, or use `/helpdesk`.", SkipSlackParsing: true})
		return
	}
	// Only a member of the channel can have clicked a post in it.
	if _, _, err := a.api.GetChannelMember(r.Context(), channel, req.UserId, ""); err != nil {
		a.forbid(w, r, "the user is not a member of the channel")
		return
	}
	// A trigger is made for one click: the same one again is a replay.
	if !a.seen.First("action:" + req.TriggerId) {
		writeJSON(w, model.PostActionIntegrationResponse{})
		return
	}
	value := ac.value
	if req.Type == model.PostActionTypeSelect || ac.value == "" {
		if s, ok := req.Context[ctxSelect].(string); ok {
			value = s
		}
	}
	chat := a.chatOf(r.Context(), channel, root)
	a.rememberTrigger(req.TriggerId, req.UserId, chat)
	ev := bot.Event{
		ID: "action:" + req.TriggerId, Platform: Name, Kind: bot.EventAction, Chat: chat,
		Action:  bot.Action{ID: ac.control, Value: value, Message: bot.MessageRef{Chat: ac.chat, ID: req.PostId}},
		Trigger: req.TriggerId,
	}
	if req.TriggerId == "" {
		ev.ID = "action:" + req.PostId + ":" + newNonce()
	}
	text := a.handleAndWait(r.Context(), channel, req.UserId, ev)
	writeJSON(w, model.PostActionIntegrationResponse{EphemeralText: text, SkipSlackParsing: true})
}

// chatOf says what kind of chat a channel (and thread) is.
func (a *Adapter) chatOf(ctx context.Context, channel, root string) bot.Chat {
	switch {
	case a.channelType(ctx, channel) == string(model.ChannelTypeDirect):
		return bot.Chat{ID: channel, Kind: bot.ChatDirect}
	case a.isGroupChat(ctx, channel):
		return bot.Chat{ID: channel, Kind: bot.ChatGroup}
	}
	return bot.Chat{ID: kit.ChatRef{Chat: channel, Thread: root}.String(), Kind: bot.ChatChannel}
}

// handleAndWait hands the event to the engine and waits up to ReplyWait for
// it, collecting the private replies to return as the request's answer.
func (a *Adapter) handleAndWait(ctx context.Context, channel, user string, ev bot.Event) string {
	_, collect := a.openReplies(channel, user)
	done := make(chan struct{})
	a.dispatch(channel, user, ev, done)
	t := time.NewTimer(a.opts.ReplyWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-ctx.Done():
	}
	return collect()
}

func (a *Adapter) serveDialog(w http.ResponseWriter, r *http.Request) {
	var req model.SubmitDialogRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&req); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var st dialogState
	if err := json.Unmarshal([]byte(req.State), &st); err != nil || !a.macOK(st.Sig, "dialog", st.User, st.Chat, string(st.Kind), st.Thread, st.Form, st.Nonce) {
		a.forbid(w, r, "dialog state does not verify")
		return
	}
	if st.User != req.UserId || st.Form != req.CallbackId {
		a.forbid(w, r, "dialog submitted by another user or for another form")
		return
	}
	if req.Cancelled {
		w.WriteHeader(http.StatusOK)
		return
	}
	if !a.running(w) {
		return
	}
	if !a.seen.First("dialog:" + st.Nonce) {
		w.WriteHeader(http.StatusOK)
		return
	}
	values := map[string]string{}
	for k, v := range req.Submission {
		switch x := v.(type) {
		case string:
			values[k] = x
		case nil:
		default:
			values[k] = fmt.Sprint(x)
		}
	}
	channel := kit.ParseChat(st.Chat).Chat
	ev := bot.Event{
		ID: "dialog:" + st.Nonce, Platform: Name, Kind: bot.EventForm, FormID: st.Form, Values: values,
		Chat: bot.Chat{ID: st.Chat, Kind: st.Kind, Thread: st.Thread},
	}
	a.dispatch(channel, st.User, ev, nil)
	w.WriteHeader(http.StatusOK)
}

func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	want := a.cmdToken
	a.mu.Unlock()
	got := form.Get("token")
	if got == "" && len(r.Header.Get("Authorization")) > len("Token ") {
		got = r.Header.Get("Authorization")[len("Token "):]
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		a.forbid(w, r, "slash command token does not match")
		return
	}
	if !a.running(w) {
		return
	}
	user, channel, trig := form.Get("user_id"), form.Get("channel_id"), form.Get("trigger_id")
	if user == "" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	id := "command:" + trig
	if trig == "" {
		id = "command:" + newNonce()
	}
	if !a.seen.First(id) {
		writeJSON(w, model.CommandResponse{})
		return
	}
	var chat bot.Chat
	if a.isGroupChat(r.Context(), channel) {
		chat = bot.Chat{ID: channel, Kind: bot.ChatGroup}
	} else {
		// Outside ticket channels the answer goes to the user's DM: the bot
		// may not be a member of the channel the command was typed in.
		dm, err := a.DirectChat(r.Context(), user)
		if err != nil {
			a.log.Warn("slash command", "err", err)
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		chat = bot.Chat{ID: dm, Kind: bot.ChatDirect}
	}
	a.rememberTrigger(trig, user, chat)
	ev := bot.Event{ID: id, Platform: Name, Kind: bot.EventCommand, Chat: chat, Text: form.Get("text"), Trigger: trig}
	text := a.handleAndWait(r.Context(), chat.ID, user, ev)
	resp := model.CommandResponse{ResponseType: model.CommandResponseTypeEphemeral, Text: text, SkipSlackParsing: true}
	if text == "" && chat.ID != channel {
		resp.Text = "The help desk answers in your direct messages with the bot."
	}
	writeJSON(w, resp)
}
