package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	// Embedded zone data, so timezone names validate on hosts and containers
	// without /usr/share/zoneinfo.
	_ "time/tzdata"
)

const minutesPerDay = 24 * 60

var weekdayNames = map[string]time.Weekday{
	"sun": time.Sunday, "sunday": time.Sunday,
	"mon": time.Monday, "monday": time.Monday,
	"tue": time.Tuesday, "tuesday": time.Tuesday,
	"wed": time.Wednesday, "wednesday": time.Wednesday,
	"thu": time.Thursday, "thursday": time.Thursday,
	"fri": time.Friday, "friday": time.Friday,
	"sat": time.Saturday, "saturday": time.Saturday,
}

// parseDays reads a weekly key: "daily", "sat", "mon-fri", "mon,wed,fri",
// "fri-mon" (wraps over the weekend), or a mix such as "mon-wed,fri".
func parseDays(key string) ([]time.Weekday, error) {
	k := strings.ToLower(strings.TrimSpace(key))
	if k == "daily" || k == "everyday" {
		return []time.Weekday{0, 1, 2, 3, 4, 5, 6}, nil
	}
	set := map[time.Weekday]bool{}
	for _, part := range strings.Split(k, ",") {
		part = strings.TrimSpace(part)
		from, to, isRange := strings.Cut(part, "-")
		a, ok := weekdayNames[strings.TrimSpace(from)]
		if !ok {
			return nil, fmt.Errorf("unknown day %q in %q (use mon, tue, wed, thu, fri, sat, sun, ranges like mon-fri, lists like mon,wed, or daily)", strings.TrimSpace(from), key)
		}
		if !isRange {
			set[a] = true
			continue
		}
		b, ok := weekdayNames[strings.TrimSpace(to)]
		if !ok {
			return nil, fmt.Errorf("unknown day %q in %q (use mon, tue, wed, thu, fri, sat, sun)", strings.TrimSpace(to), key)
		}
		for d := a; ; d = (d + 1) % 7 {
			set[d] = true
			if d == b {
				break
			}
		}
	}
	days := make([]time.Weekday, 0, len(set))
	for d := range set {
		days = append(days, d)
	}
	sort.Slice(days, func(i, j int) bool { return days[i] < days[j] })
	return days, nil
}

// parseClock reads "8:00", "08:00" or "24:00" as minutes after midnight.
func parseClock(s string) (int, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(m) != 2 || len(h) < 1 || len(h) > 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return hh*60 + mm, true
}

// parseWindows reads a weekly value: "08:00-18:00", "08:00-12:00, 13:00-17:00",
// "24h" or "closed". A window may end before it starts: it runs overnight.
func parseWindows(val string) ([]Window, error) {
	v := strings.ToLower(strings.TrimSpace(val))
	switch v {
	case "24h", "00:00-24:00":
		return []Window{{0, minutesPerDay}}, nil
	case "closed", "":
		return []Window{}, nil
	}
	var out []Window
	for _, part := range strings.Split(v, ",") {
		from, to, ok := strings.Cut(part, "-")
		if !ok {
			return nil, fmt.Errorf("invalid opening time %q (write e.g. 08:00-18:00, 08:00-12:00, 13:00-17:00, 24h or closed)", strings.TrimSpace(part))
		}
		start, ok1 := parseClock(from)
		end, ok2 := parseClock(to)
		if !ok1 || !ok2 || start == minutesPerDay {
			return nil, fmt.Errorf("invalid opening time %q (times are HH:MM, 00:00 to 24:00)", strings.TrimSpace(part))
		}
		if start == end {
			return nil, fmt.Errorf("opening time %q is empty (start equals end)", strings.TrimSpace(part))
		}
		if end == 0 {
			end = minutesPerDay // "18:00-00:00" closes at midnight
		}
		out = append(out, Window{start, end})
	}
	return out, nil
}

// mergeWindows sorts windows and joins the ones that overlap or touch.
func mergeWindows(ws []Window) []Window {
	if len(ws) == 0 {
		return nil
	}
	sort.Slice(ws, func(i, j int) bool { return ws[i].Start < ws[j].Start })
	out := []Window{ws[0]}
	for _, w := range ws[1:] {
		last := &out[len(out)-1]
		if w.Start <= last.End {
			last.End = max(last.End, w.End)
			continue
		}
		out = append(out, w)
	}
	return out
}

// validateHours fills h.Location, h.Windows and h.Closed, reporting problems
// with the lines of the offending values.
func validateHours(h *Hours, s *source, path string, p *problems) {
	if h.Timezone == "" {
		h.Timezone = "UTC"
	}
	loc, err := time.LoadLocation(h.Timezone)
	if err != nil {
		if !s.failed(join(path, "timezone")) {
			p.at(s, join(path, "timezone"), "unknown timezone %q (use an IANA name such as Europe/Berlin or America/New_York)", h.Timezone)
		}
		loc = time.UTC
	}
	h.Location = loc

	if len(h.Weekly) == 0 && !s.failed(join(path, "weekly")) {
		p.at(s, join(path, "weekly"), "hours need weekly opening times, e.g. weekly: {mon-fri: \"08:00-18:00\"}")
	}
	// A day named by several keys takes the most specific one: with
	// {daily: 24h, sun: closed} Sunday is closed.
	type claim struct {
		key  string
		size int
		ws   []Window
	}
	var byDay [7]*claim
	keys := make([]string, 0, len(h.Weekly))
	for k := range h.Weekly {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		kp := join(join(path, "weekly"), key)
		if s.failed(kp) {
			continue
		}
		days, err := parseDays(key)
		if err != nil {
			p.at(s, kp, "%v", err)
			continue
		}
		ws, err := parseWindows(h.Weekly[key])
		if err != nil {
			p.at(s, kp, "%v", err)
			continue
		}
		for _, d := range days {
			c := byDay[d]
			switch {
			case c == nil || len(days) < c.size:
				byDay[d] = &claim{key, len(days), ws}
			case len(days) == c.size:
				p.at(s, kp, "%s is given twice in weekly hours: in %q and %q", time.Weekday(d), c.key, key)
			}
		}
	}
	var windows [7][]Window
	for d, c := range byDay {
		if c == nil {
			continue
		}
		for _, w := range c.ws {
			if w.Start < w.End {
				windows[d] = append(windows[d], w)
				continue
			}
			// Overnight: until midnight today, then on into the next day.
			windows[d] = append(windows[d], Window{w.Start, minutesPerDay})
			next := (d + 1) % 7
			windows[next] = append(windows[next], Window{0, w.End})
		}
	}
	for d := range windows {
		windows[d] = mergeWindows(windows[d])
	}
	h.Windows = windows

	h.Closed = make(map[string]bool, len(h.Holidays))
	for i, day := range h.Holidays {
		t, err := time.Parse("2006-01-02", strings.TrimSpace(day))
		if err != nil {
			hp := join(join(path, "holidays"), i)
			if !s.failed(hp) {
				p.at(s, hp, "invalid holiday %q (write YYYY-MM-DD)", day)
			}
			continue
		}
		h.Closed[t.Format("2006-01-02")] = true
	}
}
