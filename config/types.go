package config

import "time"

// Config is the whole deployment: the main file plus the FAQ files it names.
// It is immutable once loaded; a reload produces a new *Config.
type Config struct {
	// File is the path the main file was loaded from (for messages).
	File      string    `yaml:"-"`
	Store     string    `yaml:"store"`
	Listen    string    `yaml:"listen"`
	BaseURL   string    `yaml:"base_url"`
	Platforms Platforms `yaml:"platforms"`
	Admins    People    `yaml:"admins"`
	Desks     []*Desk   `yaml:"desks"`
	// API lists the integrations that may use the JSON API, each with its
	// own bearer token and the desks it may touch.
	API []*Integration `yaml:"api"`
	// Metrics protects /metrics (Prometheus); nil: served on Listen to
	// anyone, as before it existed.
	Metrics *Metrics `yaml:"metrics"`
	// Vectors names word-vector files (made by `helpdesk faq vectors
	// import`) per language, for every desk; English is built in.
	Vectors map[string]string `yaml:"vectors"`
	// Attachments says how files sent with tickets are kept; nil: in the
	// store, with the default limit and allow-list.
	Attachments *Attachments `yaml:"attachments"`
	// Outbox keeps the replies a platform did not take (rate limited, down)
	// and sends them again; nil: the defaults.
	Outbox *Outbox `yaml:"outbox"`
}

// Attachments configures the files kept with tickets (web chat uploads,
// files posted in group chats, email attachments).
type Attachments struct {
	// Dir keeps the bytes in this folder (one folder per ticket) instead
	// of the store; "" = in the store.
	Dir string `yaml:"dir"`
	// MaxBytes is the largest file kept (default DefaultAttachmentMaxBytes).
	MaxBytes int64 `yaml:"max_bytes"`
	// Types is the allow-list of content types, as sniffed from the
	// content ("image/*" allows a family); empty: images, PDF, text and
	// office documents.
	Types []string `yaml:"types"`
}

// Outbox says how long undelivered replies are retried.
type Outbox struct {
	// ExpireAfter is how long a reply is retried before it is dropped
	// (logged, counted, noted on its ticket); 0: DefaultOutboxExpiry.
	ExpireAfter Duration `yaml:"expire_after"`
}

// DefaultOutboxExpiry is how long undelivered replies are retried when
// outbox.expire_after is not set.
const DefaultOutboxExpiry = 24 * time.Hour

// Limits of the retry settings (checked by Validate).
const (
	MaxRetryFor     = time.Hour
	MinOutboxExpiry = time.Minute
	MaxOutboxExpiry = 30 * 24 * time.Hour
	DefaultRetryFor = 2 * time.Minute
)

// OutboxExpiry is outbox.expire_after, or its default.
func (c *Config) OutboxExpiry() time.Duration {
	if c.Outbox == nil || c.Outbox.ExpireAfter <= 0 {
		return DefaultOutboxExpiry
	}
	return c.Outbox.ExpireAfter.D()
}

// DefaultAttachmentMaxBytes is the default attachments.max_bytes (10 MB).
const DefaultAttachmentMaxBytes = 10 << 20

// Metrics says who may scrape /metrics and where.
type Metrics struct {
	// Token is a bearer token scrapers must send (write ${ENV_VAR}); "" = none.
	Token string `yaml:"token"`
	// Listen serves /metrics on its own address (e.g. 127.0.0.1:9090) and
	// not on Listen; "" = on Listen. A change needs a restart.
	Listen string `yaml:"listen"`
}

// Integration is one client of the JSON API (a CRM, an intranet portal).
type Integration struct {
	Name  string   `yaml:"name"`
	Token string   `yaml:"token"` // bearer token; write ${ENV_VAR}, never the secret itself
	Desks []string `yaml:"desks"` // desk ids it may read and change
}

// Platforms holds per-platform connection settings. A nil entry is disabled.
type Platforms struct {
	Slack      *Slack      `yaml:"slack"`
	Discord    *Discord    `yaml:"discord"`
	Mattermost *Mattermost `yaml:"mattermost"`
	Web        *Web        `yaml:"web"`
	Email      *Email      `yaml:"email"`
}

type Slack struct {
	BotToken      string `yaml:"bot_token"`
	AppToken      string `yaml:"app_token"`
	SigningSecret string `yaml:"signing_secret"`
	Mode          string `yaml:"mode"` // socket (default) or http
	// APIURL is the Web API base (default https://slack.com/api/), e.g.
	// https://slack-gov.com/api/ for GovSlack.
	APIURL string `yaml:"api_url"`
	// RetryFor is how long a call answered 429 is retried (each wait as
	// Retry-After says) before the reply goes to the outbox (0: 2m).
	RetryFor Duration `yaml:"retry_for"`
}

