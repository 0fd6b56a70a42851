package faq_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
)

// mustLoadFAQ parses a FAQ fixture from testdata.
func mustLoadFAQ(tb testing.TB, name string) *config.FAQ {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	var f config.FAQ
	if err := yaml.Unmarshal(b, &f); err != nil {
		tb.Fatalf("parse %s: %v", name, err)
	}
	return &f
}

// mustBuildIT builds the multilingual IT desk fixture with default thresholds.
func mustBuildIT(tb testing.TB) *faq.Index {
	tb.Helper()
	ix, err := faq.Build(mustLoadFAQ(tb, "it.yaml"), []string{"en", "de", "fr"}, config.Thresholds{})
	if err != nil {
		tb.Fatalf("Build: %v", err)
	}
	return ix
}

func mustSearch(tb testing.TB, ix *faq.Index, text, lang string) []faq.Hit {
	tb.Helper()
	hits, err := ix.Search(context.Background(), text, lang, 5)
	if err != nil {
		tb.Fatalf("Search(%q, %q): %v", text, lang, err)
	}
	return hits
}

func describe(hits []faq.Hit) string {
	s := ""
	for _, h := range hits {
		s += fmt.Sprintf("\n  %s conf=%.3f score=%.3f %q", h.ItemID, h.Confidence, h.Score, h.Question)
	}
	if s == "" {
		return " (no hits)"
	}
	return s
}

func TestSearchFindsTheRightItem(t *testing.T) {
	t.Parallel()
	ix := mustBuildIT(t)
	tests := []struct {
		name, q, lang string
		want          string
		decide        faq.Decision // expected decision; -1 = only check the top item
	}{
		{"exact question", "How do I reset my password?", "en", "password-reset", faq.DecideAnswer},
		{"exact question, no punctuation or case", "how do i connect to the vpn", "en", "vpn-connect", faq.DecideAnswer},
		{"alternate phrasing", "I forgot my password", "en", "password-reset", faq.DecideAnswer},
		{"alternate, reworded", "the vpn won't connect", "en", "vpn-connect", -1},
		{"close paraphrase", "how can I reset my password please", "en", "password-reset", faq.DecideAnswer},
		{"keyword", "globalprotect", "en", "vpn-connect", -1},
		{"keyword in a sentence", "problem with my authenticator", "en", "mfa-new-phone", -1},
		{"stemmed forms", "booking meeting rooms", "en", "meeting-room", -1},
		{"german exact", "Wie kann ich mein Passwort zurücksetzen?", "de", "password-reset", faq.DecideAnswer},
		{"german without umlauts", "passwort zurucksetzen", "de", "password-reset", -1},
		{"german ue spelling", "passwort zuruecksetzen", "de", "password-reset", -1},
		{"german alternate", "Konto gesperrt", "de", "account-locked", -1},
		{"german detected", "Wie verbinde ich mich mit dem VPN?", "", "vpn-connect", faq.DecideAnswer},
		{"french exact", "Comment réinitialiser mon mot de passe oublié ?", "fr", "password-reset", faq.DecideAnswer},
		{"french without accents", "mot de passe oublie", "fr", "password-reset", -1},
		{"french accents on query only", "Je ne peux pas me connecter à mon compte bloqué", "fr", "account-locked", -1},
		{"french detected", "comment ajouter une imprimante", "", "printer-add", -1},
		{"locale with region", "Wie füge ich einen Drucker hinzu", "de-DE", "printer-add", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hits := mustSearch(t, ix, tc.q, tc.lang)
			if len(hits) == 0 || hits[0].ItemID != tc.want {
				t.Fatalf("Search(%q) top hit: want %s, got:%s", tc.q, tc.want, describe(hits))
			}
			if tc.decide >= 0 {
				if got := ix.Decide(hits); got != tc.decide {
					t.Errorf("Decide = %v, want %v; hits:%s", got, tc.decide, describe(hits))
				}
			}
			if tc.decide == faq.DecideAnswer && hits[0].Confidence < 0.9 && tc.name != "close paraphrase" {
				t.Errorf("exact match confidence %.3f, want >= 0.9", hits[0].Confidence)
			}
			for i, h := range hits {
				if h.Confidence < 0 || h.Confidence > 1 {
					t.Errorf("hit %d confidence %v outside [0,1]", i, h.Confidence)
				}
				if i > 0 && h.Confidence > hits[i-1].Confidence {
					t.Errorf("hits not ranked best first:%s", describe(hits))
				}
			}
		})
	}
}

