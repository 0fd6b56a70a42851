package discordfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// msgBody is what a bot sends to create or edit a message.
type msgBody struct {
	Content         *string           `json:"content"`
	Embeds          []json.RawMessage `json:"embeds"`
	Components      []Component       `json:"components"`
	AllowedMentions *struct {
		Parse *[]string `json:"parse"`
		Users []string  `json:"users"`
		Roles []string  `json:"roles"`
	} `json:"allowed_mentions"`
	Flags int `json:"flags"`
	// interaction callbacks (modal)
	CustomID string `json:"custom_id"`
	Title    string `json:"title"`
}

// checkMessage returns what Discord would reject in a message (or "").
// allowed_mentions must be present and suppress every mention: it is the
// help desk's guarantee, stricter than Discord's default.
func checkMessage(b *msgBody, create bool) string {
	am := b.AllowedMentions
	if am == nil || am.Parse == nil || len(*am.Parse) > 0 || len(am.Users) > 0 || len(am.Roles) > 0 {
		return "allowed_mentions must be {\"parse\": []} so nobody can be pinged"
	}
	content := ""
	if b.Content != nil {
		content = *b.Content
	}
	// Message content: up to 2,000 characters
	// (https://discord.com/developers/docs/resources/message#create-message).
	if utf8.RuneCountInString(content) > 2000 {
		return "content longer than 2000 characters"
	}
	if create && content == "" && len(b.Embeds) == 0 && len(b.Components) == 0 {
		return "Cannot send an empty message"
	}
	if len(b.Embeds) > 10 {
		return "more than 10 embeds"
	}
	// Embed limits, and 6,000 characters over all the embeds of a message
	// (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
	total := 0
	for _, raw := range b.Embeds {
		var e struct {
			Title       string `json:"title"`
			Description string `json:"description"`
			Fields      []struct {
				Name  string `json:"name"`
				Value string `json:"value"`
			} `json:"fields"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			return "embed: " + err.Error()
		}
		total += utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
		for _, f := range e.Fields {
			total += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
		}
		if total > 6000 {
			return fmt.Sprintf("embeds of %d characters in total (max 6000)", total)
		}
		if utf8.RuneCountInString(e.Title) > 256 || utf8.RuneCountInString(e.Description) > 4096 || len(e.Fields) > 25 {
			return "embed over its limits (title 256, description 4096, 25 fields)"
		}
		for _, f := range e.Fields {
			if f.Name == "" || f.Value == "" || utf8.RuneCountInString(f.Name) > 256 || utf8.RuneCountInString(f.Value) > 1024 {
				return "embed field empty or too long"
			}
		}
	}
	return checkComponents(b.Components)
}

// checkComponents returns what Discord would reject in a message's
// components: at most 5 action rows of at most 5 buttons (labels of 80), a
// select alone in its row with 1 to 25 options (label and value of 100),
// custom ids of 1 to 100 characters, unique
// (https://discord.com/developers/docs/components/reference#action-row,
// https://discord.com/developers/docs/components/reference#button,
// https://discord.com/developers/docs/components/reference#string-select).
func checkComponents(rows []Component) string {
	if len(rows) > 5 {
		return fmt.Sprintf("%d action rows (max 5)", len(rows))
	}
	ids := map[string]bool{}
	for _, r := range rows {
		if r.Type != 1 {
			return "top-level component is not an action row"
		}
		if len(r.Components) == 0 || len(r.Components) > 5 {
			return fmt.Sprintf("action row with %d components (1 to 5 buttons)", len(r.Components))
		}
		for _, c := range r.Components {
			switch c.Type {
			case 2:
				if utf8.RuneCountInString(c.Label) > 80 {
					return "button label longer than 80"
				}
				if c.Style == 5 {
					if c.URL == "" || c.CustomID != "" {
						return "link button needs a url and no custom_id"
					}
					continue
				}
				if c.URL != "" {
					return "only link buttons (style 5) have a url"
				}
			case 3:
				if len(r.Components) != 1 {
					return "a select menu must be alone in its action row"
				}
				if len(c.Options) == 0 || len(c.Options) > 25 {
					return fmt.Sprintf("select menu with %d options (1 to 25)", len(c.Options))
				}
				vals := map[string]bool{}
				for _, o := range c.Options {
					if o.Label == "" || utf8.RuneCountInString(o.Label) > 100 || len(o.Value) > 100 || vals[o.Value] {
						return "select option label/value empty, too long or duplicate"
					}
					vals[o.Value] = true
				}
			default:
				return fmt.Sprintf("component type %d is not allowed in a message", c.Type)
			}
			if c.CustomID == "" || len(c.CustomID) > 100 || ids[c.CustomID] {
				return fmt.Sprintf("custom_id %q empty, longer than 100 or not unique", c.CustomID)
			}
			ids[c.CustomID] = true
		}
	}
	return ""
}

func (s *Server) rest(w http.ResponseWriter, r *http.Request) {
	path := strings.Trim(strings.TrimPrefix(r.URL.Path, "/api/v9/"), "/")
	seg := strings.Split(path, "/")
	defer s.changed.Notify() // after the unlock below
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rateLimit > 0 && r.Method == http.MethodPost && seg[0] == "channels" {
		s.rateLimit--
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-RateLimit-Limit", "5")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset-After", "0.05")
		w.Header().Set("X-RateLimit-Bucket", "fake")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"message":"You are being rate limited.","retry_after":0.05,"global":false}`))
		return
	}
	public := seg[0] == "interactions" || seg[0] == "webhooks"
	if !public && (s.revoked || r.Header.Get("Authorization") != "Bot "+s.Token) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"message":"401: Unauthorized","code":0}`))
		return
	}
	var body msgBody
	var raw []byte
	if r.Body != nil && (r.Method == http.MethodPost || r.Method == http.MethodPatch || r.Method == http.MethodPut) {
		raw = readAll(r)
		_ = json.Unmarshal(raw, &body)
	}
	m, p := r.Method, seg
	switch {
	case m == "GET" && path == "gateway":
		writeJSON(w, map[string]any{"url": "ws" + strings.TrimPrefix(s.http.URL, "http") + "/gateway"})
	case m == "GET" && path == "gateway/bot":
		writeJSON(w, map[string]any{"url": "ws" + strings.TrimPrefix(s.http.URL, "http") + "/gateway", "shards": 1,
			"session_start_limit": map[string]int{"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}})
	case m == "GET" && path == "users/@me":
		writeJSON(w, s.users[s.BotID])
	case m == "POST" && path == "users/@me/channels":
		var req struct {
			Recipient string `json:"recipient_id"`
		}
		_ = json.Unmarshal(raw, &req)
		if _, ok := s.users[req.Recipient]; !ok {
			http.Error(w, `{"message":"Unknown User","code":10013}`, http.StatusNotFound)
			return
		}
		writeJSON(w, s.dmLocked(req.Recipient))
	case len(p) == 2 && p[0] == "channels" && m == "GET":
		c := s.channels[p[1]]
		if c == nil {
			http.Error(w, `{"message":"Unknown Channel","code":10003}`, http.StatusNotFound)
			return
		}
		writeJSON(w, c)
	case len(p) == 2 && p[0] == "channels" && m == "PATCH":
		s.editChannel(w, p[1], raw)
	case len(p) == 3 && p[0] == "channels" && p[2] == "messages" && m == "POST":
		c := s.channels[p[1]]
		if c == nil {
			http.Error(w, `{"message":"Unknown Channel","code":10003}`, http.StatusNotFound)
			return
		}
		if c.Metadata != nil && c.Metadata.Archived {
			s.violation(w, "posting to archived thread %s", c.ID)
			return
		}
		if why := checkMessage(&body, true); why != "" {
			s.violation(w, "POST /channels/%s/messages: %s", p[1], why)
			return
		}
		// A user whose DMs are closed to the bot: the DM channel opens, but
		// a post to it is refused with 403 and JSON error code 50007,
		// "Cannot send messages to this user"
		// (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes).
		if c.Type == TypeDM && len(c.Recipients) == 1 && s.dmsClosed[c.Recipients[0].ID] {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"message": "Cannot send messages to this user", "code": 50007}`))
			return
		}
		msg := s.addMessageLocked(c, s.users[s.BotID], &body, "")
		writeJSON(w, msg)
	case len(p) == 4 && p[0] == "channels" && p[2] == "messages" && m == "GET":
		msg := s.messages[p[3]]
		if msg == nil || msg.ChannelID != p[1] {
			http.Error(w, `{"message":"Unknown Message","code":10008}`, http.StatusNotFound)
			return
		}
		writeJSON(w, msg)
	case len(p) == 4 && p[0] == "channels" && p[2] == "messages" && m == "PATCH":
		msg := s.messages[p[3]]
		if msg == nil || msg.ChannelID != p[1] || msg.Author.ID != s.BotID {
			http.Error(w, `{"message":"Unknown Message","code":10008}`, http.StatusNotFound)
			return
		}
		if why := checkMessage(&body, false); why != "" {
			s.violation(w, "PATCH message: %s", why)
			return
		}
		s.editMessageLocked(msg, &body)
		writeJSON(w, msg)
	case len(p) == 3 && p[0] == "channels" && p[2] == "threads" && m == "POST":
		s.createThread(w, p[1], raw)
	case len(p) == 4 && p[0] == "channels" && p[2] == "thread-members" && m == "PUT":
		c := s.channels[p[1]]
		if c == nil || c.Type < 10 {
			http.Error(w, `{"message":"Unknown Channel","code":10003}`, http.StatusNotFound)
			return
		}
		c.Members = append(c.Members, p[3])
		w.WriteHeader(http.StatusNoContent)
	case len(p) == 4 && p[0] == "channels" && p[2] == "thread-members" && m == "DELETE":
		// Remove Thread Member: 204; the thread must not be archived
		// (https://discord.com/developers/docs/resources/channel#remove-thread-member).
		c := s.channels[p[1]]
		if c == nil || c.Type < 10 {
			http.Error(w, `{"message":"Unknown Channel","code":10003}`, http.StatusNotFound)
			return
		}
		if c.Metadata != nil && c.Metadata.Archived {
			http.Error(w, `{"message":"Thread is archived","code":50083}`, http.StatusBadRequest)
			return
		}
		c.Members = slices.DeleteFunc(c.Members, func(u string) bool { return u == p[3] })
		w.WriteHeader(http.StatusNoContent)
	case len(p) == 4 && p[0] == "channels" && p[2] == "permissions" && m == "PUT":
		c := s.channels[p[1]]
		if c == nil {
			http.Error(w, `{"message":"Unknown Channel","code":10003}`, http.StatusNotFound)
			return
		}
		var o Overwrite
		_ = json.Unmarshal(raw, &o)
		o.ID = p[3]
		replaced := false
		for i := range c.Overwrites {
			if c.Overwrites[i].ID == o.ID {
				c.Overwrites[i], replaced = o, true
			}
		}
		if !replaced {
			c.Overwrites = append(c.Overwrites, o)
		}
		w.WriteHeader(http.StatusNoContent)
	case len(p) == 3 && p[0] == "guilds" && p[2] == "channels" && m == "GET":
		// Guild channels, threads excluded
		// (https://discord.com/developers/docs/resources/guild#get-guild-channels).
		out := []*Channel{}
		for _, c := range s.channels {
			if c.GuildID == s.GuildID && c.Type != TypePrivateThread && c.Type != TypePublicThread {
				out = append(out, c)
			}
		}
		sort.Slice(out, func(i, j int) bool { return snowflakeLess(out[i].ID, out[j].ID) })
		writeJSON(w, out)
	case len(p) == 2 && p[0] == "channels" && m == "DELETE":
		c := s.channels[p[1]]
		if c == nil {
			http.Error(w, `{"message":"Unknown Channel","code":10003}`, http.StatusNotFound)
			return
		}
		delete(s.channels, p[1])
		s.deleted++
		s.dispatchLocked("CHANNEL_DELETE", c)
		writeJSON(w, c)
	case len(p) == 3 && p[0] == "guilds" && p[2] == "channels" && m == "POST":
		var c Channel
		_ = json.Unmarshal(raw, &c)
		if c.Name == "" || p[1] != s.GuildID {
			s.violation(w, "create channel without name or in an unknown guild")
			return
		}
		// A category holds at most 50 channels ("each parent category can
		// contain up to 50 channels",
		// https://discord.com/developers/docs/resources/channel#channel-object),
		// a guild at most 500 (JSON error 30013, "Maximum number of guild
		// channels reached (500)",
		// https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes).
		inGuild, inParent := 0, 0
		for _, o := range s.channels {
			if o.GuildID == s.GuildID && o.Type != TypePrivateThread && o.Type != TypePublicThread {
				inGuild++
				if c.ParentID != "" && o.ParentID == c.ParentID {
					inParent++
				}
			}
		}
		if inGuild >= 500 {
			http.Error(w, `{"message":"Maximum number of guild channels reached (500)","code":30013}`, http.StatusBadRequest)
			return
		}
		if inParent >= 50 {
			http.Error(w, `{"message":"Invalid Form Body","code":50035,"errors":{"parent_id":{"_errors":[{"code":"CHANNEL_PARENT_MAX_CHANNELS","message":"Maximum number of channels in category reached (50)"}]}}}`, http.StatusBadRequest)
			return
		}
		c.ID, c.GuildID = s.id(), s.GuildID
		s.channels[c.ID] = &c
		s.dispatchLocked("CHANNEL_CREATE", &c)
		writeJSON(w, &c)
	case len(p) == 5 && p[0] == "applications" && p[2] == "guilds" && p[4] == "commands" && m == "PUT":
		s.putCommands(w, p[1], p[3], raw)
	case len(p) == 4 && p[0] == "interactions" && p[3] == "callback" && m == "POST":
		s.callback(w, p[1], p[2], raw, &body)
	case len(p) == 3 && p[0] == "webhooks" && m == "POST":
		s.followup(w, p[2], &body)
	case len(p) == 5 && p[0] == "webhooks" && p[3] == "messages" && m == "PATCH":
		s.webhookEdit(w, p[2], p[4], &body)
	default:
		s.tb.Errorf("discordfake: unexpected %s %s", m, r.URL.Path)
		http.Error(w, `{"message":"404: Not Found","code":0}`, http.StatusNotFound)
	}
}

