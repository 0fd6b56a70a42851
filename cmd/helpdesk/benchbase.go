package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the driver helpdesk's own SQLite store uses
)

// The baseline of `helpdesk bench`: the least a chat server must do for the
// same client. It speaks the web chat's protocol in miniature (sign-in
// sets a cookie, POST /chat/api/send, Server-Sent Events on
// /chat/api/events), stores each message with one durable SQLite insert
// (WAL, synchronous=NORMAL, as helpdesk's store), and pushes a bot reply to
// the sender's own streams only. Helpdesk's throughput divided by this one's,
// measured in the same run on the same machine, means the same anywhere.
type baseline struct {
	db *sql.DB
	mu sync.Mutex
	// streams by user
	streams map[string]map[chan []byte]struct{}
	seq     int64
}

func serveBaseline(ctx context.Context, dbPath, listen string) error {
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, chat TEXT NOT NULL, body TEXT NOT NULL, at INTEGER NOT NULL)`); err != nil {
		return err
	}
	b := &baseline{db: db, streams: map[string]map[chan []byte]struct{}{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("GET /signin", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "user", Value: r.URL.Query().Get("user"), Path: "/"})
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("GET /chat/api/me", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"csrf":"x","seq":0}`)
	})
	mux.HandleFunc("POST /chat/api/send", b.send)
	mux.HandleFunc("GET /chat/api/events", b.events)
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

func userOf(r *http.Request) string {
	c, err := r.Cookie("user")
	if err != nil {
		return ""
	}
	return c.Value
}

func (b *baseline) send(w http.ResponseWriter, r *http.Request) {
	user := userOf(r)
	var req struct{ Chat, Text string }
	if user == "" || json.NewDecoder(r.Body).Decode(&req) != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	res, err := b.db.ExecContext(r.Context(), `INSERT INTO messages (chat, body, at) VALUES (?, ?, ?)`, req.Chat, req.Text, time.Now().UnixNano())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	_, _ = res.LastInsertId()
	// The sender's message and the reply are numbered like helpdesk's: the
	// reply comes after the message it answers.
	b.mu.Lock()
	b.seq += 2
	id := b.seq - 1
	frame := fmt.Appendf(nil, "id: %d\nevent: message\ndata: {\"id\":%d,\"seq\":%d,\"chat\":%q,\"from\":{\"name\":\"bot\",\"bot\":true},\"html\":\"echo\"}\n\n", b.seq, b.seq, b.seq, req.Chat)
	for ch := range b.streams[user] {
		select {
		case ch <- frame:
		default:
		}
	}
	b.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"id":%d}`, id)
}

func (b *baseline) events(w http.ResponseWriter, r *http.Request) {
	user := userOf(r)
	if user == "" {
		http.Error(w, "sign in", http.StatusUnauthorized)
		return
	}
	ch := make(chan []byte, 64)
	b.mu.Lock()
	if b.streams[user] == nil {
		b.streams[user] = map[chan []byte]struct{}{}
	}
	b.streams[user][ch] = struct{}{}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.streams[user], ch)
		b.mu.Unlock()
	}()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": connected\n\n")
	if rc.Flush() != nil {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case f := <-ch:
			_, _ = w.Write(f)
			if rc.Flush() != nil {
				return
			}
		}
	}
}
