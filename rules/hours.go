package rules

import (
	"cmp"
	"iter"
	"slices"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
)

// maxGap is how far ahead the hours functions look for an opening before they
// decide the hours are never open (a year of holidays, or no windows at all).
const maxGap = 366 * 24 * time.Hour

// maxSpan caps one merged open period, so hours open around the clock still
// yield periods (adjacent pieces behave exactly like one period).
const maxSpan = 7 * 24 * time.Hour

// IsOpen reports whether t falls inside the service hours h. A nil h is
// always open.
func IsOpen(h *config.Hours, t time.Time) bool {
	if h == nil {
		return true
	}
	for s := range openSpans(h, t) {
		return !s.start.After(t)
	}
	return false
}

// NextOpen returns t itself if h is open at t, else the start of the next
// opening. It reports false if h does not open within the next 366 days.
func NextOpen(h *config.Hours, t time.Time) (time.Time, bool) {
	if h == nil {
		return t, true
	}
	for s := range openSpans(h, t) {
		if !s.start.After(t) {
			return t, true
		}
		if s.start.Sub(t) > maxGap {
			return time.Time{}, false
		}
		return s.start, true
	}
	return time.Time{}, false
}

// BusinessElapsed returns how much open time of h lies between from and to
// (zero if to is not after from). With a nil h it is to-from.
func BusinessElapsed(h *config.Hours, from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	if h == nil {
		return to.Sub(from)
	}
	var total time.Duration
	for s := range openSpans(h, from) {
		if !s.start.Before(to) {
			break
		}
		total += earliest(s.end, to).Sub(latest(s.start, from))
	}
	return total
}

// AddBusiness returns the earliest instant x >= from such that
// BusinessElapsed(h, from, x) >= d: the moment d of open time has passed. A
// clock that completes exactly at closing time completes at closing time, not
// at the next opening. It reports false if h stops opening (no opening within
// 366 days) before d is used up. A d <= 0 returns from.
func AddBusiness(h *config.Hours, from time.Time, d time.Duration) (time.Time, bool) {
	if d <= 0 {
		return from, true
	}
	if h == nil {
		return from.Add(d), true
	}
	for s := range openSpans(h, from) {
		start := latest(s.start, from)
		avail := s.end.Sub(start)
		if avail >= d {
			return start.Add(d), true
		}
		d -= avail
	}
	return time.Time{}, false
}

// span is one open period [start, end).
type span struct{ start, end time.Time }

// location returns the time zone of h (UTC if unset).
func location(h *config.Hours) *time.Location {
	if h == nil || h.Location == nil {
		return time.UTC
	}
	return h.Location
}

func hasWindows(h *config.Hours) bool {
	for _, ws := range h.Windows {
		for _, w := range ws {
			if w.End > w.Start {
				return true
			}
		}
	}
	return false
}

// openSpans yields the open periods of h that end after from, in time order,
// with touching or overlapping windows merged (so an overnight window split
// across two days is one period). Each local day's windows are turned into
// instants with time.Date in h's zone, so a 09:00-17:00 window stays
// 09:00-17:00 local on daylight-saving days. The sequence ends once no window
// opens for maxGap.
func openSpans(h *config.Hours, from time.Time) iter.Seq[span] {
	return func(yield func(span) bool) {
		if !hasWindows(h) {
			return
		}
		loc := location(h)
		y, m, d := from.In(loc).Date()
		emit := func(s span) bool {
			if !s.end.After(from) {
				return true
			}
			return yield(s)
		}
		var cur span
		have := false
		last := from // end of the latest open time seen
		// Start a day early: a previous day's window may reach into from's day.
		for i := -1; ; i++ {
			// Noon always exists, even on days whose midnight is skipped.
			noon := time.Date(y, m, d+i, 12, 0, 0, 0, loc)
			if noon.Sub(last) > maxGap+24*time.Hour {
				break
			}
			if len(h.Closed) > 0 && h.Closed[noon.Format(time.DateOnly)] {
				continue
			}
			ws := h.Windows[noon.Weekday()]
			if !slices.IsSortedFunc(ws, byStart) {
				ws = slices.SortedFunc(slices.Values(ws), byStart)
			}
			dy, dm, dd := noon.Date()
			for _, w := range ws {
				if w.End <= w.Start {
					continue
				}
				s := time.Date(dy, dm, dd, w.Start/60, w.Start%60, 0, 0, loc)
				e := time.Date(dy, dm, dd, w.End/60, w.End%60, 0, 0, loc)
				if !e.After(s) { // a window lost in a daylight-saving gap
					continue
				}
				if e.After(last) {
					last = e
				}
				switch {
				case have && !e.After(cur.end): // inside the current period
				case have && !s.After(cur.end) && cur.end.Sub(cur.start) < maxSpan:
					cur.end = e
				case have:
					if !emit(cur) {
						return
					}
					cur = span{latest(s, cur.end), e}
				default:
					cur, have = span{s, e}, true
				}
			}
		}
		if have {
			emit(cur)
		}
	}
}

func byStart(a, b config.Window) int { return cmp.Compare(a.Start, b.Start) }

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