func readAll(r *http.Request) []byte {
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := r.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return []byte(b.String())
}

func (s *Server) dmLocked(user string) *Channel {
	for _, c := range s.channels {
		if c.Type == TypeDM && len(c.Recipients) == 1 && c.Recipients[0].ID == user {
			return c
		}
	}
	c := &Channel{ID: s.id(), Type: TypeDM, Recipients: []User{s.users[user]}}
	s.channels[c.ID] = c
	return c
}

func (s *Server) addMessageLocked(c *Channel, author User, b *msgBody, ephemeralFor string) *Message {
	msg := &Message{ID: s.id(), ChannelID: c.ID, GuildID: c.GuildID, Author: author, Embeds: b.Embeds, Components: b.Components, Flags: b.Flags}
	if b.Content != nil {
		msg.Content = *b.Content
	}
	if msg.Embeds == nil {
		msg.Embeds = []json.RawMessage{}
	}
	msg.EphemeralFor = ephemeralFor
	s.messages[msg.ID] = msg
	s.order = append(s.order, msg)
	if ephemeralFor == "" {
		s.dispatchLocked("MESSAGE_CREATE", msg)
	}
	return msg
}

func (s *Server) editMessageLocked(msg *Message, b *msgBody) {
	if b.Content != nil {
		msg.Content = *b.Content
	}
	if b.Embeds != nil {
		msg.Embeds = b.Embeds
	}
	if b.Components != nil {
		msg.Components = b.Components
	}
	msg.Edits++
}

