package config_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/rules"
)

// writeFiles writes files (name -> content) into a temp dir and returns the
// path of the first name given as main.
func writeFiles(tb testing.TB, main string, files map[string]string) string {
	tb.Helper()
	dir := tb.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return filepath.Join(dir, main)
}

// mustLoad loads a config that must be valid.
func mustLoad(tb testing.TB, main string, files map[string]string) *config.Config {
	tb.Helper()
	cfg, err := config.Load(writeFiles(tb, main, files))
	if err != nil {
		tb.Fatalf("Load: %v", err)
	}
	return cfg
}

// problems loads a config that must be invalid and returns its problems as
// "base-name:line: message".
func problems(tb testing.TB, main string, files map[string]string) []string {
	tb.Helper()
	_, err := config.Load(writeFiles(tb, main, files))
	if err == nil {
		tb.Fatal("Load succeeded, want problems")
	}
	var errs *config.Errors
	if !errors.As(err, &errs) {
		tb.Fatalf("Load error is %T (%v), want *config.Errors", err, err)
	}
	out := make([]string, len(errs.Problems))
	for i, p := range errs.Problems {
		out[i] = fmt.Sprintf("%s:%d: %s", filepath.Base(p.File), p.Line, p.Message)
	}
	return out
}

const validFAQ = `menu:
  - id: network
    title: Network
    items:
      - id: vpn
        question: How do I use the VPN?
        answer: Open GlobalProtect.
  - id: hardware
    title: Hardware
    form: hw
    children:
      - id: laptop
        title: Laptop
        items:
          - id: laptop-slow
            question: My laptop is slow
            answer: Restart it.
`

func TestExampleConfigLoads(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load("../examples/helpdesk.yaml")
	if err != nil {
		t.Fatalf("the shipped example must load:\n%v", err)
	}
	if got := cfg.Summary(); got != "2 desks, 24 FAQ items, 4 agents" {
		t.Errorf("Summary() = %q", got)
	}
	if !cfg.Platforms.Web.Enabled || !cfg.Platforms.Web.Demo {
		t.Errorf("example must enable the web demo, got %+v", cfg.Platforms.Web)
	}
	if cfg.Store != "sqlite:helpdesk.db" {
		t.Errorf("store = %q", cfg.Store)
	}
	it := cfg.Desk("it")
	if it == nil || cfg.Desk("hr") == nil {
		t.Fatal("example needs desks it and hr")
	}
	if !it.IsAdmin("web", "admin@example.com", cfg.Admins) {
		t.Error("admin@example.com must be an admin of the IT desk")
	}
	if it.Agent("web", "ada@example.com") == nil || cfg.Desk("hr").Agent("web", "grace@example.com") == nil {
		t.Error("demo agents ada and grace must exist")
	}
	var translated int
	for _, item := range it.Items() {
		if _, ok := item.Translations["de"]; ok {
			translated++
		}
	}
	if translated < 3 {
		t.Errorf("IT desk has %d items with German translations, want a few", translated)
	}
	for _, d := range cfg.Desks {
		if n := len(d.Items()); n < 12 {
			t.Errorf("desk %s has %d FAQ items, want a dozen", d.ID, n)
		}
		if !rules.IsOpen(d.Hours, time.Date(2026, 12, 25, 3, 0, 0, 0, time.UTC)) {
			t.Errorf("demo desk %s must always be open", d.ID)
		}
	}
}

