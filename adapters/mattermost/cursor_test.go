package mattermost_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mattermost/mattermost/server/public/model"

	"github.com/helpdesk-chat/helpdesk/adapters/mattermost"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

// running is one adapter process on the fake server whose handler answers
// each event once per store, as the engine does (it claims the event id).
type running struct {
	t        *testing.T
	answered chan bot.Event
	logs     *syncBuf
	conn     *websocket.Conn
	stop     func()
}

func openStore(t *testing.T) tickets.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "helpdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// start runs an adapter on mm with st as its cursor store, and waits until
// its WebSocket is connected.
func start(t *testing.T, mm *fakeMM, st tickets.Store) *running {
	t.Helper()
	r := &running{t: t, answered: make(chan bot.Event, 50), logs: &syncBuf{}}
	web := httptest.NewServer(nil)
	t.Cleanup(web.Close)
	ad, err := mattermost.New(mattermost.Options{
		URL: mm.srv.URL, Token: fakeToken, Team: "support", ActionSecret: fakeSecret, CallbackURL: web.URL,
		GroupChats: st, Cursor: st,
		Logger: slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ad.Run(ctx, func(ctx context.Context, ev bot.Event) error {
			key := mattermost.Name + ":" + ev.ID
			now := time.Now()
			c, err := st.ClaimEvent(ctx, key, "test", now, now.Add(time.Minute))
			if err != nil || c != tickets.ClaimTaken {
				return err
			}
			r.answered <- ev
			return st.FinishEvent(ctx, key, "test", now)
		})
	}()
	stopped := false
	r.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	t.Cleanup(r.stop)
	select {
	case <-mm.connected:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("no WebSocket connection")
	}
	mm.mu.Lock()
	r.conn = mm.conn
	mm.mu.Unlock()
	return r
}

// answers collects what was answered until the adapter logged that it
// caught up (if want is not "") and nothing more came for a moment.
func (r *running) answers(want string) []string {
	r.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for want != "" && !strings.Contains(r.logs.String(), want) {
		if time.Now().After(deadline) {
			r.t.Fatalf("never logged %q:\n%s", want, r.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	var got []string
	for {
		select {
		case ev := <-r.answered:
			got = append(got, ev.Text)
		case <-time.After(300 * time.Millisecond):
			return got
		}
	}
}

func dmPost(id, text string, at time.Time) *model.Post {
	return &model.Post{Id: id, ChannelId: "dm-carl", UserId: "carl", Message: text, CreateAt: at.UnixMilli()}
}

// A question posted while no adapter runs is answered once by the next
// one started on the same store; one older than the catch-up window is not.
func TestRestartCatchesUpFromTheSavedCursor(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name     string
		before   time.Duration // age of the last post handled before the stop
		downtime []*model.Post
		want     []string
	}{
		{
			name:   "a short stop",
			before: 10 * time.Minute,
			downtime: []*model.Post{
				dmPost("q1", "VPN does not connect", now.Add(-5*time.Minute)),
				{Id: "chat1", ChannelId: "town", UserId: "carl", Message: "lunch?", CreateAt: now.Add(-4 * time.Minute).UnixMilli()},
				{Id: "m1", ChannelId: "town", UserId: "dora", Message: "@helpdesk printer jammed", CreateAt: now.Add(-3 * time.Minute).UnixMilli()},
			},
			want: []string{"VPN does not connect", "printer jammed"}, // sorted
		},
		{
			name:   "down for two days",
			before: 48 * time.Hour,
			downtime: []*model.Post{
				dmPost("old", "is the wiki down?", now.Add(-25*time.Hour)),
				dmPost("new", "my laptop will not boot", now.Add(-time.Hour)),
			},
			want: []string{"my laptop will not boot"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mm := newFakeMM(t)
			st := openStore(t)
			first := start(t, mm, st)
			if got := first.answers(""); len(got) != 0 {
				t.Fatalf("the first start answered %q: there was no cursor yet", got)
			}
			handled := dmPost("seen", "hello", now.Add(-tt.before))
			mm.push(handled, model.ChannelTypeDirect)
			if got := first.answers(""); len(got) != 1 || got[0] != "hello" {
				t.Fatalf("before the stop: %q", got)
			}
			first.stop()

			mm.mu.Lock()
			mm.history["dm-carl"] = []*model.Post{handled}
			for _, p := range tt.downtime {
				mm.history[p.ChannelId] = append(mm.history[p.ChannelId], p)
			}
			mm.mu.Unlock()

			second := start(t, mm, st)
			got := second.answers("caught up after a restart")
			slices.Sort(got) // channels are read in no particular order
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("after the restart answered %q, want %q", got, tt.want)
			}
			second.stop()

			// A third start answers nothing again: the cursor moved on.
			third := start(t, mm, st)
			if got := third.answers("caught up after a restart"); len(got) != 0 {
				t.Fatalf("the third start answered %q again", got)
			}
		})
	}
}

// Two replicas save the cursor on one store: the later post wins, whoever
// saves last.
func TestCursorKeepsTheLaterOfTwoReplicas(t *testing.T) {
	mm := newFakeMM(t)
	st := openStore(t)
	a, b := start(t, mm, st), start(t, mm, st)
	base := time.Now().Add(-time.Hour)
	steps := []struct {
		to   *running
		id   string
		at   time.Duration
		want time.Duration // the saved cursor after the step
	}{
		{b, "p1", 10 * time.Second, 10 * time.Second},
		{a, "p2", 5 * time.Second, 10 * time.Second}, // a's version is stale: ECONFLICT, re-read, keep 10
		{a, "p3", 20 * time.Second, 20 * time.Second},
		{b, "p4", 15 * time.Second, 20 * time.Second},
	}
	for _, s := range steps {
		mm.mu.Lock()
		mm.conn = s.to.conn
		mm.mu.Unlock()
		mm.push(dmPost(s.id, "question "+s.id, base.Add(s.at)), model.ChannelTypeDirect)
		if got := s.to.answers(""); len(got) != 1 {
			t.Fatalf("%s: answered %q", s.id, got)
		}
		data, _, err := st.GetCheckpoint(context.Background(), mattermost.CursorKey)
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			CreateAt int64 `json:"create_at"`
		}
		if err := json.Unmarshal(data, &c); err != nil {
			t.Fatal(err)
		}
		if want := base.Add(s.want).UnixMilli(); c.CreateAt != want {
			t.Fatalf("after %s the cursor is %+dms off", s.id, c.CreateAt-want)
		}
	}
	for _, r := range []*running{a, b} {
		if strings.Contains(r.logs.String(), "level=WARN msg=\"save the catch-up cursor") {
			t.Fatalf("a conflict should be resolved, not logged:\n%s", r.logs.String())
		}
	}
}