func TestSearchDoesNotAnswerWhatIsNotInTheFAQ(t *testing.T) {
	t.Parallel()
	ix := mustBuildIT(t)
	tests := []struct{ name, q, lang string }{
		{"unrelated", "what is the weather on mars tomorrow", "en"},
		{"unrelated, german", "Wie wird das Wetter morgen in Berlin?", "de"},
		{"nonsense", "xqzt blorfing wubba", "en"},
		{"one vague word in a long question", "is there a room downstairs where we can do yoga at lunch", "en"},
		{"one vague word, french", "quel est le menu de la cantine pour mon compte aujourd'hui", "fr"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hits := mustSearch(t, ix, tc.q, tc.lang)
			if got := ix.Decide(hits); got != faq.DecideNone {
				t.Errorf("Decide = %v, want none; hits:%s", got, describe(hits))
			}
			if len(hits) > 0 && hits[0].Confidence >= 0.35 {
				t.Errorf("top confidence %.3f, want < 0.35:%s", hits[0].Confidence, describe(hits))
			}
		})
	}
	t.Run("nonsense gives no hit or a very low confidence", func(t *testing.T) {
		hits := mustSearch(t, ix, "xqzt blorfing wubba", "en")
		if len(hits) > 0 && hits[0].Confidence >= 0.2 {
			t.Errorf("confidence %.3f, want < 0.2", hits[0].Confidence)
		}
	})
	t.Run("empty question", func(t *testing.T) {
		if hits := mustSearch(t, ix, "   ", "en"); len(hits) != 0 {
			t.Errorf("hits for blank question:%s", describe(hits))
		}
		if hits := mustSearch(t, ix, "the and of", "en"); len(hits) != 0 {
			t.Errorf("hits for stop words only:%s", describe(hits))
		}
	})
}

func TestSearchLocalizesHits(t *testing.T) {
	t.Parallel()
	ix := mustBuildIT(t)
	tests := []struct {
		name, q, lang            string
		wantItem, wantQ, wantAns string
	}{
		{"german item in german", "Passwort vergessen", "de", "password-reset",
			"Wie kann ich mein Passwort zurücksetzen?", "Öffne https://id.example.com und wähle „Passwort vergessen“."},
		{"french question, answer", "mot de passe expiré", "fr", "password-reset",
			"Comment réinitialiser mon mot de passe oublié ?", "Allez sur https://id.example.com et choisissez « Mot de passe oublié »."},
		// wifi-guest and outlook-calendar have no translations: a German
		// question still finds them through the English fields, and the
		// hit is shown in English.
		{"fallback to default language", "Outlook Kalender teilen", "de", "outlook-calendar",
			"How do I share my Outlook calendar?", "In Outlook, right-click the calendar, choose Share and add people."},
		{"fallback by keyword", "wlan für gäste", "de", "wifi-guest",
			"How do guests get on the Wi-Fi?", `Guests join "Example-Guest" and accept the terms; vouchers are at reception.`},
		// mfa-new-phone has a German question but no German alternates:
		// its German question is searched, its German answer shown.
		{"partial translation", "Zwei-Faktor-Authentifizierung neues Handy", "de", "mfa-new-phone",
			"Wie übertrage ich die Zwei-Faktor-Authentifizierung auf ein neues Handy?",
			"Öffne https://id.example.com/mfa am Laptop und scanne den neuen QR-Code."},
		{"language the desk does not speak searches the default", "How do I book a meeting room?", "es", "meeting-room",
			"How do I book a meeting room?", "Use the Rooms tab in Outlook; rooms show their capacity and equipment."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hits := mustSearch(t, ix, tc.q, tc.lang)
			if len(hits) == 0 || hits[0].ItemID != tc.wantItem {
				t.Fatalf("top hit: want %s, got:%s", tc.wantItem, describe(hits))
			}
			if hits[0].Question != tc.wantQ || hits[0].Answer != tc.wantAns {
				t.Errorf("hit shown as %q / %q, want %q / %q", hits[0].Question, hits[0].Answer, tc.wantQ, tc.wantAns)
			}
			if want := ix.CategoryOf(tc.wantItem); hits[0].CategoryID != want {
				t.Errorf("CategoryID = %q, want %q", hits[0].CategoryID, want)
			}
		})
	}
}