type Discord struct {
	Token           string `yaml:"token"`
	Guild           string `yaml:"guild"`
	SupportChannel  string `yaml:"support_channel"`
	ShardID         int    `yaml:"shard_id"`
	ShardCount      int    `yaml:"shard_count"`
	PrivateChannels bool   `yaml:"private_channels"`
	// RetryFor: as for Slack (0: 2m).
	RetryFor Duration `yaml:"retry_for"`
}

type Mattermost struct {
	URL          string `yaml:"url"`
	Token        string `yaml:"token"`
	Team         string `yaml:"team"`
	ActionSecret string `yaml:"action_secret"`
	// RetryFor: as for Slack (0: 2m).
	RetryFor Duration `yaml:"retry_for"`
}

// Email is the email channel: mail to a desk's addresses opens tickets,
// read from an IMAP mailbox and/or taken by an SMTP receiver, and the
// replies go out through an SMTP server.
type Email struct {
	// Desks maps a desk id to the addresses whose mail opens its tickets;
	// the first is the From of the desk's replies.
	Desks map[string][]string `yaml:"desks"`
	// FromName is the display name of outgoing mail ("" = the desk's name).
	FromName string     `yaml:"from_name"`
	IMAP     *EmailIMAP `yaml:"imap"`
	Receiver *EmailIn   `yaml:"receiver"`
	SMTP     *EmailSMTP `yaml:"smtp"`
	// LinkSecret signs the buttons turned into links in mail (ratings);
	// write ${ENV_VAR}.
	LinkSecret string `yaml:"link_secret"`
	// PerSenderHour is how many mails one sender may send in an hour before
	// more wait (IMAP) or are deferred with 451 (SMTP); 0 = 30.
	PerSenderHour int `yaml:"per_sender_hour"`
	// MaxBytes is the largest mail taken (default 10 MiB).
	MaxBytes int64 `yaml:"max_bytes"`
}

