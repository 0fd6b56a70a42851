package center_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/center"
)

// Undelivered replies are counted by platform and what became of them.
func TestMetricsObserveDeliveries(t *testing.T) {
	m := center.NewMetrics()
	m.ObserveDelivery("slack", "queued")
	m.ObserveDelivery("slack", "queued")
	m.ObserveDelivery("slack", "delivered")
	m.ObserveDelivery("discord", "expired")
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`helpdesk_outbox_total{platform="slack",result="queued"} 2`,
		`helpdesk_outbox_total{platform="slack",result="delivered"} 1`,
		`helpdesk_outbox_total{platform="discord",result="expired"} 1`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
