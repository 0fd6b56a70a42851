package rules_test

import (
	"hash/fnv"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/rules"
)

const berlin = "Europe/Berlin"

func TestIsOpen(t *testing.T) {
	t.Parallel()
	office := hours(t, berlin, weekly("mon-fri", "09:00-17:00"), holiday("2026-12-25"))
	daily := hours(t, berlin, weekly("daily", "09:00-17:00"))
	nightShift := hours(t, "America/New_York", weekly("fri", "22:00-06:00"))
	split := hours(t, berlin, weekly("mon-fri", "08:00-12:00,13:00-17:00"))
	noZone := &config.Hours{Windows: [7][]config.Window{time.Monday: {{Start: 9 * 60, End: 17 * 60}}}}
	never := hours(t, berlin)
	utc := func(s string) time.Time { return at(t, "UTC", s) }

	tests := []struct {
		name string
		h    *config.Hours
		t    time.Time
		want bool
	}{
		{"nil hours are always open", nil, utc("2026-03-29 03:00"), true},
		{"hours without windows are never open", never, at(t, berlin, "2026-03-30 10:00"), false},
		{"a minute before opening", office, at(t, berlin, "2026-03-30 08:59"), false},
		{"at opening", office, at(t, berlin, "2026-03-30 09:00"), true},
		{"a minute before closing", office, at(t, berlin, "2026-03-30 16:59"), true},
		{"at closing", office, at(t, berlin, "2026-03-30 17:00"), false},
		{"saturday", office, at(t, berlin, "2026-03-28 12:00"), false},
		{"UTC instant inside Berlin summer hours", office, utc("2026-03-30 07:30"), true},
		{"UTC instant before Berlin summer hours", office, utc("2026-03-30 06:30"), false},
		{"UTC instant inside Berlin winter hours", office, utc("2026-03-27 08:30"), true},
		{"UTC instant before Berlin winter hours", office, utc("2026-03-27 07:30"), false},
		{"holiday", office, at(t, berlin, "2026-12-25 10:00"), false},
		{"day before holiday", office, at(t, berlin, "2026-12-24 10:00"), true},
		{"spring-forward day opens 09:00 CEST", daily, utc("2026-03-29 07:00"), true},
		{"spring-forward day closed 08:59 CEST", daily, utc("2026-03-29 06:59"), false},
		{"spring-forward day closes 17:00 CEST", daily, utc("2026-03-29 15:00"), false},
		{"fall-back day opens 09:00 CET", daily, utc("2026-10-25 08:00"), true},
		{"fall-back day closed 08:59 CET", daily, utc("2026-10-25 07:59"), false},
		{"fall-back day open 16:59 CET", daily, utc("2026-10-25 15:59"), true},
		{"overnight window before it starts", nightShift, at(t, "America/New_York", "2026-05-15 21:59"), false},
		{"overnight window friday evening", nightShift, at(t, "America/New_York", "2026-05-15 23:00"), true},
		{"overnight window saturday morning", nightShift, at(t, "America/New_York", "2026-05-16 05:59"), true},
		{"overnight window ends saturday 06:00", nightShift, at(t, "America/New_York", "2026-05-16 06:00"), false},
		{"overnight window is fridays only", nightShift, at(t, "America/New_York", "2026-05-14 23:00"), false},
		{"lunch break", split, at(t, berlin, "2026-03-30 12:30"), false},
		{"after lunch", split, at(t, berlin, "2026-03-30 13:00"), true},
		{"nil location means UTC", noZone, utc("2026-03-30 09:00"), true},
		{"nil location means UTC, not local", noZone, utc("2026-03-30 08:59"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rules.IsOpen(tt.h, tt.t); got != tt.want {
				t.Errorf("IsOpen(%s) = %v, want %v", tt.t, got, tt.want)
			}
		})
	}
}

