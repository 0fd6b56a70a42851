package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckWarnsPerPlatformAboutLimits: `helpdesk check` passes a config
// with 120 topics, a 150-option select, a long form title and labels, and
// says per platform what each limit will page or shorten; a platform that
// is not configured gets no warning.
func TestCheckWarnsPerPlatformAboutLimits(t *testing.T) {
	dir := t.TempDir()
	var faqY strings.Builder
	faqY.WriteString("menu:\n")
	for i := 1; i <= 120; i++ {
		fmt.Fprintf(&faqY, "  - id: t%d\n    title: Topic %d\n    items:\n      - {id: q%d, question: \"Question %d?\", answer: Answer %d.}\n", i, i, i, i, i)
	}
	var opts []string
	for i := 1; i <= 150; i++ {
		opts = append(opts, fmt.Sprintf("Option %d", i))
	}
	cfg := `store: sqlite:helpdesk.db
platforms:
  slack: {bot_token: xoxb-1, app_token: xapp-1}
  mattermost: {url: "http://127.0.0.1:1", token: t, team: support, action_secret: 0123456789abcdef0123}
desks:
  - id: it
    name: IT
    faq: faq.yaml
    forms:
      big:
        title: Zugangsanfrage für Prüfungen
        fields:
          - {id: pick, label: "Which system is it about?", type: select, required: true, options: [` + strings.Join(opts, ", ") + `]}
          - {id: notes, label: Notes, type: text, max_length: 500}
    agents:
      - {name: Ada, web: ada}
`
	for name, body := range map[string]string{"helpdesk.yaml": cfg, "faq.yaml": faqY.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"check", filepath.Join(dir, "helpdesk.yaml")}, &out, &errOut); code != 0 {
		t.Fatalf("check = %d: %s%s", code, out.String(), errOut.String())
	}
	got := out.String()
	for _, want := range []string{
		"warning: slack: desk it: menu at the top has 120 entries; a select shows 100: shown in option groups of 100",
		"warning: slack: desk it: form big: field pick has 150 options; a select shows 100: shown in option groups of 100",
		"warning: slack: desk it: form big: title \"Zugangsanfrage für Prüfungen\" is 28 characters; the platform shows 24",
		"warning: mattermost: desk it: form big: title \"Zugangsanfrage für Prüfungen\" is 30 bytes; the platform shows 24",
		"warning: mattermost: desk it: form big: field pick: label is 25 bytes; the platform shows 24",
		"warning: mattermost: desk it: form big: field notes: max_length 500; the platform's one-line input takes 150",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("check output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "discord") {
		t.Errorf("Discord is not configured, yet check warns about it:\n%s", got)
	}
	if strings.Contains(got, "mattermost: desk it: menu") {
		t.Errorf("Mattermost shows any number of options, yet check warns about the menu:\n%s", got)
	}
}