func (s *Server) editChannel(w http.ResponseWriter, id string, raw []byte) {
	c := s.channels[id]
	if c == nil {
		http.Error(w, `{"message":"Unknown Channel","code":10003}`, http.StatusNotFound)
		return
	}
	var req struct {
		Archived *bool `json:"archived"`
		Locked   *bool `json:"locked"`
	}
	_ = json.Unmarshal(raw, &req)
	if c.Metadata != nil {
		if req.Archived != nil {
			c.Metadata.Archived = *req.Archived
		}
		if req.Locked != nil {
			c.Metadata.Locked = *req.Locked
		}
	}
	s.dispatchLocked("THREAD_UPDATE", c)
	writeJSON(w, c)
}

func (s *Server) createThread(w http.ResponseWriter, parent string, raw []byte) {
	pc := s.channels[parent]
	if pc == nil || pc.Type != TypeText {
		http.Error(w, `{"message":"Unknown Channel","code":10003}`, http.StatusNotFound)
		return
	}
	var req struct {
		Name      string `json:"name"`
		Type      int    `json:"type"`
		Invitable *bool  `json:"invitable"`
	}
	_ = json.Unmarshal(raw, &req)
	if req.Name == "" || utf8.RuneCountInString(req.Name) > 100 || (req.Type != TypePrivateThread && req.Type != TypePublicThread) {
		s.violation(w, "thread needs a name of 1-100 characters and type 11 or 12")
		return
	}
	c := &Channel{ID: s.id(), Type: req.Type, GuildID: s.GuildID, ParentID: parent, Name: req.Name, Invitable: req.Invitable,
		Metadata: &struct {
			Archived bool `json:"archived"`
			Locked   bool `json:"locked"`
		}{}, Members: []string{s.BotID}}
	s.channels[c.ID] = c
	s.dispatchLocked("THREAD_CREATE", c)
	writeJSON(w, c)
}

