package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/errs"
)

// A desk switched off is not an agent: it shows in DeskPresence only.
func testDeskPresence(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	if got := must(e.store.DeskPresence(ctx))(t); len(got) != 0 {
		t.Errorf("DeskPresence of an empty store = %v", got)
	}
	if err := e.store.SetDeskPresence(ctx, "it", "offline", base); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetDeskPresence(ctx, "hr", "offline", base); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetDeskPresence(ctx, "it", "online", base.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"it": "online", "hr": "offline"}
	if got := must(e.store.DeskPresence(ctx))(t); !reflect.DeepEqual(got, want) {
		t.Errorf("DeskPresence = %v, want %v", got, want)
	}
	if got := must(e.store.Presence(ctx))(t); len(got) != 0 {
		t.Errorf("desks showed up as agents: Presence = %v", got)
	}
}

// Checkpoints are versioned like conversation states, and apart from them.
func testCheckpoints(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	if _, _, err := e.store.GetCheckpoint(ctx, "mattermost:cursor"); errs.Code(err) != errs.ENOTFOUND {
		t.Fatalf("GetCheckpoint of nothing: %v, want ENOTFOUND", err)
	}
	v1 := must(e.store.PutCheckpoint(ctx, "mattermost:cursor", []byte(`{"create_at":1}`), 0))(t)
	if _, err := e.store.PutCheckpoint(ctx, "mattermost:cursor", []byte(`{"create_at":2}`), 0); errs.Code(err) != errs.ECONFLICT {
		t.Fatalf("second first save: %v, want ECONFLICT", err)
	}
	v2 := must(e.store.PutCheckpoint(ctx, "mattermost:cursor", []byte(`{"create_at":3}`), v1))(t)
	if _, err := e.store.PutCheckpoint(ctx, "mattermost:cursor", []byte(`{"create_at":4}`), v1); errs.Code(err) != errs.ECONFLICT {
		t.Fatalf("save on a stale version: %v, want ECONFLICT", err)
	}
	value, v, err := e.store.GetCheckpoint(ctx, "mattermost:cursor")
	if err != nil || v != v2 || string(value) != `{"create_at":3}` {
		t.Fatalf("GetCheckpoint = %s, %d, %v; want create_at 3 at version %d", value, v, err, v2)
	}
	if _, _, err := e.store.GetState(ctx, "mattermost:cursor"); errs.Code(err) != errs.ENOTFOUND {
		t.Errorf("the checkpoint is a conversation state too: %v", err)
	}
}
