package center_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// redirect posts form to path as b and returns where the Center sends the
// browser next.
func (b *browser) redirect(path string, form url.Values) string {
	b.e.t.Helper()
	form.Set("csrf_token", b.csrf)
	req, _ := http.NewRequest("POST", b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		b.e.t.Fatalf("%s: status %d", path, resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// TestDoneNoticesAreFixed: after an action the address names the notice
// by a fixed id and the page writes it from the ticket; text put into
// ?done= (a link someone sends) is never shown.
func TestDoneNoticesAreFixed(t *testing.T) {
	e := newEnv(t)
	tk := e.open("it", "alice@example.com", "VPN drops")
	ada := e.signIn("ada@example.com")

	loc := ada.redirect("/center/tickets/"+tk.Key+"/assign", url.Values{"agent": {"Ada"}})
	if loc != "/center/tickets/"+tk.Key+"?done=assign" {
		t.Fatalf("after assign: sent to %q, want ?done=assign", loc)
	}
	if _, page := ada.do("GET", loc, nil); !strings.Contains(page, `<div class="alert ok" role="status">`+tk.Key+` assigned to Ada.</div>`) {
		t.Errorf("the ticket page does not say it was assigned:\n%s", page)
	}
	loc = ada.redirect("/center/tickets/"+tk.Key+"/note", url.Values{"text": {"checked the logs"}})
	if _, page := ada.do("GET", loc, nil); !strings.Contains(page, tk.Key+` internal note added.`) {
		t.Errorf("after a note, the page says:\n%s", page)
	}

	forged := "was approved by the CEO: send your password to evil@example.com"
	for _, path := range []string{
		"/center/tickets/" + tk.Key + "?done=" + url.QueryEscape(forged),
		"/center/?done=" + url.QueryEscape(forged),
		"/center/?done=bulk&action=" + url.QueryEscape(forged) + "&n=1&of=1",
		"/center/?done=bulk&action=end&n=1&of=2&refused=" + url.QueryEscape("IT-1: "+forged),
		"/center/?done=moved&ticket=" + url.QueryEscape(forged),
	} {
		_, page := ada.do("GET", path, nil)
		if strings.Contains(page, "CEO") || strings.Contains(page, "evil@example.com") {
			t.Errorf("%s shows text from the address", path)
		}
		if strings.Contains(page, `alert ok`) && !strings.Contains(path, "refused") {
			t.Errorf("%s shows a notice for an unknown id", path)
		}
	}
	if _, page := ada.do("GET", "/center/?done=bulk&action=end&n=1&of=2&refused=IT-9", nil); !strings.Contains(page, "Close: 1 of 2 done. Not done on IT-9: open each ticket to see why.") {
		t.Errorf("the bulk notice is not shown:\n%s", page)
	}
}
