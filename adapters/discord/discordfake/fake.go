// Package discordfake is a protocol-level fake of Discord for tests: the
// REST API (v9) and the gateway WebSocket on 127.0.0.1, written from
// Discord's published API documentation. It plays the people (DMs, messages,
// button presses, select choices, modal submissions, slash commands) and
// fails the test on what the real Discord would reject: an interaction not
// acknowledged within 3 s, more than 5 inputs in a modal, more than 5
// buttons in a row, messages whose allowed_mentions do not suppress every
// mention, a command that mixes sub-commands with options.
//
// Point discordgo at it with Client: its transport sends every request for
// discord.com to the fake, so tests using separate fakes run in parallel.
package discordfake

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/platformtest"
	"time"

	"github.com/gorilla/websocket"
)

// Channel types and flags used here.
const (
	TypeText          = 0
	TypeDM            = 1
	TypeCategory      = 4
	TypePublicThread  = 11
	TypePrivateThread = 12
	FlagEphemeral     = 64
)

// Overwrite is a permission overwrite on a channel.
type Overwrite struct {
	ID    string `json:"id"`
	Type  int    `json:"type"`
	Allow string `json:"allow"`
	Deny  string `json:"deny"`
}

// Channel is a channel, DM or thread.
type Channel struct {
	ID         string      `json:"id"`
	Type       int         `json:"type"`
	GuildID    string      `json:"guild_id,omitempty"`
	ParentID   string      `json:"parent_id,omitempty"`
	Name       string      `json:"name,omitempty"`
	Topic      string      `json:"topic,omitempty"`
	Overwrites []Overwrite `json:"permission_overwrites,omitempty"`
	Recipients []User      `json:"recipients,omitempty"`
	Metadata   *struct {
		Archived bool `json:"archived"`
		Locked   bool `json:"locked"`
	} `json:"thread_metadata,omitempty"`
	Invitable *bool    `json:"invitable,omitempty"`
	Members   []string `json:"-"`
}

// User is a Discord user.
type User struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Bot      bool   `json:"bot,omitempty"`
}

// Message is a posted message as Discord stores it.
type Message struct {
	ID         string            `json:"id"`
	ChannelID  string            `json:"channel_id"`
	GuildID    string            `json:"guild_id,omitempty"`
	Author     User              `json:"author"`
	Content    string            `json:"content"`
	Embeds     []json.RawMessage `json:"embeds"`
	Components []Component       `json:"components"`
	Flags      int               `json:"flags,omitempty"`
	// EphemeralFor is the user who alone sees an ephemeral message.
	EphemeralFor string `json:"-"`
	Edits        int    `json:"-"`
}

// Component is a message or modal component.
type Component struct {
	Type     int      `json:"type"`
	CustomID string   `json:"custom_id,omitempty"`
	Label    string   `json:"label,omitempty"`
	Style    int      `json:"style,omitempty"`
	URL      string   `json:"url,omitempty"`
	Options  []Option `json:"options,omitempty"`
	Required *bool    `json:"required,omitempty"`
	Value    string   `json:"value,omitempty"`
	// Disabled controls show greyed out and cannot be pressed
	// (https://discord.com/developers/docs/components/reference#button).
	Disabled   bool        `json:"disabled,omitempty"`
	Components []Component `json:"components,omitempty"`
}

// Option is a select menu option.
type Option struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Modal is a modal shown to a user.
type Modal struct {
	Interaction string
	User        string
	CustomID    string
	Title       string
	Inputs      []Component
	// FromMessage is the message of the component that opened it.
	FromMessage string
	Channel     string
}

// Interaction is one INTERACTION_CREATE and what the bot answered.
type Interaction struct {
	ID, Token, User, Channel string
	Type                     int
	Message                  string // the message a component belongs to
	Created                  time.Time
	Responses                []int // callback types, in order
	Original                 string
}

// Server is the fake.
type Server struct {
	tb      testing.TB
	http    *httptest.Server
	URL     string
	Token   string
	BotID   string
	AppID   string
	GuildID string
	// HeartbeatMS is the heartbeat interval sent in HELLO.
	HeartbeatMS int

	// changed is notified after every REST request and gateway state
	// change, so waiters re-check their condition instead of polling.
	changed platformtest.Signal

	mu           sync.Mutex
	next         int64
	users        map[string]User
	channels     map[string]*Channel
	messages     map[string]*Message
	order        []*Message
	interactions map[string]*Interaction
	modals       []Modal
	Commands     []json.RawMessage
	revoked      bool
	rateLimit    int
	dmsClosed    map[string]bool // users who take no DMs from the bot
	deleted      int             // channels deleted over REST
	files        map[string]File // attachments on the CDN by id (files.go)
	forget       map[string]bool // attachment names the CDN loses at once

	// gateway
	conn       *websocket.Conn
	connMu     sync.Mutex
	sessionID  string
	seq        int64
	log        []gwEvent
	identifies int
	resumes    int
	heartbeats int
	shard      []int
	intents    int
}

