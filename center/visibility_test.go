package center_test

import (
	"net/http"
	"strings"
	"testing"
)

var ownConfig = strings.Replace(testConfig, "    faq: faq.yaml\n", "    faq: faq.yaml\n    visibility: own\n", 1)

// TestVisibilityOwn: on a desk with `visibility: own` an agent sees only
// the tickets assigned to them, in the list, on the ticket page and in the
// live stream; the desk's admins still see all.
func TestVisibilityOwn(t *testing.T) {
	e := newEnvConfig(t, true, ownConfig, testFAQ)
	mine := e.open("it", "alice@example.com", "my laptop")
	theirs := e.open("it", "bob@example.com", "his laptop")
	queued := e.open("it", "carol@example.com", "her laptop")
	admin := e.signIn("root@example.com")
	for key, agent := range map[string]string{mine.Key: "Ada", theirs.Key: "Linus"} {
		if status, body := admin.post("/center/tickets/"+key+"/assign", map[string][]string{"agent": {agent}}); status != http.StatusSeeOther {
			t.Fatalf("assign %s: %d %s", key, status, body)
		}
	}
	ada := e.signIn("ada@example.com")
	_, list := ada.do("GET", "/center/?view=all", nil)
	if !strings.Contains(list, ">"+mine.Key+"<") || strings.Contains(list, ">"+theirs.Key+"<") || strings.Contains(list, ">"+queued.Key+"<") {
		t.Fatalf("Ada's list should hold only %s:\n%s", mine.Key, list)
	}
	if status, _ := ada.do("GET", "/center/tickets/"+theirs.Key, nil); status != http.StatusNotFound {
		t.Errorf("Ada opened Linus's ticket: %d", status)
	}
	if status, _ := ada.do("GET", "/center/tickets/"+mine.Key, nil); status != http.StatusOK {
		t.Errorf("Ada cannot open her own ticket: %d", status)
	}
	_, all := admin.do("GET", "/center/?view=all", nil)
	for _, k := range []string{mine.Key, theirs.Key, queued.Key} {
		if !strings.Contains(all, ">"+k+"<") {
			t.Errorf("the admin does not see %s", k)
		}
	}
}
