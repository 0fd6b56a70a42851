package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/helpdesk-chat/helpdesk/errs"
)

func (m *Main) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", m.healthz)
	mux.HandleFunc("GET /readyz", m.readyz)
	return mux
}

// loaded records that a config was taken at t and returns its generation.
func (m *Main) loaded(t time.Time) int64 {
	m.genMu.Lock()
	defer m.genMu.Unlock()
	m.gen++
	m.loadedAt = t
	return m.gen
}

type configStatus struct {
	Generation int64     `json:"generation"`
	LoadedAt   time.Time `json:"loaded_at"`
	Summary    string    `json:"summary"`
}

func (m *Main) configStatus() configStatus {
	m.genMu.Lock()
	defer m.genMu.Unlock()
	return configStatus{Generation: m.gen, LoadedAt: m.loadedAt, Summary: m.engine.Runtime().Config.Summary()}
}

// healthz is liveness: the process runs and serves HTTP. It checks no
// dependency (restarting the bot would not mend a database or a platform);
// /readyz does.
func (m *Main) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"status":  "ok",
		"version": versionString(),
		"desks":   len(m.engine.Runtime().Config.Desks),
		"config":  m.configStatus(),
	})
}

type storeStatus struct {
	Writable bool   `json:"writable"`
	Error    string `json:"error,omitempty"`
}

// readiness is the body of /readyz.
type readiness struct {
	// Status is ok, degraded (a platform is not connected; the web chat,
	// Center and API serve) or unavailable (the store takes no writes).
	Status    string                    `json:"status"`
	Version   string                    `json:"version"`
	Store     storeStatus               `json:"store"`
	Platforms map[string]platformStatus `json:"platforms"`
	Config    configStatus              `json:"config"`
}

// readyz is readiness: 503 when the store takes no writes (every ticket,
// message and sign-in would fail), 200 otherwise, with the state of the
// store, each platform and the config in the body. A platform that is down
// does not make the bot unready: the web chat, the Center and the API still
// serve, and other replicas would not reach that platform either.
func (m *Main) readyz(w http.ResponseWriter, r *http.Request) {
	ready := readiness{Status: "ok", Version: versionString(), Store: storeStatus{Writable: true},
		Platforms: map[string]platformStatus{}, Config: m.configStatus()}
	for _, sv := range m.platforms {
		st, _ := sv.status()
		ready.Platforms[sv.name] = st
		if st.State != stateConnected {
			ready.Status = "degraded"
		}
	}
	code := http.StatusOK
	if err := m.probeStore(r.Context()); err != nil {
		ready.Status, code = "unavailable", http.StatusServiceUnavailable
		ready.Store = storeStatus{Error: "store not writable: " + m.secrets.String(err.Error())}
		m.log.Error("readiness: store not writable", "err", err)
	}
	writeJSON(w, code, ready)
}

// probeName is this process's checkpoint for the write probe.
var probeName = func() string {
	host, _ := os.Hostname()
	return "readyz:" + host
}()

// probeStore writes a checkpoint (the time): a store that answers reads but
// takes no writes (a read-only SQLite file, a full disk, a read-only
// PostgreSQL replica) fails it.
func (m *Main) probeStore(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	value := []byte(strconv.FormatInt(m.opts.Now().UnixMilli(), 10))
	for range 3 { // another replica on the same host may write in between
		_, version, err := m.store.GetCheckpoint(ctx, probeName)
		if err != nil && errs.Code(err) != errs.ENOTFOUND {
			return fmt.Errorf("read: %w", err)
		}
		_, err = m.store.PutCheckpoint(ctx, probeName, value, version)
		if errs.Code(err) == errs.ECONFLICT {
			continue
		}
		return err
	}
	return nil // it was written, by someone, each time: the store takes writes
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
