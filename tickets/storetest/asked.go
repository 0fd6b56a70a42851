package storetest

import (
	"context"
	"strconv"
	"testing"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// askedStore is the engine's one-commit save of a step that logged a
// question (bot.askedStateStore).
type askedStore interface {
	PutStateAsked(ctx context.Context, key string, version int64, q *tickets.Question,
		encode func(questionID int64) ([]byte, error)) (int64, error)
}

// A question and the state of the step that asked it are saved together:
// the state is made knowing the question's id, and a version conflict saves
// neither.
func testStateAsked(t *testing.T, open OpenFunc) {
	e := newEnv(t, open)
	s, ok := e.store.(askedStore)
	if !ok {
		t.Fatalf("%T cannot save a question with the state", e.store)
	}
	q := &tickets.Question{Desk: "it", Platform: "slack", UserID: "U-alice", Text: "vpn?", Outcome: tickets.OutcomeAnswered, At: base}
	var gotID int64
	v, err := s.PutStateAsked(ctx, "slack:U-alice", 0, q, func(id int64) ([]byte, error) {
		gotID = id
		return []byte(`{"question_id":` + strconv.FormatInt(id, 10) + `}`), nil
	})
	if err != nil || v != 1 || gotID == 0 {
		t.Fatalf("PutStateAsked = %d, %v (question id %d)", v, err, gotID)
	}
	data, version, err := e.store.GetState(ctx, "slack:U-alice")
	if err != nil || version != 1 || string(data) != `{"question_id":`+strconv.FormatInt(gotID, 10)+`}` {
		t.Fatalf("GetState = %q, %d, %v", data, version, err)
	}
	// Stale version: neither the question nor the state is written.
	_, err = s.PutStateAsked(ctx, "slack:U-alice", 0, &tickets.Question{Desk: "it", Platform: "slack", UserID: "U-alice",
		Text: "lost", Outcome: tickets.OutcomeAnswered, At: base}, func(id int64) ([]byte, error) { return []byte(`{}`), nil })
	wantCode(t, "PutStateAsked with a stale version", err, errs.ECONFLICT)
	qs, err := e.store.Questions(ctx, tickets.QuestionFilter{Desk: "it"})
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 1 || qs[0].ID != gotID || qs[0].Text != "vpn?" {
		t.Fatalf("questions = %+v, want only the first, id %d", qs, gotID)
	}
	if data, version, _ := e.store.GetState(ctx, "slack:U-alice"); version != 1 || string(data) != `{"question_id":`+strconv.FormatInt(gotID, 10)+`}` {
		t.Fatalf("after the conflict GetState = %q, %d", data, version)
	}
}