func TestProblems(t *testing.T) {
	t.Parallel()
	type tc struct {
		name  string
		main  string
		faq   string // "" means validFAQ; "-" means no faq file
		want  string // "file:line: message substring"
		count int    // expected number of problems; 0 means 1
	}
	agent := "      - {name: Ada, web: ada@example.com, skills: [network]}\n"
	cases := []tc{
		{name: "desks missing", main: "store: sqlite:x.db\n", want: "helpdesk.yaml:1: desks is missing"},
		{name: "desks empty", main: "store: sqlite:x.db\ndesks: []\n", want: "helpdesk.yaml:2: desks is empty"},
		{name: "desk id missing", main: "desks:\n  - name: IT\n", want: "helpdesk.yaml:2: desk without id"},
		{name: "desk id not a slug", main: "desks:\n  - id: IT Desk\n", want: `helpdesk.yaml:2: desk id "IT Desk" must be a lowercase slug`},
		{name: "desk id duplicated", main: "desks:\n  - id: it\n  - id: hr\n  - id: it\n    prefix: IT2\n", want: `helpdesk.yaml:4: duplicate desk id "it" (first on line 2)`},
		{name: "bad prefix", main: "desks:\n  - id: it\n    prefix: it-1\n", want: `helpdesk.yaml:3: prefix "it-1" must be upper-case`},
		{name: "unknown strategy", main: "desks:\n  - id: it\n    strategy: fastest\n", want: `helpdesk.yaml:3: unknown strategy "fastest"`},
		{name: "unknown language", main: "desks:\n  - id: it\n    languages: [en, klingon]\n", want: `helpdesk.yaml:3: unknown language "klingon"`},
		{name: "threshold above one", main: "desks:\n  - id: it\n    thresholds:\n      answer: 1.5\n", want: "helpdesk.yaml:4: thresholds.answer 1.5 must be between 0 and 1"},
		{name: "suggest above answer", main: "desks:\n  - id: it\n    thresholds: {answer: 0.4,\n      suggest: 0.5}\n", want: "helpdesk.yaml:4: thresholds.suggest 0.5 must not be above thresholds.answer 0.4"},
		{name: "empty close reason", main: "desks:\n  - id: it\n    close_reasons:\n      - Solved\n      - \"\"\n", want: "helpdesk.yaml:5: close_reasons: reason 2 is empty"},
		{name: "close reason twice", main: "desks:\n  - id: it\n    close_reasons: [Solved,\n      solved]\n", want: `helpdesk.yaml:4: close_reasons: "solved" is listed twice`},
		{name: "close reason too long", main: "desks:\n  - id: it\n    close_reasons: [" + strings.Repeat("x", 101) + "]\n", want: "helpdesk.yaml:3: close_reasons: \"" + strings.Repeat("x", 40) + "…\" is longer than 100 characters"},
		{name: "snippet unknown variable", main: "desks:\n  - id: it\n    snippets:\n      - id: hi\n        text: Hello {name}, about {ticket}\n", want: "helpdesk.yaml:5: snippet \"hi\": unknown variable {name} (use {requester}, {ticket}, {subject}, {agent}, {desk})"},
		{name: "snippet without text", main: "desks:\n  - id: it\n    snippets:\n      - {id: hi}\n", want: `helpdesk.yaml:4: snippet "hi" has no text`},
		{name: "snippet id twice", main: "desks:\n  - id: it\n    snippets:\n      - {id: hi, text: a}\n      - {id: hi, text: b}\n", want: `helpdesk.yaml:5: snippet id "hi" is used twice`},
		{name: "unknown visibility", main: "desks:\n  - id: it\n    visibility: mine\n", want: `helpdesk.yaml:3: unknown visibility "mine" (use all or own)`},
		{name: "evaluation scale", main: "desks:\n  - id: it\n    evaluation:\n      scale: 11\n", want: "helpdesk.yaml:4: evaluation scale 11 must be between 2 and 10"},
		{name: "field without id", main: "desks:\n  - id: it\n    forms:\n      f:\n        fields:\n          - label: Name\n", want: "helpdesk.yaml:6: form field without id"},
		{name: "field without label", main: "desks:\n  - id: it\n    forms:\n      f:\n        fields:\n          - id: name\n", want: `helpdesk.yaml:6: form field "name" without label`},
		{name: "duplicate field id", main: "desks:\n  - id: it\n    forms:\n      f:\n        fields:\n          - {id: a, label: A}\n          - {id: a, label: B}\n", want: `helpdesk.yaml:7: duplicate field id "a" in form "f" (first on line 6)`},
		{name: "unknown field type", main: "desks:\n  - id: it\n    forms:\n      f:\n        fields:\n          - id: a\n            label: A\n            type: checkbox\n", want: `helpdesk.yaml:8: unknown field type "checkbox"`},
		{name: "select without options", main: "desks:\n  - id: it\n    forms:\n      f:\n        fields:\n          - {id: a, label: A, type: select}\n", want: `helpdesk.yaml:6: select field "a" needs options`},
		{name: "options on text field", main: "desks:\n  - id: it\n    forms:\n      f:\n        fields:\n          - id: a\n            label: A\n            options: [x, y]\n", want: `helpdesk.yaml:8: field "a" has options but is not a select field`},
		{name: "agent without name", main: "desks:\n  - id: it\n    agents:\n      - web: ada@example.com\n", want: "helpdesk.yaml:4: agent without name"},
		{name: "duplicate agent name", main: "desks:\n  - id: it\n    agents:\n      - {name: Ada, web: a@x}\n      - {name: Ada, web: b@x}\n", want: `helpdesk.yaml:5: duplicate agent name "Ada" (first on line 4)`},
		{name: "negative max_open", main: "desks:\n  - id: it\n    agents:\n      - name: Ada\n        web: a@x\n        max_open: -1\n", want: "helpdesk.yaml:6: max_open -1 must not be negative"},
		{name: "agent without platform id", main: "desks:\n  - id: it\n    agents:\n      - name: Ada\n        skills: [vpn]\n", want: `helpdesk.yaml:4: agent "Ada" has no platform id`},
		{name: "rule names unknown agent", main: "desks:\n  - id: it\n    agents:\n" + agent + "    rules:\n      - assign: {agents: [Bob]}\n", want: `helpdesk.yaml:6: rule names agent "Bob"`},
		{name: "rule asks for unknown skill", main: "desks:\n  - id: it\n    agents:\n" + agent + "    rules:\n      - assign:\n          skills: [network, printing]\n", want: `helpdesk.yaml:7: rule asks for skill "printing"`},
		{name: "rule with unknown priority", main: "desks:\n  - id: it\n    rules:\n      - priority: critical\n", want: `helpdesk.yaml:4: unknown priority "critical"`},
		{name: "rule names unknown category", main: "desks:\n  - id: it\n    faq: faq.yaml\n    forms: {hw: {fields: [{id: a, label: A}]}}\n    rules:\n      - when: {category: printers}\n", want: `helpdesk.yaml:6: rule names category "printers", which is not in the desk's FAQ`},
		{name: "agent_channel unknown platform", main: "desks:\n  - id: it\n    agent_channel:\n      teams: C1\n", want: `helpdesk.yaml:4: agent_channel: unknown platform "teams"`},
		{name: "category names unknown form", main: "desks:\n  - id: it\n    faq: faq.yaml\n", want: `faq.yaml:10: category "hardware" names form "hw", which desk "it" does not have`},
		{name: "default_form unknown", main: "desks:\n  - id: it\n    default_form: general\n", want: `helpdesk.yaml:3: default_form "general" is not a form of this desk`},
		{name: "faq file missing", main: "desks:\n  - id: it\n    faq: faq/it.yaml\n", faq: "-", want: "helpdesk.yaml:3: open faq/it.yaml: no such file"},
		{name: "faq category without id", main: "desks:\n  - id: it\n    faq: faq.yaml\n", faq: "menu:\n  - title: Network\n", want: "faq.yaml:2: category without id"},
		{name: "faq category without title", main: "desks:\n  - id: it\n    faq: faq.yaml\n", faq: "menu:\n  - id: network\n", want: `faq.yaml:2: category "network" without title`},
		{name: "faq item without id", main: "desks:\n  - id: it\n    faq: faq.yaml\n", faq: "menu:\n  - id: n\n    title: N\n    items:\n      - {question: Q, answer: A}\n", want: "faq.yaml:5: FAQ item without id"},
		{name: "faq item without question", main: "desks:\n  - id: it\n    faq: faq.yaml\n", faq: "menu:\n  - id: n\n    title: N\n    items:\n      - {id: q, answer: A}\n", want: `faq.yaml:5: FAQ item "q" without question`},
		{name: "faq item without answer", main: "desks:\n  - id: it\n    faq: faq.yaml\n", faq: "menu:\n  - id: n\n    title: N\n    items:\n      - {id: q, question: Q}\n", want: `faq.yaml:5: FAQ item "q" without answer`},
		{name: "faq duplicate item id", main: "desks:\n  - id: it\n    faq: faq.yaml\n", faq: "menu:\n  - id: n\n    title: N\n    items:\n      - {id: q, question: Q, answer: A}\n    children:\n      - id: m\n        title: M\n        items:\n          - {id: q, question: Q2, answer: A2}\n", want: `faq.yaml:10: duplicate FAQ item id "q" (first on line 5)`},
		{name: "faq duplicate category id", main: "desks:\n  - id: it\n    faq: faq.yaml\n", faq: "menu:\n  - id: n\n    title: N\n  - id: n\n    title: M\n", want: `faq.yaml:4: duplicate category id "n" (first on line 2)`},
		{name: "faq translation language", main: "desks:\n  - id: it\n    faq: faq.yaml\n", faq: "menu:\n  - id: n\n    title: N\n    items:\n      - id: q\n        question: Q\n        answer: A\n        translations:\n          xx: {question: Q, answer: A}\n", want: `faq.yaml:9: unknown language "xx" in translations`},
		{name: "slack socket tokens", main: "platforms:\n  slack:\n    bot_token: xoxb-1\ndesks:\n  - id: it\n", want: "helpdesk.yaml:3: slack (mode socket) needs app_token"},
		{name: "slack http secret", main: "platforms:\n  slack: {mode: http,\n    bot_token: xoxb-1}\ndesks:\n  - id: it\n", want: "helpdesk.yaml:2: slack (mode http) needs signing_secret"},
		{name: "discord token", main: "platforms:\n  discord:\n    guild: \"1\"\ndesks:\n  - id: it\n", want: "helpdesk.yaml:3: discord needs token"},
		{name: "mattermost keys", main: "platforms:\n  mattermost:\n    url: https://chat.example.com\n    token: t\ndesks:\n  - id: it\n", want: "helpdesk.yaml:3: mattermost needs team", count: 2},
		{name: "store scheme", main: "store: mysql://db\ndesks:\n  - id: it\n", want: `helpdesk.yaml:1: store "mysql://db" must start with sqlite: or postgres://`},
		{name: "unknown key in desk", main: "desks:\n  - id: it\n    nmae: IT\n", want: `helpdesk.yaml:3: unknown key "nmae" in desk (did you mean "name"?)`},
		{name: "unknown key in agent", main: "desks:\n  - id: it\n    agents:\n      - name: Ada\n        web: a@x\n        max_opne: 3\n", want: `helpdesk.yaml:6: unknown key "max_opne" in agent (did you mean "max_open"?)`},
		{name: "unknown key in form field", main: "desks:\n  - id: it\n    forms:\n      f:\n        fields:\n          - {id: a, label: A, requird: true}\n", want: `helpdesk.yaml:6: unknown key "requird" in form field`},
		{name: "unknown key in rule", main: "desks:\n  - id: it\n    rules:\n      - if: {category: x}\n", want: `helpdesk.yaml:4: unknown key "if" in rule`},
		{name: "unknown key in faq item", main: "desks:\n  - id: it\n    faq: faq.yaml\n", faq: "menu:\n  - id: n\n    title: N\n    items:\n      - id: q\n        question: Q\n        answer: A\n        tags: [x]\n", want: `faq.yaml:8: unknown key "tags" in FAQ item`},
		{name: "unknown key in translation", main: "desks:\n  - id: it\n    faq: faq.yaml\n", faq: "menu:\n  - id: n\n    title: N\n    items:\n      - id: q\n        question: Q\n        answer: A\n        translations:\n          de:\n            frage: F\n", want: `faq.yaml:10: unknown key "frage" in translation`},
		{name: "unknown top-level key", main: "stor: sqlite:x.db\ndesks:\n  - id: it\n", want: `helpdesk.yaml:1: unknown key "stor" in config (did you mean "store"?)`},
		{name: "string where list expected", main: "desks:\n  - id: it\n    languages: en\n", want: `helpdesk.yaml:3: languages: expected a list, got "en"`},
		{name: "list where string expected", main: "desks:\n  - id: it\n    name: [a, b]\n", want: "helpdesk.yaml:3: name: expected a single value, got a list"},
		{name: "not a number", main: "desks:\n  - id: it\n    agents:\n      - {name: Ada, web: a@x, max_open: lots}\n", want: `helpdesk.yaml:4: max_open: expected a whole number, got "lots"`},
		{name: "bad duration", main: "desks:\n  - id: it\n    assign_timeout: 10 minutes\n", want: `helpdesk.yaml:3: invalid duration "10 minutes"`},
		{name: "bad timezone", main: "desks:\n  - id: it\n    hours:\n      timezone: Mars/Olympus\n      weekly: {daily: 24h}\n", want: `helpdesk.yaml:4: unknown timezone "Mars/Olympus"`},
		{name: "bad weekday", main: "desks:\n  - id: it\n    hours:\n      weekly:\n        mon-fry: 08:00-18:00\n", want: `helpdesk.yaml:5: unknown day "fry"`},
		{name: "bad opening time", main: "desks:\n  - id: it\n    hours:\n      weekly:\n        mon: 8am-6pm\n", want: `helpdesk.yaml:5: invalid opening time "8am-6pm"`},
		{name: "bad holiday", main: "desks:\n  - id: it\n    hours:\n      weekly: {daily: 24h}\n      holidays: [2026-12-25, 25.12.2026]\n", want: `helpdesk.yaml:5: invalid holiday "25.12.2026"`},
		{name: "agent hours validated", main: "desks:\n  - id: it\n    agents:\n      - name: Ada\n        web: a@x\n        hours:\n          timezone: Europe/Berlin\n          weekly: {mon-thu: \"09:00-25:00\"}\n", want: `helpdesk.yaml:8: invalid opening time "09:00-25:00"`},
		{name: "available_to bad scalar", main: "desks:\n  - id: it\n    available_to: nobody\n", want: `helpdesk.yaml:3: available_to: expected everyone or a mapping`},
		{name: "available_to unknown platform", main: "desks:\n  - id: it\n    available_to:\n      teams: [a]\n", want: `helpdesk.yaml:4: unknown key "teams" in people list`, count: 2},
		{name: "slack api_url", main: "platforms:\n  slack: {bot_token: x, app_token: y, api_url: \"slack.example/api\"}\ndesks:\n  - id: it\n", want: `helpdesk.yaml:2: slack api_url "slack.example/api" must be an http:// or https:// URL`},
		{name: "slack retry_for too long", main: "platforms:\n  slack: {bot_token: x, app_token: y, retry_for: 2h}\ndesks:\n  - id: it\n", want: `helpdesk.yaml:2: slack retry_for 2h0m0s is longer than 1h0m0s`},
		{name: "discord retry_for not a duration", main: "platforms:\n  discord:\n    token: x\n    retry_for: soon\ndesks:\n  - id: it\n", want: `helpdesk.yaml:4: invalid duration "soon"`},
		{name: "mattermost retry_for too long", main: "platforms:\n  mattermost:\n    url: https://mm.example\n    token: x\n    team: t\n    action_secret: 0123456789abcdef\n    retry_for: 90m\ndesks:\n  - id: it\n", want: `helpdesk.yaml:7: mattermost retry_for 1h30m0s is longer than 1h0m0s`},
		{name: "outbox expire_after too short", main: "outbox: {expire_after: 10s}\ndesks:\n  - id: it\n", want: `helpdesk.yaml:1: outbox expire_after 10s must be between 1m0s and 30d`},
		{name: "available_to groups refused", main: "desks:\n  - id: it\n    available_to:\n      web: [a@x]\n      groups: [staff]\n", want: `helpdesk.yaml:5: available_to: groups are not supported yet`},
		{name: "duplicate key", main: "desks:\n  - id: it\n    name: A\n    name: B\n", want: `helpdesk.yaml:4: duplicate key "name" (first on line 3)`},
		{name: "yaml syntax", main: "desks:\n  - id: it\n    name: a: b\n", want: "helpdesk.yaml:3: invalid YAML: mapping values are not allowed in this context"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{"helpdesk.yaml": c.main}
			switch c.faq {
			case "":
				files["faq.yaml"] = validFAQ
			case "-":
			default:
				files["faq.yaml"] = c.faq
			}
			got := problems(t, "helpdesk.yaml", files)
			want := c.count
			if want == 0 {
				want = 1
			}
			found := false
			for _, g := range got {
				if strings.HasPrefix(g, strings.SplitN(c.want, ": ", 2)[0]+": ") && strings.Contains(g, strings.SplitN(c.want, ": ", 2)[1]) {
					found = true
				}
			}
			if !found || len(got) != want {
				t.Errorf("problems:\n  %s\nwant %d problem(s), among them %q", strings.Join(got, "\n  "), want, c.want)
			}
		})
	}
}

