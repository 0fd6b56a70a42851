package discordfake

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gorilla/websocket"
)

// Intents the fake insists on (guilds, guild messages, direct messages, message content).
const RequiredIntents = 1 | 1<<9 | 1<<12 | 1<<15

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int64          `json:"s,omitempty"`
	T  string          `json:"t,omitempty"`
}

// gateway serves the WebSocket: HELLO, then IDENTIFY (READY, GUILD_CREATE)
// or RESUME (missed events, RESUMED), heartbeats and their acks.
func (s *Server) gateway(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	s.connMu.Lock()
	err = conn.WriteJSON(map[string]any{"op": 10, "d": map[string]int{"heartbeat_interval": s.HeartbeatMS}})
	s.connMu.Unlock()
	if err != nil {
		return
	}
	defer func() {
		s.connMu.Lock()
		if s.conn == conn {
			s.conn = nil
		}
		s.connMu.Unlock()
		s.changed.Notify()
	}()
	for {
		var f frame
		if err := conn.ReadJSON(&f); err != nil {
			return
		}
		switch f.Op {
		case 1:
			s.mu.Lock()
			s.heartbeats++
			s.mu.Unlock()
			s.connMu.Lock()
			_ = conn.WriteJSON(map[string]any{"op": 11})
			s.connMu.Unlock()
		case 2:
			var id struct {
				Token   string `json:"token"`
				Intents int    `json:"intents"`
				Shard   []int  `json:"shard"`
			}
			_ = json.Unmarshal(f.D, &id)
			ok := s.identify(conn, id.Token, id.Intents, id.Shard)
			s.changed.Notify()
			if !ok {
				return
			}
		case 6:
			var res struct {
				Token     string `json:"token"`
				SessionID string `json:"session_id"`
				Seq       int64  `json:"seq"`
			}
			_ = json.Unmarshal(f.D, &res)
			ok := s.resume(conn, res.Token, res.SessionID, res.Seq)
			s.changed.Notify()
			if !ok {
				return
			}
		}
	}
}

func (s *Server) tokenOK(t string) bool {
	return !s.revoked && strings.TrimPrefix(t, "Bot ") == s.Token
}

func (s *Server) identify(conn *websocket.Conn, token string, intents int, shard []int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if !s.tokenOK(token) {
		_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed."))
		return false
	}
	if intents&RequiredIntents != RequiredIntents {
		s.tb.Errorf("discordfake: IDENTIFY intents %b lack guilds, guild messages, direct messages or message content", intents)
	}
	s.identifies++
	s.intents, s.shard = intents, shard
	s.sessionID = "session-" + s.id()
	s.seq, s.log = 0, nil
	s.conn = conn
	var channels, threads []*Channel
	for _, c := range s.channels {
		switch {
		case c.GuildID == "":
		case c.Type >= 10:
			threads = append(threads, c)
		default:
			channels = append(channels, c)
		}
	}
	s.sendLocked("READY", map[string]any{"v": 9, "user": s.users[s.BotID], "session_id": s.sessionID,
		"resume_gateway_url": "ws" + strings.TrimPrefix(s.http.URL, "http") + "/gateway",
		"application":        map[string]any{"id": s.AppID, "flags": 0}, "guilds": []any{map[string]any{"id": s.GuildID, "unavailable": true}}})
	s.sendLocked("GUILD_CREATE", map[string]any{"id": s.GuildID, "name": "Fake Guild", "channels": channels, "threads": threads,
		"roles": []any{map[string]any{"id": s.GuildID, "name": "@everyone", "permissions": "0"}}, "members": []any{}})
	return true
}

func (s *Server) resume(conn *websocket.Conn, token, session string, seq int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if !s.tokenOK(token) {
		_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed."))
		return false
	}
	if session != s.sessionID {
		_ = conn.WriteJSON(map[string]any{"op": 9, "d": false})
		return true
	}
	s.resumes++
	for _, e := range s.log {
		if e.seq > seq {
			_ = conn.WriteMessage(websocket.TextMessage, e.raw)
		}
	}
	s.conn = conn
	s.sendLocked("RESUMED", map[string]any{})
	return true
}

// sendLocked sends a dispatch on the current connection (callers hold mu and connMu).
func (s *Server) sendLocked(typ string, d any) {
	s.seq++
	data, _ := json.Marshal(d)
	seq := s.seq
	raw, _ := json.Marshal(frame{Op: 0, T: typ, S: &seq, D: data})
	s.log = append(s.log, gwEvent{seq: seq, raw: raw})
	if s.conn != nil {
		_ = s.conn.WriteMessage(websocket.TextMessage, raw)
	}
}

// dispatchLocked sends an event now, or keeps it for the RESUME (callers hold mu).
func (s *Server) dispatchLocked(typ string, d any) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	s.sendLocked(typ, d)
}

// Dispatch sends a gateway event.
func (s *Server) Dispatch(typ string, d any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dispatchLocked(typ, d)
}

// DispatchRaw sends a gateway event whose data is given as raw JSON.
func (s *Server) DispatchRaw(typ, raw string) {
	s.Dispatch(typ, json.RawMessage(raw))
}

// Reconnect sends op 7 RECONNECT; events until the client resumes are kept
// and replayed after its RESUME.
func (s *Server) Reconnect() {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if s.conn != nil {
		_ = s.conn.WriteJSON(map[string]any{"op": 7, "d": nil})
		s.conn = nil
	}
	s.changed.Notify()
}

// Connected reports whether a client is connected and identified or resumed.
func (s *Server) Connected() bool {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	return s.conn != nil
}
