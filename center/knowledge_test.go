package center_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// knowledgeFAQ has seven items whose answers (only) name the print server.
var knowledgeFAQ = func() string {
	var b strings.Builder
	b.WriteString("menu:\n  - id: printing\n    title: Printing\n    items:\n")
	for i := 1; i <= 7; i++ {
		fmt.Fprintf(&b, "      - {id: p%d, question: \"Printer question %d?\", answer: \"Restart the spooler on printhost%d.\"}\n", i, i, i)
	}
	b.WriteString("      - {id: vpn, question: \"How do I connect to the VPN?\", answer: \"Open <GlobalProtect> & sign in.\"}\n")
	return b.String()
}()

func TestKnowledgePanel(t *testing.T) {
	e := newEnvConfig(t, true, testConfig, knowledgeFAQ)
	tk := e.open("it", "alice@example.com", "printing broken")
	ada := e.signIn("ada@example.com")
	page := func(q string) string {
		t.Helper()
		status, body := ada.do("GET", "/center/tickets/"+tk.Key+"?"+q, nil)
		if status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
		return body
	}
	// A word that is only in answers, a page of five, then the next page.
	body := page("kq=spooler")
	if !strings.Contains(body, "7 results") || strings.Count(body, "Insert into note") != 5 {
		t.Fatalf("first page:\n%s", body)
	}
	if !strings.Contains(body, "<mark>spooler</mark>") {
		t.Errorf("no highlighted match")
	}
	next := regexp.MustCompile(`href="([^"]+kp=5[^"]*)"[^>]*>Next`).FindStringSubmatch(body)
	if next == nil {
		t.Fatalf("no Next link")
	}
	u, _ := url.Parse(html.UnescapeString(next[1]))
	body = page(u.RawQuery)
	if n := strings.Count(body, "Insert into note"); n != 2 || !strings.Contains(body, "Previous") {
		t.Fatalf("second page has %d results", n)
	}
	// Insert into note: the answer is in the note box, escaped.
	body = page("kq=globalprotect&insert=vpn:en")
	box := regexp.MustCompile(`(?s)<textarea id="note-text"[^>]*>(.*?)</textarea>`).FindStringSubmatch(body)
	if box == nil || !strings.Contains(box[1], "Open &lt;GlobalProtect&gt; &amp; sign in.") {
		t.Fatalf("note box: %q", box)
	}
	// The requester has no knowledge panel.
	if _, body := e.signIn("alice@example.com").do("GET", "/center/tickets/"+tk.Key+"?kq=spooler", nil); strings.Contains(body, "Insert into note") {
		t.Error("the requester sees the knowledge panel")
	}
}

func TestKnowledgeAPI(t *testing.T) {
	e := newEnvConfig(t, true, testConfig, knowledgeFAQ)
	status, body := e.api("GET", "/api/v1/faq?desk=it&q=spooler&from=6&size=3", crmToken, "")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	var res struct {
		Total, From int
		Hits        []struct {
			Item, Lang, Question, Answer string
			Highlights                   map[string][]string
		}
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatal(err)
	}
	if res.Total != 7 || res.From != 6 || len(res.Hits) != 1 || !strings.Contains(res.Hits[0].Highlights["answer"][0], "<mark>spooler</mark>") {
		t.Fatalf("result: %s", body)
	}
	for _, c := range []struct {
		path, token string
		want        int
	}{
		{"/api/v1/faq?desk=hr&q=x", crmToken, http.StatusForbidden},
		{"/api/v1/faq?desk=it&q=%20", crmToken, http.StatusBadRequest},
		{"/api/v1/faq?q=vpn", crmToken, http.StatusBadRequest},
		{"/api/v1/faq?desk=it&q=vpn", "", http.StatusUnauthorized},
	} {
		if status, body := e.api("GET", c.path, c.token, ""); status != c.want {
			t.Errorf("%s: %d, want %d: %s", c.path, status, c.want, body)
		}
	}
}
