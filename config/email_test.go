package config_test

import (
	"strings"
	"testing"
)

const emailDesks = `
desks:
  - id: it
    agents: [{name: Ada, email: ada@example.com}]
  - id: hr
    agents: [{name: Hal, web: hal, email: hal@example.com}]
`

func TestEmailConfig(t *testing.T) {
	good := `platforms:
  email:
    desks: {it: [it-help@example.com], hr: [hr@example.com]}
    imap: {addr: "imap.example.com:993", username: it, password: secret-password}
    smtp: {addr: "smtp.example.com:587"}
    link_secret: a-long-link-secret-for-tests
` + emailDesks
	cfg := mustLoad(t, "helpdesk.yaml", map[string]string{"helpdesk.yaml": good})
	if e := cfg.Platforms.Email; e == nil || e.EmailDesk("HR@example.com") != "hr" || cfg.Desk("it").Agents[0].ID("email") != "ada@example.com" {
		t.Fatalf("email config: %+v", cfg.Platforms.Email)
	}
	bad := `platforms:
  email:
    desks:
      it: [it-help@example.com, "IT <it@example.com>"]
      hr: [it-help@example.com]
      ops: [ops@example.com]
      hr2: [hr2@example.com]
    imap: {addr: imap.example.com, security: ssl, username: it}
    receiver: {listen: ":2525", cert_file: /etc/tls.crt}
    link_secret: short
` + emailDesks
	got := strings.Join(problems(t, "helpdesk.yaml", map[string]string{"helpdesk.yaml": bad}), "\n")
	for _, want := range []string{
		`"IT <it@example.com>" is not a bare address`,
		`belongs to desks`,
		`no desk "ops"`,
		`imap addr "imap.example.com" must be host:port`,
		`security "ssl"`,
		`imap needs password`,
		`needs both cert_file and key_file`,
		`email needs smtp`,
		`link_secret must be at least 16 characters`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing problem %q in:\n%s", want, got)
		}
	}
}
