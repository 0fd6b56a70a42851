package center

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/helpdesk-chat/helpdesk/rules"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Metrics holds the Prometheus registry. Make it before the engine, give
// its Observe to bot.Options.Observe, and pass it to New for /metrics.
type Metrics struct {
	reg     *prometheus.Registry
	events  *prometheus.CounterVec
	latency *prometheus.HistogramVec
	outbox  *prometheus.CounterVec
}

// NewMetrics returns a registry with the engine's event counters and the
// Go runtime and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "helpdesk_events_total",
			Help: "Platform events handled by the engine, by kind and result (ok or error).",
		}, []string{"kind", "result"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "helpdesk_reply_seconds",
			Help:    "Time the engine took to handle an event and send its replies.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"kind"}),
		outbox: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "helpdesk_outbox_total",
			Help: "Replies a platform did not take, by platform and what became of them: queued, delivered (later), expired, failed (refused when retried).",
		}, []string{"platform", "result"}),
	}
	m.reg.MustRegister(m.events, m.latency, m.outbox,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Observe records one handled event; its signature fits bot.Options.Observe.
func (m *Metrics) Observe(kind string, d time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.events.WithLabelValues(kind, result).Inc()
	m.latency.WithLabelValues(kind).Observe(d.Seconds())
}

// ObserveDelivery counts one undelivered reply's fate; its signature fits
// bot.Options.ObserveDelivery.
func (m *Metrics) ObserveDelivery(platform, result string) {
	m.outbox.WithLabelValues(platform, result).Inc()
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// watch registers the gauges read from the store at scrape time.
func (m *Metrics) watch(c *Center) error {
	return m.reg.Register(&storeCollector{c: c})
}

var (
	descTickets = prometheus.NewDesc("helpdesk_tickets", "Tickets by desk and status.", []string{"desk", "status"}, nil)
	descQueue   = prometheus.NewDesc("helpdesk_queue_length", "Tickets waiting for an agent, by desk.", []string{"desk"}, nil)
	descAgents  = prometheus.NewDesc("helpdesk_agents_available", "Agents online, on shift and under their max_open, by desk.", []string{"desk"}, nil)
	descUp      = prometheus.NewDesc("helpdesk_store_up", "1 if the ticket store answered the last scrape.", nil, nil)
)

// storeCollector reads the ticket gauges when Prometheus scrapes.
type storeCollector struct{ c *Center }

func (s *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descTickets
	ch <- descQueue
	ch <- descAgents
	ch <- descUp
}

func (s *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.collect(ctx, ch); err != nil {
		s.c.log.Warn("metrics: read store", "err", err)
		ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 1)
}

var allStatuses = []tickets.Status{tickets.StatusOpen, tickets.StatusAssigned, tickets.StatusInService, tickets.StatusSnoozed, tickets.StatusResolved}

func (s *storeCollector) collect(ctx context.Context, ch chan<- prometheus.Metric) error {
	c := s.c
	cfg := c.config()
	counts, err := c.countByStatus(ctx)
	if err != nil {
		return err
	}
	presence, err := c.store.Presence(ctx)
	if err != nil {
		return err
	}
	now := c.now()
	for _, d := range cfg.Desks {
		for _, st := range allStatuses {
			ch <- prometheus.MustNewConstMetric(descTickets, prometheus.GaugeValue, float64(counts[d.ID][st]), d.ID, string(st))
		}
		ch <- prometheus.MustNewConstMetric(descQueue, prometheus.GaugeValue, float64(counts[d.ID][tickets.StatusOpen]), d.ID)
		loads, err := c.store.Loads(ctx, d.ID)
		if err != nil {
			return err
		}
		available := 0
		for _, a := range d.Agents {
			hours := a.Hours
			if hours == nil {
				hours = d.Hours
			}
			p, ok := presence[a.Name]
			online := !ok || p == "" || p == "online"
			if online && rules.IsOpen(hours, now) && loads[a.Name].Open < a.MaxOpen {
				available++
			}
		}
		ch <- prometheus.MustNewConstMetric(descAgents, prometheus.GaugeValue, float64(available), d.ID)
	}
	return nil
}

// countByStatus uses the store's query, or counts a full list.
func (c *Center) countByStatus(ctx context.Context) (map[string]map[tickets.Status]int, error) {
	if sc, ok := c.store.(StatusCounter); ok {
		return sc.CountByStatus(ctx)
	}
	ts, err := c.store.List(ctx, tickets.Filter{})
	if err != nil {
		return nil, err
	}
	out := map[string]map[tickets.Status]int{}
	for _, t := range ts {
		if out[t.Desk] == nil {
			out[t.Desk] = map[tickets.Status]int{}
		}
		out[t.Desk][t.Status]++
	}
	return out, nil
}
