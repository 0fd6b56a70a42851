package sqlcore

import (
	"encoding/json"
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// The memo hands out copies: a caller changing its ticket changes neither
// the memo nor what the next reader gets, and new bytes are decoded anew.
func TestDecodeMemoHandsOutCopies(t *testing.T) {
	var m decodeMemo
	v1, _ := json.Marshal(&tickets.Ticket{Subject: "vpn", Tags: []string{"a"}, Form: []tickets.FormAnswer{{ID: "f", Value: "x"}}})
	first, err := m.decode(7, v1)
	if err != nil {
		t.Fatal(err)
	}
	first.Subject, first.Tags[0], first.Form[0].Value = "changed", "changed", "changed"
	second, err := m.decode(7, v1)
	if err != nil {
		t.Fatal(err)
	}
	if second.ID != 7 || second.Subject != "vpn" || second.Tags[0] != "a" || second.Form[0].Value != "x" {
		t.Errorf("second read of the same row = %+v, want the stored ticket unchanged", second)
	}
	v2, _ := json.Marshal(&tickets.Ticket{Subject: "printer"})
	third, err := m.decode(7, v2)
	if err != nil {
		t.Fatal(err)
	}
	if third.Subject != "printer" || third.Tags != nil {
		t.Errorf("read after a change = %+v, want the new version", third)
	}
}
