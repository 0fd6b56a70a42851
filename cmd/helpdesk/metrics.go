package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
)

// guardMetrics keeps /metrics on the main listener to those the config
// allows: nobody when metrics.listen serves it elsewhere (the main
// listener answers 404), else a scraper with metrics.token if one is set.
// The address is the one of the start; the token is read from the live
// config, so rotating it needs only a reload.
func (m *Main) guardMetrics(next http.Handler, start *config.Config) http.Handler {
	separate := start.Metrics != nil && start.Metrics.Listen != ""
	if start.Metrics != nil {
		m.secrets.Add(start.Metrics.Token) // never logged
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" {
			if separate {
				http.NotFound(w, r)
				return
			}
			if !m.metricsAllowed(w, r) {
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// metricsAllowed checks the bearer token of the live config, answering 401
// if it is missing or wrong.
func (m *Main) metricsAllowed(w http.ResponseWriter, r *http.Request) bool {
	mc := m.engine.Runtime().Config.Metrics
	if mc == nil || mc.Token == "" {
		return true
	}
	m.secrets.Add(mc.Token)
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if ok && subtle.ConstantTimeCompare([]byte(got), []byte(mc.Token)) == 1 {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
	http.Error(w, "metrics need the bearer token of metrics.token", http.StatusUnauthorized)
	return false
}

// serveMetrics serves /metrics alone on metrics.listen, if the config sets it.
func (m *Main) serveMetrics(ctx context.Context, cfg *config.Config, path string) error {
	if cfg.Metrics == nil || cfg.Metrics.Listen == "" {
		return nil
	}
	ln, err := net.Listen("tcp", cfg.Metrics.Listen)
	if err != nil {
		return fmt.Errorf("listen for metrics on %s (from metrics.listen in %s): %w", cfg.Metrics.Listen, path, err)
	}
	m.metLn = ln
	h := m.metrics.Handler()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if m.metricsAllowed(w, r) {
			h.ServeHTTP(w, r)
		}
	})
	m.metSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		if err := m.metSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.log.Error("metrics server stopped", "err", err)
		}
	}()
	m.log.Info("serving /metrics", "listen", ln.Addr().String())
	return nil
}

// MetricsAddr is the address of the separate metrics listener ("" if none).
func (m *Main) MetricsAddr() string {
	if m.metLn == nil {
		return ""
	}
	return m.metLn.Addr().String()
}
