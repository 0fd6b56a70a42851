package center_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSplitFromTheCenter(t *testing.T) {
	l := newLive(t, false)
	tk := l.ask(l.alice, "zebra quantum marmalade")
	chat := l.start(tk)
	l.alice.SayIn(chat, "and my printer quantum zebra is broken")
	ms, _ := l.store.Messages(ctx, tk.ID)
	var id int64
	for _, m := range ms {
		if strings.Contains(m.Text, "printer") {
			id = m.ID
		}
	}
	if id == 0 {
		t.Fatalf("the message is not in the transcript: %+v", ms)
	}
	agent := l.agentBrowser[tk.Assignee]
	if _, page := agent.do("GET", "/center/tickets/"+tk.Key, nil); !strings.Contains(page, fmt.Sprintf(`name="message" value="%d"`, id)) {
		t.Fatal("the transcript offers no split")
	}
	if status, page := agent.post("/center/tickets/"+tk.Key+"/split", url.Values{"message": {fmt.Sprint(id)}}); status != http.StatusSeeOther {
		t.Fatalf("split: status %d\n%s", status, page)
	}
	from := l.h.Ticket(tk.Key)
	if len(from.Splits) != 1 {
		t.Fatalf("no split recorded: %+v", from)
	}
	split := l.h.Ticket(from.Splits[0])
	if split.SplitFrom != tk.Key || split.Subject != "and my printer quantum zebra is broken" || split.Assignee == "" {
		t.Errorf("the split ticket: %+v", split)
	}
	// The new ticket went to an agent like any other, who got its card.
	mustSeeIn(t, l.h, l.agents[split.Assignee], l.agents[split.Assignee].DM(), "# "+split.Key)
	if _, page := agent.do("GET", "/center/tickets/"+tk.Key, nil); !strings.Contains(page, `<dt>Split off</dt><dd><a href="/center/tickets/`+split.Key+`">`) {
		t.Error("the first ticket does not link the split one")
	}
	// Through the API the message is its id.
	status, out := l.api("POST", "/api/v1/tickets/"+tk.Key+"/transitions", crmToken, fmt.Sprintf(`{"action":"split","message":%d}`, id))
	if status != http.StatusOK || !strings.Contains(out, `"splits": [`) {
		t.Errorf("API split: %d %s", status, out)
	}
}
