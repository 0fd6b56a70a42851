package web

import "testing"

// TestSlowStreamCatchesUpInsteadOfLosing: a stream whose queue is full is
// not handed more events to drop: it is told to read from the store, and
// its queue starts afresh after that.
func TestSlowStreamCatchesUpInsteadOfLosing(t *testing.T) {
	st := &stream{signal: make(chan struct{}, 1)}
	for i := range streamQueue {
		deliver(st, frame{seq: int64(i + 1)})
	}
	if st.gap || len(st.queue) != streamQueue {
		t.Fatalf("after %d events: gap %v, %d queued", streamQueue, st.gap, len(st.queue))
	}
	deliver(st, frame{seq: streamQueue + 1})
	if !st.gap || len(st.queue) != 0 {
		t.Fatalf("one past the queue: gap %v, %d queued; want a catch-up and an empty queue", st.gap, len(st.queue))
	}
	deliver(st, frame{seq: streamQueue + 2})
	if len(st.queue) != 0 {
		t.Fatal("an event was queued for a stream that will read it from the store")
	}
	select {
	case <-st.signal:
	default:
		t.Fatal("the stream was not woken")
	}
}
