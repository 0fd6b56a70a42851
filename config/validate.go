package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// knownLanguages are the languages a desk and a translation may use.
var knownLanguages = []string{"en", "de", "fr", "es", "it", "nl", "pt", "zh", "ja", "ko", "ru", "sv", "da", "no", "fi", "pl", "cs", "tr", "ar"}

// KnownLanguage reports whether code is a language desks may use.
func KnownLanguage(code string) bool { return slices.Contains(knownLanguages, code) }

// KnownLanguages lists the language codes desks may use.
func KnownLanguages() []string { return slices.Clone(knownLanguages) }

// Platform names as used in config keys and People.
var platformNames = []string{"slack", "discord", "mattermost", "web", "email"}

var (
	deskIDPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
	prefixPattern = regexp.MustCompile(`^[A-Z0-9]+$`)
	priorities    = []string{"low", "normal", "high", "urgent"}
	strategies    = []string{"least_busy", "round_robin"}
	fieldTypes    = []string{"text", "paragraph", "select"}
	// frameAncestor is an origin as a CSP host-source may name it (CSP
	// Level 3, "host-source"): scheme, host (a leading "*." for its
	// subdomains), an optional port; nothing that could end the directive.
	frameAncestor = regexp.MustCompile(`^https?://(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?$`)
)

// ValidFrameAncestor reports whether o may be listed in
// platforms.web.frame_ancestors (and so in a frame-ancestors directive).
func ValidFrameAncestor(o string) bool { return frameAncestor.MatchString(o) }

// setDefaults fills what the files left out; s tells which keys were given.
func setDefaults(c *Config, s *source) {
	if c.Store == "" {
		c.Store = "sqlite:helpdesk.db"
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8080"
	}
	pl := &c.Platforms
	if pl.Slack == nil && pl.Discord == nil && pl.Mattermost == nil && pl.Web == nil && pl.Email == nil && !s.failed("platforms") {
		pl.Web = &Web{Enabled: true}
	}
	if pl.Web != nil && !s.has("platforms.web.enabled") {
		pl.Web.Enabled = true // writing web: {demo: true} means the web chat is wanted
	}
	if pl.Slack != nil && pl.Slack.Mode == "" {
		pl.Slack.Mode = "socket"
	}
	for i, d := range c.Desks {
		if d == nil {
			continue
		}
		dp := fmt.Sprintf("desks.%d", i)
		if d.Name == "" {
			d.Name = d.ID
		}
		if d.Prefix == "" && !s.has(join(dp, "prefix")) {
			d.Prefix = prefixFromID(d.ID)
		}
		if !s.has(join(dp, "available_to")) {
			d.AvailableTo.Everyone = true
		}
		if len(d.Languages) == 0 {
			d.Languages = []string{"en"}
		}
		if d.Strategy == "" {
			d.Strategy = "least_busy"
		}
		if d.Evaluation.Scale == 0 {
			d.Evaluation.Scale = 5
		}
		// Zero is a meaningful threshold, so only a missing key gets the default.
		if !s.has(join(dp, "thresholds.answer")) {
			d.Thresholds.Answer = DefaultAnswerThreshold
		}
		if !s.has(join(dp, "thresholds.suggest")) {
			d.Thresholds.Suggest = DefaultSuggestThreshold
		}
		if d.AssignTimeout == 0 {
			d.AssignTimeout = Duration(10 * time.Minute)
		}
		if d.ReopenWindow == 0 {
			d.ReopenWindow = Duration(72 * time.Hour)
		}
		if d.Inactivity.Warn == 0 {
			d.Inactivity.Warn = Duration(2 * time.Hour)
		}
		if d.Inactivity.Close == 0 {
			d.Inactivity.Close = Duration(24 * time.Hour)
		}
		if (d.SLA.FirstResponse != 0 || d.SLA.Resolution != 0) && d.SLA.WarnBefore == 0 {
			d.SLA.WarnBefore = Duration(15 * time.Minute)
		}
		if d.OfflineMessage == "" {
			d.OfflineMessage = fmt.Sprintf("The %s is offline at the moment. Please try again later.", d.Name)
		}
		for _, a := range d.Agents {
			if a != nil && a.MaxOpen == 0 {
				a.MaxOpen = 5
			}
		}
		for _, f := range d.Forms {
			if f == nil {
				continue
			}
			for _, fl := range f.Fields {
				if fl == nil {
					continue
				}
				if fl.Type == "" {
					fl.Type = "text"
				}
				if fl.MaxLen == 0 {
					switch fl.Type {
					case "text":
						fl.MaxLen = 200
					case "paragraph":
						fl.MaxLen = 2000
					}
				}
			}
		}
		for _, r := range d.Rules {
			if r != nil && r.Priority == "" {
				r.Priority = "normal"
			}
		}
	}
}

