package config_test

import (
	"slices"
	"testing"

	"github.com/helpdesk-chat/helpdesk/config"
)

// TestWebStreamLimits: the web chat's stream caps have defaults, take the
// configured values and refuse what cannot work, naming the line.
func TestWebStreamLimits(t *testing.T) {
	t.Parallel()
	files := func(main string) map[string]string {
		return map[string]string{"helpdesk.yaml": main, "faq.yaml": validFAQ}
	}
	c := mustLoad(t, "helpdesk.yaml", files("platforms:\n  web: {demo: true}\ndesks:\n  - id: it\n    faq: faq.yaml\n    forms: {hw: {fields: [{id: a, label: A}]}}\n"))
	if got := c.Platforms.Web.SessionStreams(); got != config.DefaultStreamsPerSession {
		t.Errorf("default per session = %d, want %d", got, config.DefaultStreamsPerSession)
	}
	if got := c.Platforms.Web.AddressStreams(); got != config.DefaultStreamsPerAddress {
		t.Errorf("default per address = %d, want %d", got, config.DefaultStreamsPerAddress)
	}
	c = mustLoad(t, "helpdesk.yaml", files("platforms:\n  web:\n    streams_per_session: 2\n    streams_per_address: 5\ndesks:\n  - id: it\n    faq: faq.yaml\n    forms: {hw: {fields: [{id: a, label: A}]}}\n"))
	if s, a := c.Platforms.Web.SessionStreams(), c.Platforms.Web.AddressStreams(); s != 2 || a != 5 {
		t.Errorf("configured limits = %d per session, %d per address; want 2 and 5", s, a)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"    streams_per_session: -1\n", "helpdesk.yaml:3: web streams_per_session -1 must be 0 (default 10) or more"},
		{"    streams_per_address: -3\n", "helpdesk.yaml:3: web streams_per_address -3 must be 0 (default 1000) or more"},
		{"    streams_per_session: 8\n    streams_per_address: 4\n", "helpdesk.yaml:4: web streams_per_address 4 must be at least streams_per_session (8)"},
	} {
		got := problems(t, "helpdesk.yaml", files("platforms:\n  web:\n"+tc.yaml+"desks:\n  - id: it\n    faq: faq.yaml\n    forms: {hw: {fields: [{id: a, label: A}]}}\n"))
		if !slices.Contains(got, tc.want) {
			t.Errorf("problems %q, want %q", got, tc.want)
		}
	}
}