type gwEvent struct {
	seq int64
	raw []byte
}

// New starts a fake Discord with a guild, a bot and the named text channels.
func New(tb testing.TB, token string) *Server {
	s := &Server{tb: tb, Token: token, HeartbeatMS: 250, users: map[string]User{}, channels: map[string]*Channel{},
		messages: map[string]*Message{}, interactions: map[string]*Interaction{}, next: 1000}
	s.BotID, s.AppID, s.GuildID = s.id(), s.id(), s.id()
	s.users[s.BotID] = User{ID: s.BotID, Username: "helpdesk", Bot: true}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v9/", s.rest)
	mux.HandleFunc("/gateway", s.gateway)
	mux.HandleFunc("/gateway/", s.gateway) // discordgo adds a trailing slash
	mux.HandleFunc("/attachments/{channel}/{id}/{name}", s.attachment)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("discordfake: listen: %v", err)
	}
	s.http = &httptest.Server{Listener: l, Config: &http.Server{Handler: mux}}
	s.http.Start()
	s.URL = s.http.URL + "/"
	tb.Cleanup(s.Close)
	return s
}

// Deleted is how many channels were deleted over REST.
func (s *Server) Deleted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleted
}

// snowflakeLess orders snowflakes by age (they are numbers).
func snowflakeLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// Close stops the server.
func (s *Server) Close() {
	s.connMu.Lock()
	if s.conn != nil {
		s.conn.Close()
	}
	s.connMu.Unlock()
	s.http.CloseClientConnections()
	s.http.Close()
}

// Client returns an HTTP client for discordgo (discord.Options.HTTPClient)
// whose requests for discord.com reach the fake; the gateway URL the fake
// hands out points at it already.
func (s *Server) Client() *http.Client {
	return &http.Client{Timeout: 20 * time.Second, Transport: toFake{host: s.http.Listener.Addr().String()}}
}

// toFake rewrites requests for Discord's hosts to the fake's address.
type toFake struct{ host string }

func (t toFake) RoundTrip(r *http.Request) (*http.Response, error) {
	if h := r.URL.Hostname(); h == "discord.com" || strings.HasSuffix(h, ".discord.com") || h == "cdn.discordapp.com" {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host, r.Host = "http", t.host, ""
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (s *Server) id() string {
	s.next++
	return strconv.FormatInt(s.next, 10)
}

// AddUser registers a person.
func (s *Server) AddUser(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.id()
	s.users[id] = User{ID: id, Username: name}
	return id
}

// AddChannel adds a guild channel (text or category).
func (s *Server) AddChannel(name string, typ int, parent string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.id()
	s.channels[id] = &Channel{ID: id, Type: typ, GuildID: s.GuildID, Name: name, ParentID: parent}
	return id
}

// Revoke revokes the token: REST answers 401 and the gateway closes with 4004.
func (s *Server) Revoke() {
	s.mu.Lock()
	s.revoked = true
	s.mu.Unlock()
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if s.conn != nil {
		_ = s.conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed."))
		s.conn.Close()
		s.conn = nil
	}
}

// CloseDMs makes user take no direct messages from the bot, as a member
// with "Allow direct messages from server members" off: posts to their DM
// answer 50007.
func (s *Server) CloseDMs(user string) {
	s.mu.Lock()
	if s.dmsClosed == nil {
		s.dmsClosed = map[string]bool{}
	}
	s.dmsClosed[user] = true
	s.mu.Unlock()
}

// RateLimitNext makes the next n REST calls answer 429.
func (s *Server) RateLimitNext(n int) {
	s.mu.Lock()
	s.rateLimit = n
	s.mu.Unlock()
}

// violation fails the test and answers 400, as Discord would refuse.
func (s *Server) violation(w http.ResponseWriter, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.tb.Errorf("discordfake: Discord would reject this: %s", msg)
	http.Error(w, `{"code":50035,"message":"Invalid Form Body: `+strings.ReplaceAll(msg, `"`, `'`)+`"}`, http.StatusBadRequest)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Stats says what the gateway saw.
func (s *Server) Stats() (identifies, resumes, heartbeats int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.identifies, s.resumes, s.heartbeats
}

// Identify returns the intents and shard of the last IDENTIFY.
func (s *Server) Identify() (intents int, shard []int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.intents, s.shard
}

// AddUserID registers a person with a fixed id (as named in a test config).
func (s *Server) AddUserID(id, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[id] = User{ID: id, Username: name}
	return id
}

// AddChannelID adds a guild channel with a fixed id.
func (s *Server) AddChannelID(id, name string, typ int, parent string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[id] = &Channel{ID: id, Type: typ, GuildID: s.GuildID, Name: name, ParentID: parent}
	return id
}

// Unanswered lists interactions that got no callback at all.
func (s *Server) Unanswered() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id, in := range s.interactions {
		if len(in.Responses) == 0 {
			out = append(out, id)
		}
	}
	return out
}

// Registered returns how many application commands are registered.
func (s *Server) Registered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.Commands)
}