func TestNextOpen(t *testing.T) {
	t.Parallel()
	office := hours(t, berlin, weekly("mon-fri", "09:00-17:00"), holiday("2026-12-25", "2026-12-28"))
	allClosed := hours(t, berlin, weekly("daily", "09:00-17:00"))
	for d := at(t, berlin, "2026-01-01 12:00"); d.Year() < 2028; d = d.AddDate(0, 0, 1) {
		allClosed.Closed[d.Format(time.DateOnly)] = true
	}
	tests := []struct {
		name   string
		h      *config.Hours
		t      time.Time
		want   time.Time
		wantOK bool
	}{
		{"open now is now", office, at(t, berlin, "2026-03-30 10:15:30"), at(t, berlin, "2026-03-30 10:15:30"), true},
		{"over the weekend and the clock change", office, at(t, berlin, "2026-03-27 17:30"), at(t, berlin, "2026-03-30 09:00"), true},
		{"early morning", office, at(t, berlin, "2026-03-31 06:00"), at(t, berlin, "2026-03-31 09:00"), true},
		{"over a holiday, a weekend and another holiday", office, at(t, berlin, "2026-12-24 18:00"), at(t, berlin, "2026-12-29 09:00"), true},
		{"nil hours", nil, at(t, berlin, "2026-12-25 03:00"), at(t, berlin, "2026-12-25 03:00"), true},
		{"never open", hours(t, berlin), at(t, berlin, "2026-03-30 10:00"), time.Time{}, false},
		{"closed for more than a year", allClosed, at(t, berlin, "2026-03-30 18:00"), time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := rules.NextOpen(tt.h, tt.t)
			if ok != tt.wantOK || !got.Equal(tt.want) {
				t.Errorf("NextOpen(%s) = %s, %v; want %s, %v", tt.t, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestBusinessElapsed(t *testing.T) {
	t.Parallel()
	office := hours(t, berlin, weekly("mon-fri", "09:00-17:00"), holiday("2026-12-25"))
	daily := hours(t, berlin, weekly("daily", "09:00-17:00"))
	sundays := hours(t, berlin, weekly("sun", "00:00-24:00"))
	nights := hours(t, berlin, weekly("daily", "22:00-06:00"))
	b := func(s string) time.Time { return at(t, berlin, s) }
	tests := []struct {
		name     string
		h        *config.Hours
		from, to time.Time
		want     time.Duration
	}{
		{"within one day", office, b("2026-03-30 10:00"), b("2026-03-30 12:30"), 150 * time.Minute},
		{"across a night", office, b("2026-03-30 16:00"), b("2026-03-31 10:00"), 2 * time.Hour},
		{"across a weekend", office, b("2026-03-27 16:00"), b("2026-03-30 10:00"), 2 * time.Hour},
		{"from before opening", office, b("2026-03-30 05:00"), b("2026-03-30 09:30"), 30 * time.Minute},
		{"a whole week with the clock change", daily, b("2026-03-26 00:00"), b("2026-04-02 00:00"), 7 * 8 * time.Hour},
		{"over the spring-forward night", daily, b("2026-03-28 16:00"), b("2026-03-29 10:00"), 2 * time.Hour},
		{"over the fall-back night", daily, b("2026-10-24 16:00"), b("2026-10-25 10:00"), 2 * time.Hour},
		{"the 23-hour day", sundays, b("2026-03-29 00:00"), b("2026-03-30 00:00"), 23 * time.Hour},
		{"the 25-hour day", sundays, b("2026-10-25 00:00"), b("2026-10-26 00:00"), 25 * time.Hour},
		{"overnight window on the short night", nights, b("2026-03-28 20:00"), b("2026-03-29 08:00"), 7 * time.Hour},
		{"overnight window on the long night", nights, b("2026-10-24 20:00"), b("2026-10-25 08:00"), 9 * time.Hour},
		{"overnight window on a normal night", nights, b("2026-05-01 20:00"), b("2026-05-02 08:00"), 8 * time.Hour},
		{"skips a holiday", office, b("2026-12-24 16:00"), b("2026-12-28 10:00"), 2 * time.Hour},
		{"to before from", office, b("2026-03-30 12:00"), b("2026-03-30 10:00"), 0},
		{"nil hours count wall time", nil, b("2026-03-28 16:00"), b("2026-03-29 16:00"), 23 * time.Hour},
		{"never open", hours(t, berlin), b("2026-03-28 16:00"), b("2026-04-29 16:00"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rules.BusinessElapsed(tt.h, tt.from, tt.to); got != tt.want {
				t.Errorf("BusinessElapsed(%s, %s) = %s, want %s", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

func TestAddBusiness(t *testing.T) {
	t.Parallel()
	office := hours(t, berlin, weekly("mon-fri", "09:00-17:00"), holiday("2026-12-25"))
	b := func(s string) time.Time { return at(t, berlin, s) }
	tests := []struct {
		name   string
		h      *config.Hours
		from   time.Time
		d      time.Duration
		want   time.Time
		wantOK bool
	}{
		{"same day", office, b("2026-03-30 10:00"), 2 * time.Hour, b("2026-03-30 12:00"), true},
		{"over the weekend and the clock change", office, b("2026-03-27 16:00"), 2 * time.Hour, b("2026-03-30 10:00"), true},
		{"ends exactly at closing time", office, b("2026-03-27 16:00"), time.Hour, b("2026-03-27 17:00"), true},
		{"starts while closed", office, b("2026-03-28 11:00"), 30 * time.Minute, b("2026-03-30 09:30"), true},
		{"several days", office, b("2026-03-30 09:00"), 3*8*time.Hour + time.Hour, b("2026-04-02 10:00"), true},
		{"over a holiday", office, b("2026-12-24 16:00"), 2 * time.Hour, b("2026-12-28 10:00"), true},
		{"zero", office, b("2026-03-28 11:00"), 0, b("2026-03-28 11:00"), true},
		{"nil hours add wall time", nil, b("2026-03-28 16:00"), 24 * time.Hour, b("2026-03-29 17:00"), true},
		{"never open", hours(t, berlin), b("2026-03-28 16:00"), time.Minute, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := rules.AddBusiness(tt.h, tt.from, tt.d)
			if ok != tt.wantOK || !got.Equal(tt.want) {
				t.Errorf("AddBusiness(%s, %s) = %s, %v; want %s, %v", tt.from, tt.d, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// wallClockOpen is an independent oracle for IsOpen: it reads the local wall
// clock of t and looks it up in the windows, minute by minute.
func wallClockOpen(h *config.Hours, t time.Time) bool {
	lt := t.In(h.Location)
	if h.Closed[lt.Format(time.DateOnly)] {
		return false
	}
	m := lt.Hour()*60 + lt.Minute()
	for _, w := range h.Windows[lt.Weekday()] {
		if m >= w.Start && m < w.End {
			return true
		}
	}
	return false
}

// TestHoursProperties checks the hours functions against each other and
// against a minute-by-minute oracle on random spans of 2026, which includes
// both daylight-saving changes of every zone used. Window edges avoid the
// hours that are skipped or repeated on those days, where a wall-clock time
// names no instant or two.
func TestHoursProperties(t *testing.T) {
	t.Parallel()
	calendars := map[string]*config.Hours{
		"berlin office": hours(t, berlin, weekly("mon-fri", "08:00-12:00,13:00-18:00"),
			holiday("2026-03-30", "2026-10-26", "2026-12-25")),
		"berlin nights": hours(t, berlin, weekly("daily", "22:00-06:00")),
		"new york shifts": hours(t, "America/New_York", weekly("mon-thu", "07:00-19:00"),
			weekly("fri", "20:00-04:00"), weekly("sun", "00:00-24:00")),
		"kolkata half hours": hours(t, "Asia/Kolkata", weekly("mon-sat", "09:30-13:30,14:15-18:45")),
		"lord howe":          hours(t, "Australia/Lord_Howe", weekly("daily", "05:00-23:00")),
		"around the clock":   hours(t, "UTC", weekly("daily", "00:00-24:00")),
	}
	year := at(t, "UTC", "2026-01-01 00:00")
	for name, h := range calendars {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// Each calendar draws its own cases, the same on every run.
			seed := fnv.New64a()
			seed.Write([]byte(name))
			rng := rand.New(rand.NewPCG(2026, seed.Sum64()))
			for i := range 60 {
				from := year.Add(time.Duration(rng.IntN(365*24*60)) * time.Minute)
				to := from.Add(time.Duration(rng.IntN(9*24*60)) * time.Minute)
				var oracle time.Duration
				for m := from; m.Before(to); m = m.Add(time.Minute) {
					if wallClockOpen(h, m) {
						oracle += time.Minute
					}
				}
				e := rules.BusinessElapsed(h, from, to)
				if e != oracle {
					t.Fatalf("case %d: BusinessElapsed(%s, %s) = %s, minute count says %s", i, from, to, e, oracle)
				}
				if got, want := rules.IsOpen(h, from), wallClockOpen(h, from); got != want {
					t.Fatalf("case %d: IsOpen(%s) = %v, wall clock says %v", i, from, got, want)
				}

				// Sub-minute instants for the remaining checks.
				from = from.Add(time.Duration(rng.Int64N(int64(time.Minute))))
				to = to.Add(time.Duration(rng.Int64N(int64(time.Minute))))
				e = rules.BusinessElapsed(h, from, to)
				mid := from.Add(time.Duration(rng.Int64N(int64(to.Sub(from)) + 1)))
				if sum := rules.BusinessElapsed(h, from, mid) + rules.BusinessElapsed(h, mid, to); sum != e {
					t.Fatalf("case %d: elapsed not additive at %s: %s + ... = %s, want %s", i, mid, rules.BusinessElapsed(h, from, mid), sum, e)
				}

				// AddBusiness(from, BusinessElapsed(from, to)) is the first
				// instant at which that much open time has passed: no later
				// than to, with no open time left between it and to, and (if
				// any time passed) right at the end of open time.
				x, ok := rules.AddBusiness(h, from, e)
				if !ok {
					t.Fatalf("case %d: AddBusiness(%s, %s) found no end", i, from, e)
				}
				if x.After(to) || x.Before(from) {
					t.Fatalf("case %d: AddBusiness(%s, %s) = %s, outside [from, %s]", i, from, e, x, to)
				}
				if got := rules.BusinessElapsed(h, from, x); got != e {
					t.Fatalf("case %d: BusinessElapsed(from, AddBusiness) = %s, want %s", i, got, e)
				}
				if left := rules.BusinessElapsed(h, x, to); left != 0 {
					t.Fatalf("case %d: %s of open time between AddBusiness result %s and %s", i, left, x, to)
				}
				if e > 0 && !rules.IsOpen(h, x.Add(-time.Nanosecond)) {
					t.Fatalf("case %d: AddBusiness result %s does not follow open time", i, x)
				}

				// NextOpen is open and nothing is open before it.
				n, ok := rules.NextOpen(h, to)
				if !ok || !rules.IsOpen(h, n) || rules.BusinessElapsed(h, to, n) != 0 {
					t.Fatalf("case %d: NextOpen(%s) = %s, %v: not the first open instant", i, to, n, ok)
				}
			}
		})
	}
}

func BenchmarkBusinessElapsedMonth(b *testing.B) {
	h := hours(b, berlin, weekly("mon-fri", "08:00-12:00,13:00-18:00"), holiday("2026-12-25"))
	from := at(b, berlin, "2026-10-01 10:00")
	to := from.AddDate(0, 1, 0)
	for b.Loop() {
		rules.BusinessElapsed(h, from, to)
	}
}
