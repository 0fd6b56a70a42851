package eval_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/faq/eval"
)

func mustLoad(t *testing.T) (*config.FAQ, []eval.Case) {
	t.Helper()
	f, err := config.LoadFAQ("../testdata/it.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := readFile("../testdata/it-cases.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	cases, err := eval.ReadCases(strings.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return f, cases
}

func TestReadCasesNamesTheBadLine(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"not json", `{"q":"a","expect":null}` + "\n\n" + `{nope`, "line 3"},
		{"no expect", `{"q":"a"}`, `line 1: bad case: no "expect"`},
		{"empty q", `{"q":" ","expect":"x"}`, "line 1: bad case: empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := eval.ReadCases(strings.NewReader(tc.in))
			if err == nil || !errors.Is(err, eval.ErrBadCase) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	cs, err := eval.ReadCases(strings.NewReader(`{"q":"a","expect":null,"lang":"de"}` + "\n" + `{"q":"b","expect":"x"}`))
	if err != nil || len(cs) != 2 || cs[0].Expect != nil || cs[0].Lang != "de" || *cs[1].Expect != "x" {
		t.Fatalf("cases %+v, %v", cs, err)
	}
}

// The multilingual fixture: German and French questions, with and without
// accents and umlauts, find their items; weather questions are not answered.
func TestRunOnTheMultilingualFixture(t *testing.T) {
	t.Parallel()
	f, cases := mustLoad(t)
	langs := eval.FAQLanguages(f)
	if strings.Join(langs, ",") != "en,de,fr" {
		t.Fatalf("FAQLanguages = %v, want en,de,fr", langs)
	}
	ix, err := faq.Build(f, langs, config.Thresholds{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := eval.Run(context.Background(), ix, cases)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"en", "de", "fr"} {
		fg := rep.Languages[l]
		if fg == nil {
			t.Fatalf("no figures for %s", l)
		}
		if fg.Hit1 < 0.99 || fg.OOSReject < 0.99 || fg.Wrong > 0 || fg.Answered < 0.75 {
			t.Errorf("%s: %s", l, fg.Line())
		}
	}
	if rep.Overall.N != len(cases) || rep.Overall.OutScope != 3 {
		t.Errorf("overall %+v", rep.Overall)
	}
	var sum int
	for _, b := range rep.Calibration {
		sum += b.N
	}
	if len(rep.Calibration) != eval.Buckets || sum == 0 {
		t.Errorf("calibration %+v", rep.Calibration)
	}
}

func TestWriteTextEndsWithTheContractLine(t *testing.T) {
	t.Parallel()
	f, cases := mustLoad(t)
	ix, err := faq.Build(f, eval.FAQLanguages(f), config.Thresholds{Answer: 0.99, Suggest: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := eval.Run(context.Background(), ix, cases)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := rep.WriteText(&b, true); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	last := lines[len(lines)-1]
	re := regexp.MustCompile(`^hit@1=\d\.\d{3} hit@3=\d\.\d{3} answered=\d\.\d{3} wrong=\d\.\d{3} oos_reject=\d\.\d{3} p50_us=\d+ p99_us=\d+ n=22$`)
	if !re.MatchString(last) {
		t.Errorf("last line %q", last)
	}
	if !strings.Contains(b.String(), "thresholds: answer=0.99 suggest=0.20") || !strings.Contains(b.String(), "lang=de ") ||
		!strings.Contains(b.String(), "0.9-1.0") {
		t.Errorf("report:\n%s", b.String())
	}
	// A stricter answer threshold answers less.
	loose, err := faq.Build(f, eval.FAQLanguages(f), config.Thresholds{Answer: 0.5, Suggest: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	lrep, err := eval.Run(context.Background(), loose, cases)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Overall.Answered >= lrep.Overall.Answered {
		t.Errorf("answer threshold 0.99 answers %.3f, 0.5 answers %.3f", rep.Overall.Answered, lrep.Overall.Answered)
	}
}

func TestFAQLanguagesDetectsAGermanBase(t *testing.T) {
	t.Parallel()
	f := &config.FAQ{Menu: []*config.Category{{ID: "c", Items: []*config.Item{
		{ID: "a", Question: "Wie kann ich mein Passwort zurücksetzen?", Alternates: []string{"Ich habe das Passwort vergessen"},
			Translations: map[string]config.Translation{"en": {Question: "How do I reset my password?"}}},
		{ID: "b", Question: "Der Drucker druckt nicht", Answer: "x"},
	}}}}
	if got := strings.Join(eval.FAQLanguages(f), ","); got != "de,en" {
		t.Errorf("FAQLanguages = %s, want de,en", got)
	}
}

func TestSelfCasesListEveryPhrasing(t *testing.T) {
	t.Parallel()
	f := &config.FAQ{Menu: []*config.Category{{ID: "c", Items: []*config.Item{{
		ID: "vpn", Question: "How do I connect to the VPN?", Alternates: []string{"VPN does not connect"},
		Keywords: []string{"vpn"},
		Translations: map[string]config.Translation{
			"de": {Question: "Wie verbinde ich mich mit dem VPN?", Alternates: []string{"VPN verbindet nicht"}},
			"fr": {Question: "Comment me connecter au VPN ?"},
		},
	}}}}}
	cases := eval.SelfCases(f, []string{"en", "de"})
	var got []string
	for _, c := range cases {
		got = append(got, c.Lang+":"+c.Q+"="+*c.Expect)
	}
	want := "en:How do I connect to the VPN?=vpn|en:VPN does not connect=vpn|de:Wie verbinde ich mich mit dem VPN?=vpn|de:VPN verbindet nicht=vpn"
	if strings.Join(got, "|") != want {
		t.Errorf("cases\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
}