func TestFiveMistakesGiveFiveProblems(t *testing.T) {
	t.Parallel()
	main := `store: mysql://db
desks:
  - id: it
    strategy: fastest
    languages: [en, xx]
    agents:
      - name: Ada
        web: ada@example.com
        max_opne: 3
    evaluation: {scale: 1}
`
	got := problems(t, "helpdesk.yaml", map[string]string{"helpdesk.yaml": main})
	wantLines := []string{"helpdesk.yaml:1: ", "helpdesk.yaml:4: ", "helpdesk.yaml:5: ", "helpdesk.yaml:9: ", "helpdesk.yaml:10: "}
	if len(got) != len(wantLines) {
		t.Fatalf("got %d problems, want 5:\n%s", len(got), strings.Join(got, "\n"))
	}
	for i, w := range wantLines {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("problem %d = %q, want it at %s", i, got[i], w)
		}
	}
	// Error() prints the same, one per line, with the path as given.
	_, err := config.Load(writeFiles(t, "helpdesk.yaml", map[string]string{"helpdesk.yaml": main}))
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 5 || !strings.Contains(lines[0], "helpdesk.yaml:1: store") {
		t.Errorf("Error() =\n%s", err)
	}
}

func TestProblemsSortedAcrossFiles(t *testing.T) {
	t.Parallel()
	got := problems(t, "main.yaml", map[string]string{
		"main.yaml": "desks:\n  - id: it\n    faq: b.yaml\n    strategy: x\n  - id: hr\n    faq: a.yaml\n",
		"a.yaml":    "menu:\n  - id: n\n  - title: T\n",
		"b.yaml":    "menu:\n  - id: m\n    title: M\n    items:\n      - id: q\n",
	})
	want := []string{
		`a.yaml:2: category "n" without title`,
		"a.yaml:3: category without id",
		`b.yaml:5: FAQ item "q" without question`,
		`b.yaml:5: FAQ item "q" without answer`,
		`main.yaml:4: unknown strategy "x" (use least_busy or round_robin)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestEnvExpansion(t *testing.T) {
	t.Setenv("HD_BOT_TOKEN", "xoxb-secret")
	t.Setenv("HD_APP_TOKEN", "xapp-secret")
	t.Setenv("HD_EMPTY", "")
	main := `platforms:
  slack:
    bot_token: ${HD_BOT_TOKEN}
    app_token: "${HD_APP_TOKEN}"
desks:
  - id: it
    name: ${HD_DESK_NAME:-IT Help Desk}
    description: costs $$5, keeps $PATH and ${HD_EMPTY:-fallback}
    faq: faq.yaml
    agents:
      - {name: Ada, slack: "${HD_ADA:-U0123}", max_open: "${HD_MAX:-7}"}
`
	faq := "menu:\n  - id: n\n    title: N\n    items:\n      - id: q\n        question: Where is my home?\n        answer: Run echo ${HOME}.\n"
	cfg := mustLoad(t, "helpdesk.yaml", map[string]string{"helpdesk.yaml": main, "faq.yaml": faq})
	sl := cfg.Platforms.Slack
	if sl.BotToken != "xoxb-secret" || sl.AppToken != "xapp-secret" {
		t.Errorf("tokens = %q, %q", sl.BotToken, sl.AppToken)
	}
	d := cfg.Desks[0]
	if d.Name != "IT Help Desk" {
		t.Errorf("default not used: name = %q", d.Name)
	}
	if d.Description != "costs $5, keeps $PATH and fallback" {
		t.Errorf("description = %q", d.Description)
	}
	if a := d.Agents[0]; a.Slack != "U0123" || a.MaxOpen != 7 {
		t.Errorf("agent = %+v", a)
	}
	if got := d.Items()[0].Answer; got != "Run echo ${HOME}." {
		t.Errorf("FAQ answers are content and must not be expanded: %q", got)
	}

	// An unset variable is reported at its line, and only once (the token is
	// not also reported as missing).
	got := problems(t, "helpdesk.yaml", map[string]string{
		"helpdesk.yaml": "platforms:\n  slack:\n    bot_token: ${HD_BOT_TOKEN}\n    app_token: ${HD_NOT_SET}\ndesks:\n  - id: it\n    greeting: Hi ${HD_ALSO_NOT_SET\n",
	})
	want := []string{
		"helpdesk.yaml:4: environment variable HD_NOT_SET is not set",
		"helpdesk.yaml:7: unterminated ${ in value (write $$ for a literal $)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	main := `desks:
  - id: it-ops
    faq: faq.yaml
    forms:
      hw:
        fields:
          - {id: a, label: A}
          - {id: b, label: B, type: paragraph}
          - {id: c, label: C, max_length: 50}
    agents:
      - {name: Ada, web: ada@example.com, skills: [network]}
    rules:
      - assign: {skills: [network]}
    sla: {first_response: 1h}
`
	cfg := mustLoad(t, "helpdesk.yaml", map[string]string{"helpdesk.yaml": main, "faq.yaml": validFAQ})
	if cfg.Store != "sqlite:helpdesk.db" || cfg.Listen != "127.0.0.1:8080" {
		t.Errorf("store/listen = %q %q", cfg.Store, cfg.Listen)
	}
	if cfg.Platforms.Web == nil || !cfg.Platforms.Web.Enabled || cfg.Platforms.Slack != nil {
		t.Errorf("with no platform, web must be enabled: %+v", cfg.Platforms)
	}
	d := cfg.Desk("it-ops")
	checks := []struct {
		name      string
		got, want any
	}{
		{"name", d.Name, "it-ops"},
		{"prefix", d.Prefix, "ITOPS"},
		{"available to everyone", d.AvailableTo.Everyone, true},
		{"languages", strings.Join(d.Languages, ","), "en"},
		{"strategy", d.Strategy, "least_busy"},
		{"scale", d.Evaluation.Scale, 5},
		{"answer threshold", d.Thresholds.Answer, config.DefaultAnswerThreshold},
		{"suggest threshold", d.Thresholds.Suggest, config.DefaultSuggestThreshold},
		{"assign timeout", d.AssignTimeout.D(), 10 * time.Minute},
		{"reopen window", d.ReopenWindow.D(), 72 * time.Hour},
		{"inactivity warn", d.Inactivity.Warn.D(), 2 * time.Hour},
		{"inactivity close", d.Inactivity.Close.D(), 24 * time.Hour},
		{"sla first response", d.SLA.FirstResponse.D(), time.Hour},
		{"sla resolution off", d.SLA.Resolution.D(), time.Duration(0)},
		{"sla warn before", d.SLA.WarnBefore.D(), 15 * time.Minute},
		{"max open", d.Agents[0].MaxOpen, 5},
		{"field type", d.Forms["hw"].Fields[0].Type, "text"},
		{"text max length", d.Forms["hw"].Fields[0].MaxLen, 200},
		{"paragraph max length", d.Forms["hw"].Fields[1].MaxLen, 2000},
		{"explicit max length", d.Forms["hw"].Fields[2].MaxLen, 50},
		{"rule priority", d.Rules[0].Priority, "normal"},
		{"offline message", d.OfflineMessage, "The it-ops is offline at the moment. Please try again later."},
		{"hours", d.Hours == nil, true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}

	// Zero thresholds written out are kept; no SLA means no warning either.
	cfg = mustLoad(t, "helpdesk.yaml", map[string]string{"helpdesk.yaml": "platforms:\n  web: {demo: true}\ndesks:\n  - id: it\n    thresholds: {answer: 0.9, suggest: 0}\n"})
	d = cfg.Desks[0]
	if d.Thresholds.Suggest != 0 || d.Thresholds.Answer != 0.9 || d.SLA.WarnBefore != 0 {
		t.Errorf("thresholds %+v, sla %+v", d.Thresholds, d.SLA)
	}
	if !cfg.Platforms.Web.Enabled {
		t.Error("web: {demo: true} must enable the web chat")
	}
}

// retry_for and outbox.expire_after are read as durations; unset, the
// outbox keeps replies 24 hours.
func TestRetrySettings(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, "helpdesk.yaml", map[string]string{"faq.yaml": validFAQ, "helpdesk.yaml": "platforms:\n  slack: {bot_token: x, app_token: y, retry_for: 5m}\n  discord: {token: x, retry_for: 30s}\noutbox: {expire_after: 3d}\ndesks:\n  - id: it\n    faq: faq.yaml\n    forms:\n      hw:\n        fields: [{id: a, label: A}]\n"})
	if got := cfg.Platforms.Slack.RetryFor.D(); got != 5*time.Minute {
		t.Errorf("slack retry_for = %v", got)
	}
	if got := cfg.Platforms.Discord.RetryFor.D(); got != 30*time.Second {
		t.Errorf("discord retry_for = %v", got)
	}
	if got := cfg.OutboxExpiry(); got != 72*time.Hour {
		t.Errorf("outbox expiry = %v, want 72h", got)
	}
	if got := (&config.Config{}).OutboxExpiry(); got != 24*time.Hour {
		t.Errorf("default outbox expiry = %v, want 24h", got)
	}
}

func TestDurations(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90s", 90 * time.Second, true},
		{"15m", 15 * time.Minute, true},
		{"2h", 2 * time.Hour, true},
		{"3d", 72 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{"1h30m", 90 * time.Minute, true},
		{"10", 0, false},
		{"-5m", 0, false},
		{"3 days", 0, false},
		{"d", 0, false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := config.ParseDuration(c.in)
			if (err == nil) != c.ok || got != c.want {
				t.Errorf("ParseDuration(%q) = %v, %v; want %v ok=%v", c.in, got, err, c.want, c.ok)
			}
		})
	}
}

func TestAvailabilityAndAdmins(t *testing.T) {
	t.Parallel()
	main := `admins:
  slack: [U_GLOBAL]
desks:
  - id: it
    available_to:
      web: [ann@example.com]
    admins:
      web: [boss@example.com]
    agents:
      - {name: Ada, web: ada@example.com, admin: true}
      - {name: Bob, web: bob@example.com}
  - id: hr
    available_to: everyone
`
	cfg := mustLoad(t, "helpdesk.yaml", map[string]string{"helpdesk.yaml": main})
	it, hr := cfg.Desk("it"), cfg.Desk("hr")
	avail := []struct {
		desk     *config.Desk
		platform string
		user     string
		want     bool
	}{
		{it, "web", "ann@example.com", true},
		{it, "web", "eve@example.com", false},
		{it, "slack", "ann@example.com", false},
		{hr, "discord", "123", true},
	}
	for _, c := range avail {
		if got := c.desk.Available(c.platform, c.user); got != c.want {
			t.Errorf("%s.Available(%s, %s) = %v", c.desk.ID, c.platform, c.user, got)
		}
	}
	admin := []struct {
		platform, user string
		want           bool
	}{
		{"web", "boss@example.com", true},    // desk admin
		{"slack", "U_GLOBAL", true},          // global admin
		{"web", "ada@example.com", true},     // agent with admin: true
		{"web", "bob@example.com", false},    // plain agent
		{"web", "ann@example.com", false},    // user
		{"slack", "boss@example.com", false}, // right id, wrong platform
	}
	for _, c := range admin {
		if got := it.IsAdmin(c.platform, c.user, cfg.Admins); got != c.want {
			t.Errorf("IsAdmin(%s, %s) = %v", c.platform, c.user, got)
		}
	}
	if cfg.Desk("nope") != nil {
		t.Error("Desk of an unknown id must be nil")
	}
}

func TestItemsAndForms(t *testing.T) {
	t.Parallel()
	main := `desks:
  - id: it
    faq: faq.yaml
    default_form: general
    forms:
      general: {fields: [{id: a, label: A}]}
      hw: {fields: [{id: b, label: B}]}
  - id: hr
    faq: faq.yaml
    forms:
      hw: {fields: [{id: c, label: C}]}
`
	faq := `menu:
  - id: network
    title: Network
    items:
      - {id: vpn, question: VPN, answer: A}
    children:
      - id: wifi
        title: Wifi
        items:
          - {id: wifi, question: Wifi, answer: A}
  - id: hardware
    title: Hardware
    form: hw
    items:
      - {id: hw-1, question: HW, answer: A}
    children:
      - id: laptop
        title: Laptop
        items:
          - {id: laptop-1, question: L1, answer: A}
          - {id: laptop-2, question: L2, answer: A}
`
	cfg := mustLoad(t, "helpdesk.yaml", map[string]string{"helpdesk.yaml": main, "faq.yaml": faq})
	it := cfg.Desk("it")
	var ids, cats []string
	for _, item := range it.Items() {
		ids = append(ids, item.ID)
		cats = append(cats, item.Category)
	}
	if got := strings.Join(ids, " "); got != "vpn wifi hw-1 laptop-1 laptop-2" {
		t.Errorf("Items() order = %s", got)
	}
	if got := strings.Join(cats, " "); got != "network wifi hardware laptop laptop" {
		t.Errorf("Item.Category = %s", got)
	}
	forms := []struct {
		desk     *config.Desk
		category string
		want     *config.Form
	}{
		{it, "hardware", it.Forms["hw"]},
		{it, "laptop", it.Forms["hw"]}, // inherited from the parent
		{it, "wifi", it.Forms["general"]},
		{it, "", it.Forms["general"]},
		{cfg.Desk("hr"), "wifi", nil},
		{cfg.Desk("hr"), "laptop", cfg.Desk("hr").Forms["hw"]},
	}
	for _, c := range forms {
		if got := c.desk.FormFor(c.category); got != c.want {
			t.Errorf("%s.FormFor(%q) = %+v, want %+v", c.desk.ID, c.category, got, c.want)
		}
	}
	// Desks sharing one FAQ file do not share its items.
	it.Items()[0].Answer = "changed"
	if cfg.Desk("hr").Items()[0].Answer != "A" {
		t.Error("desks sharing a FAQ file share item pointers")
	}
}

func TestLoadFAQ(t *testing.T) {
	t.Parallel()
	path := writeFiles(t, "faq.yaml", map[string]string{"faq.yaml": validFAQ})
	f, err := config.LoadFAQ(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.File != path || len(f.Items()) != 2 || f.Items()[1].Category != "laptop" {
		t.Errorf("LoadFAQ = %+v", f)
	}
	if c := f.Category("laptop"); c == nil || c.Title != "Laptop" {
		t.Errorf("Category(laptop) = %+v", c)
	}

	path = writeFiles(t, "faq.yaml", map[string]string{"faq.yaml": "menu:\n  - id: n\n    title: N\n    items:\n      - id: q\n        questoin: Q\n        answer: A\n"})
	_, err = config.LoadFAQ(path)
	var errs *config.Errors
	if !errors.As(err, &errs) || len(errs.Problems) != 2 {
		t.Fatalf("LoadFAQ error = %v", err)
	}
	want := path + `:6: unknown key "questoin" in FAQ item (did you mean "question"?)`
	if errs.Problems[1].String() != want {
		t.Errorf("problem = %q, want %q", errs.Problems[1], want)
	}

	_, err = config.LoadFAQ(filepath.Join(t.TempDir(), "missing.yaml"))
	if err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
}

func TestFrameAncestors(t *testing.T) {
	cfg := mustLoad(t, "helpdesk.yaml", map[string]string{"helpdesk.yaml": "platforms:\n  web:\n    frame_ancestors: [https://intranet.example.com, \"https://*.example.org:8443\", http://localhost:3000]\ndesks:\n  - id: it\n"})
	if got := cfg.Platforms.Web.FrameAncestors; len(got) != 3 || got[1] != "https://*.example.org:8443" {
		t.Fatalf("frame_ancestors %q", got)
	}
	if got := mustLoad(t, "helpdesk.yaml", map[string]string{"helpdesk.yaml": "platforms:\n  web: {}\ndesks:\n  - id: it\n"}).Platforms.Web.FrameAncestors; len(got) != 0 {
		t.Fatalf("default frame_ancestors %q, want none", got)
	}
	// Anything that is not an origin is refused, above all what would
	// end or widen the CSP directive.
	for _, bad := range []string{"*", "'self'", "https://a.example.com/path", "intranet.example.com", "https://a.example.com; script-src *",
		"https://a.example.com https://b.example.com", "ftp://a.example.com", "https://", "https://a.example.com:99999x", "javascript:alert(1)"} {
		got := problems(t, "helpdesk.yaml", map[string]string{"helpdesk.yaml": "platforms:\n  web:\n    frame_ancestors:\n      - " + strconv.Quote(bad) + "\ndesks:\n  - id: it\n"})
		if len(got) != 1 || !strings.HasPrefix(got[0], "helpdesk.yaml:4: frame_ancestors ") {
			t.Errorf("frame_ancestors %q: problems %q, want one at line 4", bad, got)
		}
	}
}