func (s *Server) putCommands(w http.ResponseWriter, app, guild string, raw []byte) {
	if app != s.AppID || guild != s.GuildID {
		s.violation(w, "commands for unknown application %s or guild %s", app, guild)
		return
	}
	var cmds []struct {
		Name    string `json:"name"`
		Options []struct {
			Type int    `json:"type"`
			Name string `json:"name"`
		} `json:"options"`
	}
	if err := json.Unmarshal(raw, &cmds); err != nil {
		s.violation(w, "commands: %v", err)
		return
	}
	s.Commands = nil
	for i, c := range cmds {
		subs, plain := 0, 0
		for _, o := range c.Options {
			if o.Type == 1 || o.Type == 2 {
				subs++
			} else {
				plain++
			}
		}
		if subs > 0 && plain > 0 {
			s.violation(w, "command %s mixes sub-commands with plain options", c.Name)
			return
		}
		var one json.RawMessage
		all := []json.RawMessage{}
		_ = json.Unmarshal(raw, &all)
		one = all[i]
		s.Commands = append(s.Commands, one)
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(raw)
}

// callback answers POST /interactions/{id}/{token}/callback.
func (s *Server) callback(w http.ResponseWriter, id, token string, raw []byte, _ *msgBody) {
	in := s.interactions[id]
	if in == nil || in.Token != token {
		http.Error(w, `{"message":"Unknown interaction","code":10062}`, http.StatusNotFound)
		return
	}
	var resp struct {
		Type int     `json:"type"`
		Data msgBody `json:"data"`
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		s.violation(w, "callback: %v", err)
		return
	}
	if late := time.Since(in.Created); late > 3*time.Second {
		s.violation(w, "interaction %s acknowledged after %v (Discord allows 3 s)", id, late.Round(time.Millisecond))
		return
	}
	if len(in.Responses) > 0 {
		s.violation(w, "interaction %s has already been acknowledged", id)
		return
	}
	fromComponent := in.Type == 3 || (in.Type == 5 && in.Message != "")
	c := s.channels[in.Channel]
	eph := ""
	if resp.Data.Flags&FlagEphemeral != 0 {
		eph = in.User
	}
	switch resp.Type {
	case 4:
		if why := checkMessage(&resp.Data, true); why != "" {
			s.violation(w, "callback type 4: %s", why)
			return
		}
		in.Original = s.addMessageLocked(c, s.users[s.BotID], &resp.Data, eph).ID
	case 5:
		empty := ""
		resp.Data.Content = &empty
		msg := s.addMessageLocked(c, s.users[s.BotID], &resp.Data, eph)
		msg.Content = "helpdesk is thinking…"
		in.Original = msg.ID
	case 6:
		if !fromComponent {
			s.violation(w, "callback type 6 is only for component interactions")
			return
		}
		in.Original = in.Message
	case 7:
		if !fromComponent {
			s.violation(w, "callback type 7 is only for component interactions")
			return
		}
		if why := checkMessage(&resp.Data, false); why != "" {
			s.violation(w, "callback type 7: %s", why)
			return
		}
		s.editMessageLocked(s.messages[in.Message], &resp.Data)
		in.Original = in.Message
	case 9:
		if in.Type == 5 {
			s.violation(w, "a modal cannot answer a modal submission")
			return
		}
		d := resp.Data
		// A modal: title 1-45, custom_id 1-100, 1 to 5 rows of one text
		// input each, whose label is 1-45
		// (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-modal,
		// https://discord.com/developers/docs/components/reference#text-input).
		if d.Title == "" || utf8.RuneCountInString(d.Title) > 45 || d.CustomID == "" || len(d.CustomID) > 100 {
			s.violation(w, "modal title (1-45) or custom_id (1-100) invalid")
			return
		}
		if len(d.Components) == 0 || len(d.Components) > 5 {
			s.violation(w, "modal with %d rows (1 to 5 text inputs)", len(d.Components))
			return
		}
		var inputs []Component
		for _, row := range d.Components {
			if row.Type != 1 || len(row.Components) != 1 || row.Components[0].Type != 4 {
				s.violation(w, "a modal row must hold exactly one text input")
				return
			}
			ti := row.Components[0]
			if ti.Label == "" || utf8.RuneCountInString(ti.Label) > 45 || ti.CustomID == "" {
				s.violation(w, "text input label (1-45) or custom_id missing")
				return
			}
			inputs = append(inputs, ti)
		}
		s.modals = append(s.modals, Modal{Interaction: id, User: in.User, CustomID: d.CustomID, Title: d.Title, Inputs: inputs,
			FromMessage: in.Message, Channel: in.Channel})
	default:
		s.violation(w, "callback type %d", resp.Type)
		return
	}
	in.Responses = append(in.Responses, resp.Type)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) byToken(token string) *Interaction {
	for _, in := range s.interactions {
		if in.Token == token {
			return in
		}
	}
	return nil
}

func (s *Server) followup(w http.ResponseWriter, token string, b *msgBody) {
	in := s.byToken(token)
	if in == nil || len(in.Responses) == 0 {
		s.violation(w, "follow-up before the interaction was acknowledged")
		return
	}
	if why := checkMessage(b, true); why != "" {
		s.violation(w, "follow-up: %s", why)
		return
	}
	eph := ""
	if b.Flags&FlagEphemeral != 0 {
		eph = in.User
	}
	writeJSON(w, s.addMessageLocked(s.channels[in.Channel], s.users[s.BotID], b, eph))
}

func (s *Server) webhookEdit(w http.ResponseWriter, token, mid string, b *msgBody) {
	in := s.byToken(token)
	if in == nil || len(in.Responses) == 0 {
		s.violation(w, "webhook edit before the interaction was acknowledged")
		return
	}
	if mid == "@original" {
		mid = in.Original
	}
	msg := s.messages[mid]
	if msg == nil {
		http.Error(w, `{"message":"Unknown Message","code":10008}`, http.StatusNotFound)
		return
	}
	if why := checkMessage(b, false); why != "" {
		s.violation(w, "webhook edit: %s", why)
		return
	}
	s.editMessageLocked(msg, b)
	writeJSON(w, msg)
}
