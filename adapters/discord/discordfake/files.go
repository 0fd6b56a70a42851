package discordfake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// File is an attachment a user posts with a message.
type File struct {
	Name        string
	ContentType string
	Data        []byte

	id, channel, sig string
}

// SayWithFiles has the user post a message with attachments in a guild
// channel or thread. The message object lists each attachment with its
// CDN url, signed as Discord signs them (ex, is, hm query parameters):
// https://discord.com/developers/docs/resources/message#attachment-object
func (s *Server) SayWithFiles(user, channel, text string, files ...File) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channel]
	if c == nil {
		s.tb.Fatalf("discordfake: no channel %s", channel)
	}
	if s.files == nil {
		s.files = map[string]File{}
	}
	msg := &Message{ID: s.id(), ChannelID: c.ID, GuildID: c.GuildID, Author: s.users[user], Content: text, Embeds: []json.RawMessage{}}
	s.messages[msg.ID] = msg
	s.order = append(s.order, msg)
	var atts []any
	for _, f := range files {
		f.id, f.channel, f.sig = s.id(), c.ID, "sig"+s.id()
		if !s.forget[f.Name] {
			s.files[f.id] = f
		}
		atts = append(atts, map[string]any{"id": f.id, "filename": f.Name, "size": len(f.Data), "content_type": f.ContentType,
			"url": s.fileURL(f), "proxy_url": s.fileURL(f)})
	}
	ev := map[string]any{"id": msg.ID, "channel_id": c.ID, "author": msg.Author, "content": text, "embeds": []any{},
		"mentions": []any{}, "attachments": atts, "timestamp": time.Now().Format(time.RFC3339), "type": 0}
	if c.GuildID != "" {
		ev["guild_id"] = c.GuildID
		ev["member"] = map[string]any{"roles": []string{}}
	}
	s.dispatchLocked("MESSAGE_CREATE", ev)
	return msg.ID
}

func (s *Server) fileURL(f File) string {
	ex := strconv.FormatInt(time.Now().Add(24*time.Hour).Unix(), 16)
	return "https://cdn.discordapp.com/attachments/" + f.channel + "/" + f.id + "/" + f.Name + "?ex=" + ex + "&is=0&hm=" + f.sig
}

// attachment serves the CDN: the file for its signed url, 404 for an
// unknown file or a url without its signature (Discord's CDN answers
// unsigned attachment links with 404 since 2024).
func (s *Server) attachment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f, ok := s.files[r.PathValue("id")]
	s.mu.Unlock()
	if !ok || f.channel != r.PathValue("channel") || f.Name != r.PathValue("name") || r.URL.Query().Get("hm") != f.sig || r.URL.Query().Get("ex") == "" {
		http.Error(w, "404: Not Found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.Data)))
	w.Write(f.Data)
}

// ForgetFileOnPost makes the CDN lose the next attachment of that name as
// soon as it is posted (its message deleted before the bot fetched it).
func (s *Server) ForgetFileOnPost(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.forget == nil {
		s.forget = map[string]bool{}
	}
	s.forget[name] = true
}
