package center_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var snippetConfig = strings.Replace(testConfig, "    faq: faq.yaml\n", `    faq: faq.yaml
    snippets:
      - {id: restart, title: Restart first, text: "Hello {requester}, please restart and tell me on {ticket} ({subject}). {agent}, {desk}"}
      - {id: bye, title: Closing, text: "Glad it works again."}
`, 1)

func TestSnippetsOnTheTicketPage(t *testing.T) {
	e := newEnvConfig(t, true, snippetConfig, testFAQ)
	tk := e.open("it", "alice@example.com", "laptop <slow>")
	ada := e.signIn("ada@example.com")
	_, body := ada.do("GET", "/center/tickets/"+tk.Key+"?sq=restart", nil)
	if !strings.Contains(body, "Restart first") || strings.Contains(body, "Closing") {
		t.Fatalf("search for restart:\n%s", body)
	}
	_, body = ada.do("GET", "/center/tickets/"+tk.Key+"?snippet=restart", nil)
	box := regexp.MustCompile(`(?s)<textarea id="note-text"[^>]*>(.*?)</textarea>`).FindStringSubmatch(body)
	want := "Hello alice, please restart and tell me on " + tk.Key + " (laptop &lt;slow&gt;). Ada, IT Help Desk"
	if box == nil || box[1] != want {
		t.Fatalf("note box %q, want %q", box, want)
	}
	// The HR desk has none: no panel there; the requester never sees it.
	if _, body := e.signIn("alice@example.com").do("GET", "/center/tickets/"+tk.Key, nil); strings.Contains(body, "Canned replies") {
		t.Error("the requester sees the canned replies")
	}
}

func TestSnippetsAPI(t *testing.T) {
	e := newEnvConfig(t, true, snippetConfig, testFAQ)
	tk := e.open("it", "alice@example.com", "laptop slow")
	hr := e.open("hr", "bob@example.com", "payslip")
	status, body := e.api("GET", "/api/v1/snippets?ticket="+tk.Key+"&q=restart", crmToken, "")
	var res struct {
		Snippets []struct{ ID, Title, Text string }
	}
	if err := json.Unmarshal([]byte(body), &res); status != http.StatusOK || err != nil {
		t.Fatalf("status %d: %s", status, body)
	}
	if len(res.Snippets) != 1 || res.Snippets[0].Text != "Hello alice, please restart and tell me on "+tk.Key+" (laptop slow). , IT Help Desk" {
		t.Fatalf("snippets: %s", body)
	}
	if _, body := e.api("GET", "/api/v1/snippets?desk=it", crmToken, ""); !strings.Contains(body, "{requester}") || !strings.Contains(body, `"bye"`) {
		t.Errorf("without a ticket: %s", body)
	}
	for _, c := range []struct {
		path string
		want int
	}{
		{"/api/v1/snippets?desk=hr", http.StatusForbidden},
		{"/api/v1/snippets?ticket=" + hr.Key, http.StatusForbidden},
		{"/api/v1/snippets", http.StatusBadRequest},
		{"/api/v1/snippets?ticket=IT-999", http.StatusNotFound},
	} {
		if status, body := e.api("GET", c.path, crmToken, ""); status != c.want {
			t.Errorf("%s: %d, want %d: %s", c.path, status, c.want, body)
		}
	}
}