// prefixFromID makes a ticket prefix: the desk id upper-cased, letters and
// digits only ("it-ops" -> "ITOPS").
func prefixFromID(id string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(id) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// validate reports every problem of a decoded, defaulted config. faqSrc gives
// each desk's FAQ file source for lines inside it.
func validate(c *Config, s *source, faqSrc map[*Desk]*source, p *problems) {
	check := func(path string) bool { return !s.failed(path) }

	switch {
	case strings.HasPrefix(c.Store, "sqlite:"):
		if strings.TrimPrefix(c.Store, "sqlite:") == "" {
			p.at(s, "store", "store %q names no database file (write e.g. sqlite:helpdesk.db)", c.Store)
		}
	case strings.HasPrefix(c.Store, "postgres://"), strings.HasPrefix(c.Store, "postgresql://"):
	default:
		if check("store") {
			p.at(s, "store", "store %q must start with sqlite: or postgres:// (e.g. sqlite:helpdesk.db)", c.Store)
		}
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil && check("listen") {
		p.at(s, "listen", "listen %q must be host:port (e.g. 127.0.0.1:8080 or :8080)", c.Listen)
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p.at(s, "base_url", "base_url %q must be an http:// or https:// URL", c.BaseURL)
		}
	}
	if mc := c.Metrics; mc != nil {
		if mc.Listen != "" && check("metrics.listen") {
			if _, _, err := net.SplitHostPort(mc.Listen); err != nil {
				p.at(s, "metrics.listen", "metrics listen %q must be host:port (e.g. 127.0.0.1:9090)", mc.Listen)
			} else if mc.Listen == c.Listen {
				p.at(s, "metrics.listen", "metrics listen %q is the same as listen: leave it out to serve /metrics there", mc.Listen)
			}
		}
		if mc.Token != "" && len(mc.Token) < minTokenLen && check("metrics.token") {
			p.at(s, "metrics.token", "metrics token must be at least %d characters (e.g. token: ${METRICS_TOKEN})", minTokenLen)
		}
	}
	validatePlatforms(&c.Platforms, s, p)
	if ob := c.Outbox; ob != nil && ob.ExpireAfter != 0 && check("outbox.expire_after") {
		if d := ob.ExpireAfter.D(); d < MinOutboxExpiry || d > MaxOutboxExpiry {
			p.at(s, "outbox.expire_after", "outbox expire_after %s must be between %s and %s (default %s)", d, MinOutboxExpiry, "30d", DefaultOutboxExpiry)
		}
	}
	validateEmail(c, s, p)
	validateAttachments(c.Attachments, s, p)
	defer validateAPI(c, s, p)

	if len(c.Desks) == 0 {
		if check("desks") {
			if s.has("desks") {
				p.at(s, "desks", "desks is empty: define at least one desk")
			} else {
				p.at(s, "desks", "desks is missing: define at least one desk")
			}
		}
		return
	}
	ids := map[string]string{}
	prefixes := map[string]string{}
	for i, d := range c.Desks {
		dp := fmt.Sprintf("desks.%d", i)
		if d == nil {
			p.at(s, dp, "empty desk")
			continue
		}
		switch {
		case d.ID == "":
			if check(join(dp, "id")) {
				p.at(s, dp, "desk without id")
			}
		case !deskIDPattern.MatchString(d.ID):
			p.at(s, join(dp, "id"), "desk id %q must be a lowercase slug (a-z, 0-9 and -)", d.ID)
		default:
			if first, dup := ids[d.ID]; dup {
				p.at(s, join(dp, "id"), "duplicate desk id %q (first on line %d)", d.ID, s.line(first))
			} else {
				ids[d.ID] = join(dp, "id")
			}
		}
		if d.Prefix != "" || s.has(join(dp, "prefix")) {
			if !prefixPattern.MatchString(d.Prefix) {
				if check(join(dp, "prefix")) {
					p.at(s, join(dp, "prefix"), "prefix %q must be upper-case letters and digits (e.g. IT)", d.Prefix)
				}
			} else if first, dup := prefixes[d.Prefix]; dup {
				p.at(s, join(dp, "prefix"), "ticket prefix %q is already used by the desk on line %d", d.Prefix, s.line(first))
			} else {
				prefixes[d.Prefix] = dp
			}
		}
		validateDesk(d, s, faqSrc[d], dp, p)
	}
}

func validatePlatforms(pl *Platforms, s *source, p *problems) {
	need := func(path, platform string, pairs ...string) {
		for i := 0; i+1 < len(pairs); i += 2 {
			key, val := pairs[i], pairs[i+1]
			if val == "" && !s.failed(join(path, key)) {
				p.at(s, path, "%s needs %s", platform, key)
			}
		}
	}
	if sl := pl.Slack; sl != nil {
		switch sl.Mode {
		case "socket":
			need("platforms.slack", "slack (mode socket)", "bot_token", sl.BotToken, "app_token", sl.AppToken)
		case "http":
			need("platforms.slack", "slack (mode http)", "bot_token", sl.BotToken, "signing_secret", sl.SigningSecret)
		default:
			if !s.failed("platforms.slack.mode") {
				p.at(s, "platforms.slack.mode", "unknown slack mode %q (use socket or http)", sl.Mode)
			}
		}
	}
	if sl := pl.Slack; sl != nil && sl.APIURL != "" {
		u, err := url.Parse(sl.APIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			p.at(s, "platforms.slack.api_url", "slack api_url %q must be an http:// or https:// URL such as https://slack.com/api/", sl.APIURL)
		}
	}
	if dc := pl.Discord; dc != nil {
		need("platforms.discord", "discord", "token", dc.Token)
		if dc.ShardCount < 0 || dc.ShardID < 0 || (dc.ShardCount > 0 && dc.ShardID >= dc.ShardCount) {
			p.at(s, "platforms.discord.shard_id", "discord shard_id %d must be between 0 and shard_count-1 (%d)", dc.ShardID, dc.ShardCount-1)
		}
	}
	if mm := pl.Mattermost; mm != nil {
		need("platforms.mattermost", "mattermost", "url", mm.URL, "token", mm.Token, "team", mm.Team, "action_secret", mm.ActionSecret)
		if mm.URL != "" {
			u, err := url.Parse(mm.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				p.at(s, "platforms.mattermost.url", "mattermost url %q must be an http:// or https:// URL", mm.URL)
			}
		}
	}
	if w := pl.Web; w != nil {
		for i, o := range w.FrameAncestors {
			if path := join("platforms.web.frame_ancestors", i); !ValidFrameAncestor(o) && !s.failed(path) {
				p.at(s, path, "frame_ancestors %q must be an origin such as https://intranet.example.com (http or https, a host that may start with *., an optional port, no path)", o)
			}
		}
		if w.StreamsPerSession < 0 {
			p.at(s, "platforms.web.streams_per_session", "web streams_per_session %d must be 0 (default %d) or more", w.StreamsPerSession, DefaultStreamsPerSession)
		}
		if w.StreamsPerAddress < 0 {
			p.at(s, "platforms.web.streams_per_address", "web streams_per_address %d must be 0 (default %d) or more", w.StreamsPerAddress, DefaultStreamsPerAddress)
		}
		if w.StreamsPerAddress > 0 && w.StreamsPerAddress < w.SessionStreams() {
			p.at(s, "platforms.web.streams_per_address", "web streams_per_address %d must be at least streams_per_session (%d)", w.StreamsPerAddress, w.SessionStreams())
		}
	}
	retryFor := func(platform string, d Duration) {
		if d.D() > MaxRetryFor {
			p.at(s, "platforms."+platform+".retry_for", "%s retry_for %s is longer than %s: a reply would wait that long before it goes to the outbox (write e.g. 2m)", platform, d.D(), MaxRetryFor)
		}
	}
	if pl.Slack != nil {
		retryFor("slack", pl.Slack.RetryFor)
	}
	if pl.Discord != nil {
		retryFor("discord", pl.Discord.RetryFor)
	}
	if pl.Mattermost != nil {
		retryFor("mattermost", pl.Mattermost.RetryFor)
	}
	enabled := pl.Slack != nil || pl.Discord != nil || pl.Mattermost != nil || (pl.Web != nil && pl.Web.Enabled) || pl.Email != nil
	if !enabled && !s.failed("platforms") {
		p.at(s, "platforms", "no platform is enabled: configure slack, discord, mattermost or web")
	}
}

func validateDesk(d *Desk, s *source, fs *source, dp string, p *problems) {
	check := func(path string) bool { return !s.failed(path) }

	for i, l := range d.Languages {
		if !KnownLanguage(l) && check(join(join(dp, "languages"), i)) {
			p.at(s, join(join(dp, "languages"), i), "unknown language %q (known: %s)", l, strings.Join(knownLanguages, " "))
		}
	}
	if !slices.Contains(strategies, d.Strategy) && check(join(dp, "strategy")) {
		p.at(s, join(dp, "strategy"), "unknown strategy %q (use least_busy or round_robin)", d.Strategy)
	}
	th := d.Thresholds
	thOK := check(join(dp, "thresholds"))
	for _, t := range []struct {
		key string
		v   float64
	}{{"answer", th.Answer}, {"suggest", th.Suggest}} {
		if (t.v < 0 || t.v > 1) && thOK {
			p.at(s, join(dp, "thresholds."+t.key), "thresholds.%s %g must be between 0 and 1", t.key, t.v)
		}
	}
	if th.Answer > 0 && th.Suggest > th.Answer && thOK && check(join(dp, "thresholds.answer")) && check(join(dp, "thresholds.suggest")) {
		p.at(s, join(dp, "thresholds.suggest"), "thresholds.suggest %g must not be above thresholds.answer %g", th.Suggest, th.Answer)
	}
	if sc := d.Evaluation.Scale; sc < 2 || sc > 10 {
		p.at(s, join(dp, "evaluation.scale"), "evaluation scale %d must be between 2 and 10", sc)
	}
	validateCloseReasons(d, s, dp, p)
	if v := d.Visibility; v != "" && v != "all" && v != "own" {
		p.at(s, join(dp, "visibility"), "unknown visibility %q (use all or own)", v)
	}
	validateSnippets(d, s, dp, p)
	if d.Inactivity.Warn >= d.Inactivity.Close {
		p.at(s, join(dp, "inactivity.warn"), "inactivity warn (%s) must be shorter than close (%s)", d.Inactivity.Warn, d.Inactivity.Close)
	}
	if d.Hours != nil {
		validateHours(d.Hours, s, join(dp, "hours"), p)
	}
	for k := range d.AgentChannel {
		if !slices.Contains(platformNames, k) {
			p.at(s, join(join(dp, "agent_channel"), k), "agent_channel: unknown platform %q (use slack, discord, mattermost or web)", k)
		}
	}

	// Forms.
	formNames := make([]string, 0, len(d.Forms))
	for name := range d.Forms {
		formNames = append(formNames, name)
	}
	sort.Strings(formNames)
	fieldIDs := map[string]bool{}
	for _, name := range formNames {
		f := d.Forms[name]
		fp := join(join(dp, "forms"), name)
		if f == nil {
			p.at(s, fp, "form %q is empty", name)
			continue
		}
		if len(f.Fields) == 0 && check(join(fp, "fields")) {
			p.at(s, fp, "form %q has no fields", name)
		}
		seen := map[string]string{}
		for i, fl := range f.Fields {
			flp := join(join(fp, "fields"), i)
			if fl == nil {
				p.at(s, flp, "empty form field")
				continue
			}
			if fl.ID == "" && check(join(flp, "id")) {
				p.at(s, flp, "form field without id")
			}
			if fl.Label == "" && check(join(flp, "label")) {
				p.at(s, flp, "form field %q without label", fl.ID)
			}
			if fl.ID != "" {
				fieldIDs[fl.ID] = true
				if first, dup := seen[fl.ID]; dup {
					p.at(s, join(flp, "id"), "duplicate field id %q in form %q (first on line %d)", fl.ID, name, s.line(first))
				} else {
					seen[fl.ID] = join(flp, "id")
				}
			}
			switch {
			case !slices.Contains(fieldTypes, fl.Type):
				if check(join(flp, "type")) {
					p.at(s, join(flp, "type"), "unknown field type %q (use text, paragraph or select)", fl.Type)
				}
			case fl.Type == "select" && len(fl.Options) == 0:
				if check(join(flp, "options")) {
					p.at(s, flp, "select field %q needs options", fl.ID)
				}
			case fl.Type != "select" && len(fl.Options) > 0:
				p.at(s, join(flp, "options"), "field %q has options but is not a select field (add type: select)", fl.ID)
			}
			if fl.MaxLen < 0 {
				p.at(s, join(flp, "max_length"), "max_length %d must not be negative", fl.MaxLen)
			}
		}
	}
	if d.DefaultForm != "" && d.Forms[d.DefaultForm] == nil {
		p.at(s, join(dp, "default_form"), "default_form %q is not a form of this desk%s", d.DefaultForm, knownList(" (forms: %s)", formNames))
	}

	// Agents.
	skills := map[string]bool{}
	names := map[string]string{}
	ids := map[string]string{} // "platform:id" -> agent name
	for i, a := range d.Agents {
		ap := join(join(dp, "agents"), i)
		if a == nil {
			p.at(s, ap, "empty agent")
			continue
		}
		if a.Name == "" {
			if check(join(ap, "name")) {
				p.at(s, ap, "agent without name")
			}
		} else if first, dup := names[a.Name]; dup {
			p.at(s, join(ap, "name"), "duplicate agent name %q (first on line %d)", a.Name, s.line(first))
		} else {
			names[a.Name] = join(ap, "name")
		}
		if a.MaxOpen < 0 {
			p.at(s, join(ap, "max_open"), "max_open %d must not be negative", a.MaxOpen)
		}
		hasID := false
		for _, pl := range platformNames {
			id := a.ID(pl)
			if id == "" {
				if s.failed(join(ap, pl)) {
					hasID = true // already reported (e.g. an unset variable)
				}
				continue
			}
			hasID = true
			if other, dup := ids[pl+":"+id]; dup {
				p.at(s, join(ap, pl), "%s id %q is already used by agent %q", pl, id, other)
			} else {
				ids[pl+":"+id] = a.Name
			}
		}
		if !hasID {
			p.at(s, ap, "agent %q has no platform id (set slack, discord, mattermost or web)", a.Name)
		}
		for _, sk := range a.Skills {
			skills[sk] = true
		}
		if a.Hours != nil {
			validateHours(a.Hours, s, join(ap, "hours"), p)
		}
	}

	// FAQ menu against the desk.
	cats := map[string]bool{}
	if d.FAQ != nil && fs != nil {
		var walk func(cs []*Category, path string)
		walk = func(cs []*Category, path string) {
			for i, c := range cs {
				if c == nil {
					continue
				}
				cp := join(path, i)
				cats[c.ID] = true
				if c.Form != "" && d.Forms[c.Form] == nil {
					p.at(fs, join(cp, "form"), "category %q names form %q, which desk %q does not have%s", c.ID, c.Form, d.ID, knownList(" (forms: %s)", formNames))
				}
				walk(c.Children, join(cp, "children"))
			}
		}
		walk(d.FAQ.Menu, "menu")
	}

	// Rules.
	for i, r := range d.Rules {
		rp := join(join(dp, "rules"), i)
		if r == nil {
			p.at(s, rp, "empty rule")
			continue
		}
		if c := r.When.Category; c != "" && !cats[c] {
			switch {
			case d.FAQ != nil:
				p.at(s, join(rp, "when.category"), "rule names category %q, which is not in the desk's FAQ", c)
			case d.FAQFile == "":
				p.at(s, join(rp, "when.category"), "rule names category %q, but the desk has no faq file", c)
			}
			// A FAQ file that failed to load has its own problem already.
		}
		for field := range r.When.Form {
			if !fieldIDs[field] {
				p.at(s, join(join(rp, "when.form"), field), "rule names form field %q, which no form of the desk has", field)
			}
		}
		if pl := r.When.Platform; pl != "" && !slices.Contains(platformNames, pl) {
			p.at(s, join(rp, "when.platform"), "unknown platform %q (use slack, discord, mattermost or web)", pl)
		}
		for j, sk := range r.Assign.Skills {
			if !skills[sk] {
				p.at(s, join(join(rp, "assign.skills"), j), "rule asks for skill %q, which no agent of desk %q has", sk, d.ID)
			}
		}
		for j, name := range r.Assign.Agents {
			if d.AgentByName(name) == nil {
				p.at(s, join(join(rp, "assign.agents"), j), "rule names agent %q, who is not an agent of desk %q", name, d.ID)
			}
		}
		if !slices.Contains(priorities, r.Priority) && check(join(rp, "priority")) {
			p.at(s, join(rp, "priority"), "unknown priority %q (use low, normal, high or urgent)", r.Priority)
		}
	}
}

func knownList(format string, names []string) string {
	if len(names) == 0 {
		return ""
	}
	return fmt.Sprintf(format, strings.Join(names, ", "))
}

// minTokenLen keeps API tokens out of guessing range.
const minTokenLen = 16

// validateAPI checks the API integrations against the desks.
func validateAPI(c *Config, s *source, p *problems) {
	names := map[string]string{}
	tokens := map[string]string{}
	for i, in := range c.API {
		ip := join("api", i)
		if in == nil {
			p.at(s, ip, "empty API integration")
			continue
		}
		switch {
		case in.Name == "":
			if !s.failed(join(ip, "name")) {
				p.at(s, ip, "API integration without name")
			}
		case names[in.Name] != "":
			p.at(s, join(ip, "name"), "duplicate API integration %q (first on line %d)", in.Name, s.line(names[in.Name]))
		default:
			names[in.Name] = join(ip, "name")
		}
		switch {
		case s.failed(join(ip, "token")):
		case len(in.Token) < minTokenLen:
			p.at(s, join(ip, "token"), "API integration %q needs a token of at least %d characters (e.g. token: ${CRM_TOKEN})", in.Name, minTokenLen)
		case tokens[in.Token] != "":
			p.at(s, join(ip, "token"), "API integration %q has the same token as %q", in.Name, tokens[in.Token])
		default:
			tokens[in.Token] = in.Name
		}
		if len(in.Desks) == 0 && !s.failed(join(ip, "desks")) {
			p.at(s, ip, "API integration %q names no desks (desks: [it])", in.Name)
		}
		for j, d := range in.Desks {
			if c.Desk(d) == nil && len(c.Desks) > 0 {
				p.at(s, join(join(ip, "desks"), j), "API integration %q names desk %q, which does not exist", in.Name, d)
			}
		}
	}
}

// maxCloseReason is tickets.MaxCloseReasonLen (config cannot import tickets).
const maxCloseReason = 100

// validateCloseReasons: each reason is a short text, given once.
func validateCloseReasons(d *Desk, s *source, dp string, p *problems) {
	seen := map[string]bool{}
	for i, r := range d.CloseReasons {
		at := join(join(dp, "close_reasons"), i)
		switch t := strings.TrimSpace(r); {
		case t == "":
			p.at(s, at, "close_reasons: reason %d is empty", i+1)
		case utf8.RuneCountInString(t) > maxCloseReason:
			p.at(s, at, "close_reasons: %q is longer than %d characters", string([]rune(t)[:40])+"…", maxCloseReason)
		case seen[strings.ToLower(t)]:
			p.at(s, at, "close_reasons: %q is listed twice", t)
		}
		seen[strings.ToLower(strings.TrimSpace(r))] = true
	}
}

// snippetVar finds {name} placeholders in a snippet's text.
var snippetVar = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// validateSnippets: each snippet has a unique id and a text whose
// variables are known.
func validateSnippets(d *Desk, s *source, dp string, p *problems) {
	ids := map[string]bool{}
	for i, sn := range d.Snippets {
		at := join(join(dp, "snippets"), i)
		if sn == nil {
			continue
		}
		switch {
		case strings.TrimSpace(sn.ID) == "":
			p.at(s, at, "snippet %d has no id", i+1)
		case ids[sn.ID]:
			p.at(s, join(at, "id"), "snippet id %q is used twice", sn.ID)
		}
		ids[sn.ID] = true
		if strings.TrimSpace(sn.Text) == "" {
			p.at(s, at, "snippet %q has no text", sn.ID)
		}
		for _, m := range snippetVar.FindAllStringSubmatch(sn.Text, -1) {
			if !slices.Contains(SnippetVariables, m[1]) {
				p.at(s, join(at, "text"), "snippet %q: unknown variable {%s} (use {%s})", sn.ID, m[1], strings.Join(SnippetVariables, "}, {"))
			}
		}
	}
}

// maxAttachmentBytes is what a file may be at most whatever the config says:
// a web upload is read into memory, and PostgreSQL's bytea takes up to 1 GB.
const maxAttachmentBytes = 100 << 20

// validateAttachments: a limit within reason, content types written as
// type/subtype (or type/*).
func validateAttachments(a *Attachments, s *source, p *problems) {
	if a == nil {
		return
	}
	if a.MaxBytes < 0 || a.MaxBytes > maxAttachmentBytes {
		p.at(s, "attachments.max_bytes", "attachments max_bytes %d must be between 1 and %d (100 MB); leave it out for 10 MB", a.MaxBytes, maxAttachmentBytes)
	}
	for i, t := range a.Types {
		major, minor, ok := strings.Cut(t, "/")
		if !ok || major == "" || minor == "" || strings.ContainsAny(t, " ;,") || t != strings.ToLower(t) {
			p.at(s, join("attachments.types", i), "attachments type %q must be a content type such as image/png or image/*", t)
		}
	}
}
