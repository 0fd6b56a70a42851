package config_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/rules"
)

// loadHours loads a desk whose hours block is the given YAML (indented under hours:).
func loadHours(t *testing.T, hours string) *config.Hours {
	t.Helper()
	main := "desks:\n  - id: it\n    hours:\n" + indent(hours, "      ")
	cfg := mustLoad(t, "helpdesk.yaml", map[string]string{"helpdesk.yaml": main})
	return cfg.Desks[0].Hours
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n") + "\n"
}

func fmtWindows(ws []config.Window) string {
	var parts []string
	for _, w := range ws {
		parts = append(parts, fmt.Sprintf("%02d:%02d-%02d:%02d", w.Start/60, w.Start%60, w.End/60, w.End%60))
	}
	if len(parts) == 0 {
		return "closed"
	}
	return strings.Join(parts, ",")
}

func TestHoursWeekly(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		hours string
		want  [7]string // Sunday first, as time.Weekday
	}{
		{
			name:  "office days with lunch break",
			hours: "weekly:\n  mon-fri: \"08:00-12:00, 13:00-17:00\"\n  sat: closed\n",
			want:  [7]string{"closed", "08:00-12:00,13:00-17:00", "08:00-12:00,13:00-17:00", "08:00-12:00,13:00-17:00", "08:00-12:00,13:00-17:00", "08:00-12:00,13:00-17:00", "closed"},
		},
		{
			name:  "list of days and end of day",
			hours: "weekly:\n  mon,wed,fri: 18:00-24:00\n",
			want:  [7]string{"closed", "18:00-24:00", "closed", "18:00-24:00", "closed", "18:00-24:00", "closed"},
		},
		{
			name:  "daily with a more specific day",
			hours: "weekly:\n  daily: 24h\n  sun: closed\n",
			want:  [7]string{"closed", "00:00-24:00", "00:00-24:00", "00:00-24:00", "00:00-24:00", "00:00-24:00", "00:00-24:00"},
		},
		{
			name:  "overnight shift spills into the next day",
			hours: "weekly:\n  fri: 22:00-06:00\n  sat: 10:00-14:00\n  sun: 20:00-02:00\n",
			want:  [7]string{"20:00-24:00", "00:00-02:00", "closed", "closed", "closed", "22:00-24:00", "00:00-06:00,10:00-14:00"},
		},
		{
			name:  "range over the weekend",
			hours: "weekly:\n  fri-mon: 09:00-13:00\n",
			want:  [7]string{"09:00-13:00", "09:00-13:00", "closed", "closed", "closed", "09:00-13:00", "09:00-13:00"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := loadHours(t, c.hours)
			if h.Location != time.UTC || h.Timezone != "UTC" {
				t.Errorf("default timezone = %q %v", h.Timezone, h.Location)
			}
			for d := time.Sunday; d <= time.Saturday; d++ {
				if got := fmtWindows(h.Windows[d]); got != c.want[d] {
					t.Errorf("%s: %s, want %s", d, got, c.want[d])
				}
			}
		})
	}
}

func TestHoursDayGivenTwice(t *testing.T) {
	t.Parallel()
	got := problems(t, "helpdesk.yaml", map[string]string{"helpdesk.yaml": "desks:\n  - id: it\n    hours:\n      weekly:\n        mon-wed: 08:00-12:00\n        wed-fri: 13:00-17:00\n"})
	if len(got) != 1 || !strings.Contains(got[0], `Wednesday is given twice in weekly hours`) {
		t.Errorf("problems: %q", got)
	}
}

func TestHoursOpenAcrossDST(t *testing.T) {
	t.Parallel()
	h := loadHours(t, "timezone: Europe/Berlin\nweekly:\n  mon-fri: 08:00-18:00\n  sat: 22:00-02:00\nholidays: [2026-04-03]\n")
	if h.Location.String() != "Europe/Berlin" {
		t.Fatalf("location = %v", h.Location)
	}
	utc := func(month time.Month, day, hour, min int) time.Time {
		return time.Date(2026, month, day, hour, min, 0, 0, time.UTC)
	}
	cases := []struct {
		name string
		at   time.Time
		want bool
	}{
		// Berlin moves from UTC+1 to UTC+2 on Sunday 2026-03-29.
		{"friday before DST, 07:30 local", utc(3, 27, 6, 30), false},
		{"friday before DST, 08:30 local", utc(3, 27, 7, 30), true},
		{"monday after DST, 08:30 local", utc(3, 30, 6, 30), true},
		{"monday after DST, 18:30 local", utc(3, 30, 16, 30), false},
		{"saturday night, 23:30 local", utc(3, 28, 22, 30), true},
		{"overnight into the DST night, 01:30 local", utc(3, 29, 0, 30), true},
		{"sunday after the night shift", utc(3, 29, 9, 0), false},
		{"holiday (Good Friday), 10:00 local", utc(4, 3, 8, 0), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := rules.IsOpen(h, c.at); got != c.want {
				t.Errorf("IsOpen(%v) = %v", c.at.In(h.Location), got)
			}
		})
	}

	next, ok := rules.NextOpen(h, utc(3, 29, 9, 0)) // Sunday morning
	if want := utc(3, 30, 6, 0); !ok || !next.Equal(want) {
		t.Errorf("NextOpen = %v %v, want %v (Monday 08:00 CEST)", next, ok, want)
	}
	next, ok = rules.NextOpen(h, utc(4, 2, 17, 0)) // Thursday 19:00, Friday is a holiday
	if want := utc(4, 4, 20, 0); !ok || !next.Equal(want) {
		t.Errorf("NextOpen before holiday = %v %v, want %v (Saturday 22:00)", next, ok, want)
	}
	if at := utc(3, 30, 7, 0); !mustNext(t, h, at).Equal(at) {
		t.Error("NextOpen while open must be now")
	}
}

func mustNext(t *testing.T, h *config.Hours, at time.Time) time.Time {
	t.Helper()
	next, ok := rules.NextOpen(h, at)
	if !ok {
		t.Fatalf("NextOpen(%v): never", at)
	}
	return next
}

func TestHoursNilIsAlwaysOpen(t *testing.T) {
	t.Parallel()
	var h *config.Hours
	if !rules.IsOpen(h, time.Now()) {
		t.Error("nil hours must be open")
	}
}
