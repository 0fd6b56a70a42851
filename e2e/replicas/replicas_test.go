package replicas_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/bot/bottest"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres/pgtest"
)

// openReplicas opens n stores (each its own connection pool) on one database.
func openReplicas(tb testing.TB, dsn string, n int) []tickets.Store {
	tb.Helper()
	stores := make([]tickets.Store, n)
	// Each replica has pgtest's small pool (pgtest.PoolConns): events wait
	// for a connection, and the whole cluster fits beside other clients.
	for i := range stores {
		st, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			tb.Fatalf("replica %d: %v", i, err)
		}
		stores[i] = st
	}
	return stores
}

// Three replicas on one database, every event delivered to all three, 200
// conversations at once, one replica dying half way in the middle of events
// it had claimed: after their leases the others take those events over, and
// the users and agents see one help desk.
func TestThreeReplicasAreOneHelpDesk(t *testing.T) {
	const users = 200
	// No deadline of its own: on a loaded 2-core machine the run takes from
	// one to several minutes, and a hang is caught by go test's -timeout
	// (with every goroutine's stack).
	ctx := t.Context()
	c := newCluster(t, openReplicas(t, pgtest.DSN(t), 3))
	if err := c.run(ctx, users, 2); err != nil {
		t.Fatal(err)
	}
	st := c.store()

	// The killed replica did take part before it died, and the others
	// carried on without it.
	for i, r := range c.replicas {
		if r.store.handled.Load() == 0 {
			t.Errorf("replica %d handled no event; the test does not exercise it", i)
		}
	}
	if !c.replicas[2].dead {
		t.Error("replica 2 was never killed")
	}
	// It died holding events; each was taken over once, by a survivor, and
	// no live replica's event was taken over.
	orphans := c.replicas[2].store.orphans.Load()
	if orphans == 0 {
		t.Error("replica 2 died holding no event; the test does not exercise a death mid-event")
	}
	if took := c.replicas[0].store.takeovers.Load() + c.replicas[1].store.takeovers.Load(); took != orphans {
		t.Errorf("the survivors took over %d events; replica 2 left %d behind", took, orphans)
	}

	// Every question answered once.
	for i := range users {
		user := fmt.Sprintf("user%03d", i)
		answers, ratings := 0, 0
		for _, m := range c.platform.Messages(bottest.DMChat(user), user) {
			if strings.Contains(m.Msg.Text, "Did this help?") {
				answers++
			}
			if strings.Contains(m.Msg.Text, "is resolved.") {
				ratings++
			}
		}
		if answers != 1 || ratings != 1 {
			t.Errorf("%s got %d answers and %d rating prompts, want one each", user, answers, ratings)
		}
	}
	qs, err := st.Questions(ctx, tickets.QuestionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != users {
		t.Errorf("%d questions recorded, want %d", len(qs), users)
	}

	// No ticket lost or duplicated, each numbered once.
	all, err := st.List(ctx, tickets.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != users {
		t.Errorf("%d tickets, want %d (one per conversation)", len(all), users)
	}
	requesters := map[string]int{}
	var keys []string
	for _, tk := range all {
		requesters[tk.Requester.ID]++
		keys = append(keys, tk.Key)
		if tk.Status != tickets.StatusResolved || tk.Evaluation == nil || tk.Evaluation.Rating != 5 {
			t.Errorf("%s ends %s with evaluation %+v, want resolved and rated 5", tk.Key, tk.Status, tk.Evaluation)
		}
	}
	for u, n := range requesters {
		if n != 1 {
			t.Errorf("%s has %d tickets", u, n)
		}
	}
	slices.Sort(keys)
	if compact := slices.Compact(slices.Clone(keys)); len(compact) != len(keys) {
		t.Errorf("ticket keys repeat: %d keys, %d distinct", len(keys), len(compact))
	}

	// Every ticket assigned exactly once, started, ended and rated once; no
	// agent ever over max_open. The audit events in id order replay the
	// assignments: an event id is taken inside its transaction, so an
	// assignment decided after an End has the larger id.
	desk := c.cfg.Desk("it")
	type step struct {
		id    int64
		kind  string
		agent string
	}
	var steps []step
	assignee := map[int64]string{}
	for _, tk := range all {
		evs, err := st.Events(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, ev := range evs {
			kinds[ev.Kind]++
			if ev.Kind == "assign" || ev.Kind == "end" {
				steps = append(steps, step{ev.ID, ev.Kind, tk.Assignee})
			}
		}
		for _, k := range []string{"open", "assign", "start", "end", "evaluate"} {
			if kinds[k] != 1 {
				t.Errorf("%s has %d %q events, want 1 (events %v)", tk.Key, kinds[k], k, kinds)
			}
		}
		if kinds["requeue"] != 0 || kinds["transfer"] != 0 {
			t.Errorf("%s was requeued or transferred: %v", tk.Key, kinds)
		}
		assignee[tk.ID] = tk.Assignee
		ms, err := st.Messages(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 1 || ms[0].Text != "still broken" {
			t.Errorf("%s transcript = %+v, want the one line the user wrote", tk.Key, ms)
		}
	}
	slices.SortFunc(steps, func(a, b step) int { return int(a.id - b.id) })
	open := map[string]int{}
	peak := map[string]int{}
	for _, s := range steps {
		if s.kind == "assign" {
			open[s.agent]++
		} else {
			open[s.agent]--
		}
		peak[s.agent] = max(peak[s.agent], open[s.agent])
	}
	for _, ag := range desk.Agents {
		if peak[ag.Name] > ag.MaxOpen {
			t.Errorf("%s had %d tickets open at once; max_open is %d", ag.Name, peak[ag.Name], ag.MaxOpen)
		}
		if peak[ag.Name] == 0 {
			t.Errorf("%s never got a ticket", ag.Name)
		}
	}
	var slowest time.Duration
	for _, r := range c.replicas {
		slowest = max(slowest, time.Duration(r.store.slowest.Load()))
	}
	t.Logf("events handled per replica: %d %d %d; %d left behind mid-event and taken over; peak load %v; reply p50 %s p99 %s; slowest event %s (lease %s)",
		c.replicas[0].store.handled.Load(), c.replicas[1].store.handled.Load(), c.replicas[2].store.handled.Load(),
		orphans, peak, percentile(c.latencies, 0.5), percentile(c.latencies, 0.99), slowest.Round(time.Millisecond), lease)
}