func TestDecideUsesDeskThresholds(t *testing.T) {
	t.Parallel()
	f := mustLoadFAQ(t, "it.yaml")
	strict, err := faq.Build(f, []string{"en"}, config.Thresholds{Answer: 0.999, Suggest: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	// Not a listed phrasing (those are always answered, issue 12): the
	// threshold decides.
	hits := mustSearch(t, strict, "password reset help", "en")
	if got := strict.Decide(hits); got != faq.DecideSuggest {
		t.Errorf("with answer threshold 0.999: Decide = %v, want suggest (conf %.4f)", got, hits[0].Confidence)
	}
	if got := strict.Decide(nil); got != faq.DecideNone {
		t.Errorf("Decide(nil) = %v, want none", got)
	}
	// Zero thresholds are chosen per FAQ (issue 12), within the defaults'
	// range.
	ix := mustBuildIT(t)
	answer, suggest := ix.Thresholds()
	if answer < 0.5 || answer > faq.DefaultAnswerThreshold || suggest > answer || suggest <= 0 {
		t.Errorf("thresholds chosen: answer %v suggest %v", answer, suggest)
	}
	for _, tc := range []struct {
		conf float64
		want faq.Decision
	}{{answer, faq.DecideAnswer}, {answer - 0.001, faq.DecideSuggest}, {suggest, faq.DecideSuggest}, {suggest - 0.001, faq.DecideNone}} {
		if got := ix.Decide([]faq.Hit{{Confidence: tc.conf}}); got != tc.want {
			t.Errorf("default thresholds, confidence %v: Decide = %v, want %v", tc.conf, got, tc.want)
		}
	}
}

func TestSearchHonoursContext(t *testing.T) {
	t.Parallel()
	ix := mustBuildIT(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ix.Search(ctx, "reset password", "en", 3); !errors.Is(err, context.Canceled) {
		t.Errorf("Search with cancelled context: err = %v, want context.Canceled", err)
	}
}

func TestSearchLimitsHits(t *testing.T) {
	t.Parallel()
	ix := mustBuildIT(t)
	hits, err := ix.Search(context.Background(), "how do I password vpn printer outlook room wifi", "en", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 {
		t.Errorf("asked for 2 hits, got %d:%s", len(hits), describe(hits))
	}
}

func TestSearchConcurrent(t *testing.T) {
	t.Parallel()
	ix := mustBuildIT(t)
	queries := []struct{ q, lang, want string }{
		{"How do I reset my password?", "en", "password-reset"},
		{"VPN verbindet nicht", "de", "vpn-connect"},
		{"Comment ajouter une imprimante sur mon ordinateur portable ?", "", "printer-add"},
		{"reserve a conference room", "en", "meeting-room"},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8*len(queries))
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				q := queries[(g+i)%len(queries)]
				hits, err := ix.Search(context.Background(), q.q, q.lang, 3)
				if err != nil {
					errs <- err
					return
				}
				if len(hits) == 0 || hits[0].ItemID != q.want {
					errs <- fmt.Errorf("%q: want %s, got:%s", q.q, q.want, describe(hits))
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestBuild(t *testing.T) {
	t.Parallel()
	t.Run("nil FAQ is an empty desk", func(t *testing.T) {
		ix, err := faq.Build(nil, nil, config.Thresholds{})
		if err != nil {
			t.Fatal(err)
		}
		if ix.Len() != 0 || len(ix.Categories("")) != 0 {
			t.Errorf("empty index has %d items, %d categories", ix.Len(), len(ix.Categories("")))
		}
		if hits := mustSearch(t, ix, "reset password", ""); len(hits) != 0 {
			t.Errorf("hits from empty index:%s", describe(hits))
		}
		if got := ix.Decide(nil); got != faq.DecideNone {
			t.Errorf("Decide = %v", got)
		}
	})
	t.Run("counts items in nested categories", func(t *testing.T) {
		if got := mustBuildIT(t).Len(); got != 8 {
			t.Errorf("Len = %d, want 8", got)
		}
	})
	t.Run("other languages, CJK and unknown ones", func(t *testing.T) {
		f := &config.FAQ{Menu: []*config.Category{{ID: "c", Title: "C", Items: []*config.Item{
			{ID: "vpn", Question: "VPN の接続方法", Translations: map[string]config.Translation{
				"es": {Question: "¿Cómo me conecto a la VPN?"},
				"sv": {Question: "Hur ansluter jag till VPN?"}}},
			{ID: "printer", Question: "プリンターを追加する"},
		}}}}
		ix, err := faq.Build(f, []string{"ja", "es", "sv"}, config.Thresholds{})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ q, lang, want string }{
			{"プリンターを追加したい", "ja", "printer"},
			{"VPN に接続できない", "", "vpn"},
			{"como me conecto a la vpn", "es", "vpn"},
			{"hur ansluter jag", "sv", "vpn"},
		} {
			hits := mustSearch(t, ix, tc.q, tc.lang)
			if len(hits) == 0 || hits[0].ItemID != tc.want {
				t.Errorf("Search(%q, %q): want %s, got:%s", tc.q, tc.lang, tc.want, describe(hits))
			}
		}
	})
	bad := []struct {
		name string
		f    *config.FAQ
	}{
		{"duplicate item id", &config.FAQ{Menu: []*config.Category{
			{ID: "a", Items: []*config.Item{{ID: "x", Question: "q1"}}},
			{ID: "b", Items: []*config.Item{{ID: "x", Question: "q2"}}},
		}}},
		{"duplicate category id", &config.FAQ{Menu: []*config.Category{
			{ID: "a"}, {ID: "b", Children: []*config.Category{{ID: "a"}}},
		}}},
		{"item without id", &config.FAQ{Menu: []*config.Category{{ID: "a", Items: []*config.Item{{Question: "q"}}}}}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := faq.Build(tc.f, []string{"en"}, config.Thresholds{}); !errors.Is(err, faq.ErrInvalidFAQ) {
				t.Errorf("Build: err = %v, want ErrInvalidFAQ", err)
			}
		})
	}
}

func TestSet(t *testing.T) {
	t.Parallel()
	cfg := &config.Config{Desks: []*config.Desk{
		{ID: "it", Languages: []string{"en", "de", "fr"}, FAQ: mustLoadFAQ(t, "it.yaml")},
		{ID: "hr", Languages: []string{"de"}}, // no FAQ yet
	}}
	s, err := faq.BuildSet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hits, err := s.Search(context.Background(), "it", "Passwort vergessen", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || hits[0].ItemID != "password-reset" {
		t.Errorf("it desk: want password-reset, got:%s", describe(hits))
	}
	if len(hits) > faq.DefaultHits {
		t.Errorf("%d hits, want at most %d", len(hits), faq.DefaultHits)
	}
	hits, err = s.Search(context.Background(), "hr", "Urlaub beantragen", "de")
	if err != nil || len(hits) != 0 {
		t.Errorf("desk without FAQ: hits %v, err %v", describe(hits), err)
	}
	if ix, ok := s.Desk("hr"); !ok || ix.Len() != 0 {
		t.Errorf("Desk(hr) = %v, %v", ix, ok)
	}
	if _, err := s.Search(context.Background(), "sales", "hello", ""); !errors.Is(err, faq.ErrUnknownDesk) {
		t.Errorf("unknown desk: err = %v, want ErrUnknownDesk", err)
	}
	if _, ok := s.Desk("sales"); ok {
		t.Error("Desk(sales) found")
	}
	dup := &config.Config{Desks: []*config.Desk{{ID: "it"}, {ID: "it"}}}
	if _, err := faq.BuildSet(dup); err == nil {
		t.Error("BuildSet with duplicate desk ids: no error")
	}
}

// A German question in an English browser is answered from the German
// FAQ, in German, when English gives no confident answer (issue 12).
func TestSearchTriesTheQuestionsLanguage(t *testing.T) {
	t.Parallel()
	ix := mustBuildIT(t)
	hits := mustSearch(t, ix, "Wie kann ich mein Passwort zurücksetzen?", "en-US")
	if len(hits) == 0 || hits[0].ItemID != "password-reset" || hits[0].Lang != "de" || ix.Decide(hits) != faq.DecideAnswer {
		t.Fatalf("want password-reset answered in German, got:%s", describe(hits))
	}
	if hits[0].Question != "Wie kann ich mein Passwort zurücksetzen?" {
		t.Errorf("hit shown as %q", hits[0].Question)
	}
	if hits := mustSearch(t, ix, "How do I reset my password?", "en"); len(hits) == 0 || hits[0].Lang != "en" {
		t.Errorf("an English question stays English:%s", describe(hits))
	}
}
