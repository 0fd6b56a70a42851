package config_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// A secret from the environment put into the wrong key is never shown:
// the problem says ${VAR}, as written.
func TestProblemsNeverShowEnvironmentValues(t *testing.T) {
	const secret = "xoxb-1234-5678-SECRETSECRET"
	t.Setenv("HD_SLACK_BOT_TOKEN", secret)
	t.Setenv("HD_SHARD", "7")
	main := `listen: ${HD_SLACK_BOT_TOKEN}
platforms:
  slack: {bot_token: "${HD_SLACK_BOT_TOKEN}", app_token: xapp-1, mode: "${HD_SLACK_BOT_TOKEN}"}
  discord: {token: "${HD_SLACK_BOT_TOKEN}", shard_id: "${HD_SLACK_BOT_TOKEN}"}
  mattermost: {url: "${HD_SLACK_BOT_TOKEN}", token: t, team: x, action_secret: "0123456789abcdef"}
metrics: {listen: "x${HD_SLACK_BOT_TOKEN}", token: "${HD_SHARD}"}
desks:
  - id: it
    name: IT
    faq: faq.yaml
    agents: [{name: Ada, web: ada, max_open: "${HD_SHARD}0x"}]
`
	got := problems(t, "helpdesk.yaml", map[string]string{"helpdesk.yaml": main, "faq.yaml": validFAQ})
	all := strings.Join(got, "\n")
	if strings.Contains(all, secret) || strings.Contains(all, "SECRETSECRET") {
		t.Fatalf("a value from the environment was printed:\n%s", all)
	}
	for _, want := range []string{
		`helpdesk.yaml:1: listen "${HD_SLACK_BOT_TOKEN}" must be host:port`,
		`helpdesk.yaml:3: unknown slack mode "${HD_SLACK_BOT_TOKEN}"`,
		`helpdesk.yaml:4: shard_id: expected a whole number, got "${HD_SLACK_BOT_TOKEN}"`,
		`helpdesk.yaml:5: mattermost url "${HD_SLACK_BOT_TOKEN}" must be an http:// or https:// URL`,
		`helpdesk.yaml:6: metrics listen "x${HD_SLACK_BOT_TOKEN}" must be host:port`,
		`helpdesk.yaml:11: max_open: expected a whole number, got "${HD_SHARD}0x"`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("want a problem %q in:\n%s", want, all)
		}
	}
}

func TestMetricsSettings(t *testing.T) {
	cfg := mustLoad(t, "helpdesk.yaml", map[string]string{"helpdesk.yaml": `metrics: {token: metrics-token-0123456789, listen: "127.0.0.1:9090"}
desks: [{id: it, name: IT, faq: faq.yaml, agents: [{name: Ada, web: ada}]}]
`, "faq.yaml": plainFAQ})
	if m := cfg.Metrics; m == nil || m.Listen != "127.0.0.1:9090" || m.Token != "metrics-token-0123456789" {
		t.Fatalf("metrics = %+v", cfg.Metrics)
	}
	if cfg := mustLoad(t, "helpdesk.yaml", map[string]string{"helpdesk.yaml": "desks: [{id: it, name: IT, faq: faq.yaml, agents: [{name: Ada, web: ada}]}]\n", "faq.yaml": plainFAQ}); cfg.Metrics != nil {
		t.Fatalf("no metrics section: %+v", cfg.Metrics)
	}
	got := problems(t, "helpdesk.yaml", map[string]string{"helpdesk.yaml": `metrics: {token: short, listen: "127.0.0.1:8080", scrape: 1}
desks: [{id: it, name: IT, faq: faq.yaml, agents: [{name: Ada, web: ada}]}]
`, "faq.yaml": plainFAQ})
	all := strings.Join(got, "\n")
	for _, want := range []string{`unknown key "scrape" in metrics settings`, `metrics listen "127.0.0.1:8080" is the same as listen`, "metrics token must be at least"} {
		if !strings.Contains(all, want) {
			t.Errorf("want %q in:\n%s", want, all)
		}
	}
}

const plainFAQ = "menu:\n  - id: n\n    title: N\n    items:\n      - {id: q, question: \"Where?\", answer: Here.}\n"

func TestAttachmentSettings(t *testing.T) {
	cfg := mustLoad(t, "helpdesk.yaml", map[string]string{"helpdesk.yaml": `attachments: {dir: files, max_bytes: 2000000, types: [image/*, application/pdf]}
desks: [{id: it, name: IT, faq: faq.yaml, agents: [{name: Ada, web: ada}]}]
`, "faq.yaml": plainFAQ})
	if a := cfg.Attachments; a == nil || a.MaxBytes != 2000000 || len(a.Types) != 2 || !filepath.IsAbs(a.Dir) || filepath.Base(a.Dir) != "files" {
		t.Fatalf("attachments = %+v", cfg.Attachments)
	}
	got := problems(t, "helpdesk.yaml", map[string]string{"helpdesk.yaml": `attachments: {max_bytes: 999999999999, types: [image, "text/plain; charset=utf-8"], folder: x}
desks: [{id: it, name: IT, faq: faq.yaml, agents: [{name: Ada, web: ada}]}]
`, "faq.yaml": plainFAQ})
	all := strings.Join(got, "\n")
	for _, want := range []string{`unknown key "folder"`, `attachments max_bytes 999999999999 must be between 1 and`,
		`attachments type "image" must be a content type`, `attachments type "text/plain; charset=utf-8" must be`} {
		if !strings.Contains(all, want) {
			t.Errorf("want %q in:\n%s", want, all)
		}
	}
}
