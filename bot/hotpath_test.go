package bot_test

import (
	"context"
	"testing"

	"github.com/helpdesk-chat/helpdesk/bot/bottest"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// askedStates is what the SQLite and PostgreSQL stores offer: the question
// log written in the transaction of the state's save.
type askedStates interface {
	PutStateAsked(ctx context.Context, key string, version int64, q *tickets.Question,
		encode func(questionID int64) ([]byte, error)) (int64, error)
}

// conflictOnAsk lets another writer (another replica, a second tab) save the
// conversation just before the first save of a question, so that save meets
// a real version conflict in the store.
type conflictOnAsk struct {
	tickets.Store
	asked   askedStates
	raced   int
	records int
}

func (s *conflictOnAsk) PutStateAsked(ctx context.Context, key string, version int64, q *tickets.Question,
	encode func(questionID int64) ([]byte, error)) (int64, error) {
	s.records++
	if s.raced == 0 {
		s.raced++
		data, v, err := s.Store.GetState(ctx, key)
		if err != nil {
			data, v = []byte(`{}`), 0
		}
		if _, err := s.Store.PutState(ctx, key, data, v); err != nil {
			return 0, err
		}
	}
	return s.asked.PutStateAsked(ctx, key, version, q, encode)
}

// A question is logged in the transaction that saves its step: when that
// save meets a conflict and the step runs again, the question is logged
// once, not once per run, and the state points at it, so the answer to
// "Did this help?" lands on it.
func TestAQuestionIsLoggedOnceWhenItsSaveConflicts(t *testing.T) {
	h := bottest.New(t, testConfig)
	var st *conflictOnAsk
	h.Wrap = func(s tickets.Store) tickets.Store {
		as, ok := s.(askedStates)
		if !ok {
			t.Fatalf("%T does not log questions with the state", s)
		}
		st = &conflictOnAsk{Store: s, asked: as}
		return st
	}
	h.Restart()
	carl := h.Person("carl", "Carl")
	carl.Say("How do I reset my password?")
	mustSee(t, carl, "Did this help?")
	carl.Press("Yes")
	if st.raced != 1 || st.records != 2 {
		t.Fatalf("raced %d, saves with a question %d; want 1 conflict and 2 saves", st.raced, st.records)
	}
	qs, err := h.Store.Questions(context.Background(), tickets.QuestionFilter{Desk: "it"})
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 1 {
		t.Fatalf("want the question logged once, got %+v", qs)
	}
	if qs[0].Outcome != tickets.OutcomeHelpful || qs[0].ItemID != "password-reset" || qs[0].Text != "How do I reset my password?" {
		t.Errorf("logged question: %+v", qs[0])
	}
}