// EmailIMAP is a mailbox the desk reads, with IDLE where the server has it.
type EmailIMAP struct {
	Addr     string `yaml:"addr"`     // host:port
	Security string `yaml:"security"` // tls (default), starttls, none (only for 127.0.0.1 tests)
	Username string `yaml:"username"`
	Password string `yaml:"password"` // write ${ENV_VAR}
	Mailbox  string `yaml:"mailbox"`  // default INBOX
	// MoveTo, when set, is the mailbox processed mail is moved to; else it
	// stays, flagged \Seen and $Helpdesk.
	MoveTo string `yaml:"move_to"`
	// Poll is how often the mailbox is checked when the server has no IDLE,
	// and the longest IDLE (default 1m).
	Poll Duration `yaml:"poll"`
	// InsecureSkipVerify accepts any server certificate (tests only).
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// EmailIn is an SMTP receiver for forwarding setups.
type EmailIn struct {
	Listen string `yaml:"listen"` // e.g. 0.0.0.0:2525
	Domain string `yaml:"domain"` // the name in the greeting (default localhost)
	// CertFile and KeyFile, when both set, offer STARTTLS.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// EmailSMTP is the server outgoing mail is sent through.
type EmailSMTP struct {
	Addr               string `yaml:"addr"`     // host:port
	Security           string `yaml:"security"` // starttls (default), tls, none
	Username           string `yaml:"username"`
	Password           string `yaml:"password"` // write ${ENV_VAR}
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

type Web struct {
	Enabled bool `yaml:"enabled"`
	// Demo users and agents may sign in from the printed demo link (first run).
	Demo bool `yaml:"demo"`
	// FrameAncestors are the origins (https://intranet.example.com, or
	// https://*.example.com) whose pages may show the chat in a frame: the
	// widget's panel (/?embed=1) only. Empty: no site may frame any page.
	FrameAncestors []string `yaml:"frame_ancestors"`

	// StreamsPerSession and StreamsPerAddress cap the open event streams
	// (browser tabs) of one session and of one client address; 0 means the
	// default (DefaultStreamsPerSession, DefaultStreamsPerAddress).
	StreamsPerSession int `yaml:"streams_per_session"`
	StreamsPerAddress int `yaml:"streams_per_address"`
}

// Defaults of the web chat's stream limits: a few tabs per browser, and
// room for an office behind one proxy address.
const (
	DefaultStreamsPerSession = 10
	DefaultStreamsPerAddress = 1000
)

// SessionStreams is the effective cap of event streams per session.
func (w *Web) SessionStreams() int {
	if w == nil || w.StreamsPerSession <= 0 {
		return DefaultStreamsPerSession
	}
	return w.StreamsPerSession
}

// AddressStreams is the effective cap of event streams per client address.
func (w *Web) AddressStreams() int {
	if w == nil || w.StreamsPerAddress <= 0 {
		return DefaultStreamsPerAddress
	}
	return w.StreamsPerAddress
}

// People names people per platform. On the web platform ids are e-mail-like
// names chosen by the admin.
type People struct {
	Slack      []string `yaml:"slack"`
	Discord    []string `yaml:"discord"`
	Mattermost []string `yaml:"mattermost"`
	Web        []string `yaml:"web"`
	Groups     []string `yaml:"groups"`
}

// Has reports whether the platform user id is listed.
func (p People) Has(platform, user string) bool {
	var ids []string
	switch platform {
	case "slack":
		ids = p.Slack
	case "discord":
		ids = p.Discord
	case "mattermost":
		ids = p.Mattermost
	case "web":
		ids = p.Web
	}
	for _, id := range ids {
		if id == user {
			return true
		}
	}
	return false
}

// Availability says who may use a desk: everyone, or listed people.
type Availability struct {
	Everyone bool
	People   People
}

// Desk is one help desk.
type Desk struct {
	ID             string            `yaml:"id"`
	Name           string            `yaml:"name"`
	Description    string            `yaml:"description"`
	Prefix         string            `yaml:"prefix"` // ticket id prefix, default upper-case ID
	AvailableTo    Availability      `yaml:"available_to"`
	Languages      []string          `yaml:"languages"` // first is the default
	Hours          *Hours            `yaml:"hours"`
	FAQFile        string            `yaml:"faq"`
	FAQ            *FAQ              `yaml:"-"`
	Forms          map[string]*Form  `yaml:"forms"`
	DefaultForm    string            `yaml:"default_form"`
	Agents         []*Agent          `yaml:"agents"`
	Admins         People            `yaml:"admins"`
	Rules          []*Rule           `yaml:"rules"`
	Strategy       string            `yaml:"strategy"` // least_busy (default) or round_robin
	Evaluation     Evaluation        `yaml:"evaluation"`
	AgentChannel   map[string]string `yaml:"agent_channel"` // platform -> channel id
	Thresholds     Thresholds        `yaml:"thresholds"`
	Offline        bool              `yaml:"offline"`
	OfflineMessage string            `yaml:"offline_message"`
	Greeting       string            `yaml:"greeting"`
	// CloseReasons are offered when ending a ticket's service; agents may
	// also write their own.
	CloseReasons []string `yaml:"close_reasons"`
	// Snippets are the desk's canned replies, which agents search and
	// insert (Ticket Center, API); their text may hold the variables of
	// SnippetVariables.
	Snippets []*Snippet `yaml:"snippets"`
	// Visibility is what the desk's agents see in the Ticket Center and the
	// API: "all" (default) the desk's tickets, "own" only those assigned
	// to them. Desk admins see all.
	Visibility string `yaml:"visibility"`
	// AssignTimeout: an agent who does not press Start Chat within it loses the ticket.
	AssignTimeout Duration `yaml:"assign_timeout"`
	// ReopenWindow: a user reply within it after End Service reopens the ticket.
	ReopenWindow Duration `yaml:"reopen_window"`
	// Inactivity: a ticket in service with no message for Warn gets a warning,
	// and closes itself after Close.
	Inactivity Inactivity `yaml:"inactivity"`
	SLA        SLA        `yaml:"sla"`
	// Vectors overrides the config's word-vector files for this desk.
	Vectors map[string]string `yaml:"vectors"`
}

// DefaultLanguage is the desk's first language.
func (d *Desk) DefaultLanguage() string {
	if len(d.Languages) == 0 {
		return "en"
	}
	return d.Languages[0]
}

// Agent looks up an agent of the desk by platform user id.
func (d *Desk) Agent(platform, user string) *Agent {
	for _, a := range d.Agents {
		if a.ID(platform) == user && user != "" {
			return a
		}
	}
	return nil
}

// AgentByName looks up an agent by the name used in config.
func (d *Desk) AgentByName(name string) *Agent {
	for _, a := range d.Agents {
		if a.Name == name {
			return a
		}
	}
	return nil
}

type Hours struct {
	Timezone string            `yaml:"timezone"`
	Weekly   map[string]string `yaml:"weekly"`   // "mon-fri": "08:00-18:00" or "08:00-12:00,13:00-17:00"
	Holidays []string          `yaml:"holidays"` // YYYY-MM-DD
	// Filled in by validation.
	Location *time.Location  `yaml:"-"`
	Windows  [7][]Window     `yaml:"-"` // indexed by time.Weekday
	Closed   map[string]bool `yaml:"-"` // holiday dates
}

// Window is a daily opening window in minutes after local midnight, [Start, End).
type Window struct{ Start, End int }

type Form struct {
	Title  string   `yaml:"title"`
	Fields []*Field `yaml:"fields"`
}

type Field struct {
	ID       string   `yaml:"id"`
	Label    string   `yaml:"label"`
	Type     string   `yaml:"type"` // text (default), paragraph, select
	Options  []string `yaml:"options"`
	Required bool     `yaml:"required"`
	MaxLen   int      `yaml:"max_length"`
}

type Agent struct {
	Name       string   `yaml:"name"`
	Slack      string   `yaml:"slack"`
	Discord    string   `yaml:"discord"`
	Mattermost string   `yaml:"mattermost"`
	Web        string   `yaml:"web"`
	Email      string   `yaml:"email"` // the agent's address: ticket cards of email tickets go there
	Skills     []string `yaml:"skills"`
	MaxOpen    int      `yaml:"max_open"`
	Hours      *Hours   `yaml:"hours"`
	Admin      bool     `yaml:"admin"`
}

// ID returns the agent's user id on a platform ("" if none).
func (a *Agent) ID(platform string) string {
	switch platform {
	case "slack":
		return a.Slack
	case "discord":
		return a.Discord
	case "mattermost":
		return a.Mattermost
	case "web":
		return a.Web
	case "email":
		return a.Email
	}
	return ""
}

type Rule struct {
	When     Match  `yaml:"when"`
	Assign   Assign `yaml:"assign"`
	Priority string `yaml:"priority"` // low, normal (default), high, urgent
}

// Match is a rule condition; empty fields match anything.
type Match struct {
	Category string            `yaml:"category"`
	Form     map[string]string `yaml:"form"`     // field id -> value
	Keywords []string          `yaml:"keywords"` // any in subject
	Platform string            `yaml:"platform"`
}

type Assign struct {
	Skills []string `yaml:"skills"`
	Agents []string `yaml:"agents"` // agent names
}

type Evaluation struct {
	Scale   int      `yaml:"scale"` // default 5
	Comment bool     `yaml:"comment"`
	Reasons []string `yaml:"reasons"`
}

// Thresholds are confidences in [0,1]; zero (the default) lets the FAQ
// model choose them per FAQ.
type Thresholds struct {
	Answer  float64 `yaml:"answer"`  // confidence >= answer: answer directly
	Suggest float64 `yaml:"suggest"` // suggest <= confidence < answer: did you mean
}

type Inactivity struct {
	Warn  Duration `yaml:"warn"`
	Close Duration `yaml:"close"`
}

type SLA struct {
	FirstResponse Duration `yaml:"first_response"`
	Resolution    Duration `yaml:"resolution"`
	WarnBefore    Duration `yaml:"warn_before"`
}

// Duration is a time.Duration written as "15m", "2h", "3d".
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// FAQ is one FAQ file: a menu tree of categories with items.
type FAQ struct {
	File string      `yaml:"-"`
	Menu []*Category `yaml:"menu"`
}

type Category struct {
	ID           string                         `yaml:"id"`
	Title        string                         `yaml:"title"`
	Form         string                         `yaml:"form"`
	Items        []*Item                        `yaml:"items"`
	Children     []*Category                    `yaml:"children"`
	Translations map[string]CategoryTranslation `yaml:"translations"`
}

type CategoryTranslation struct {
	Title string `yaml:"title"`
}

type Item struct {
	ID           string                 `yaml:"id"`
	Question     string                 `yaml:"question"`
	Alternates   []string               `yaml:"alternates"`
	Keywords     []string               `yaml:"keywords"`
	Answer       string                 `yaml:"answer"`
	Translations map[string]Translation `yaml:"translations"`
	// Category is the id of the category holding the item (set when loaded).
	Category string `yaml:"-"`
}

type Translation struct {
	Question   string   `yaml:"question"`
	Alternates []string `yaml:"alternates"`
	Keywords   []string `yaml:"keywords"`
	Answer     string   `yaml:"answer"`
}

// Snippet is a canned reply of a desk.
type Snippet struct {
	ID    string `yaml:"id"`
	Title string `yaml:"title"`
	Text  string `yaml:"text"`
}

// SnippetVariables are the variables a snippet's text may hold: the
// requester's name, the ticket's key and subject, the agent's name and the
// desk's name.
var SnippetVariables = []string{"requester", "ticket", "subject", "agent", "desk"}
