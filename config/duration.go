package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads a duration as written in the config: Go durations
// ("90s", "15m", "2h", "1h30m") plus whole days ("3d", "1d12h").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("invalid duration %q (write e.g. 90s, 15m, 2h or 3d)", s)
	if s == "" {
		return 0, bad
	}
	var days time.Duration
	rest := s
	// Go durations have no unit containing "d", so a "d" can only mean days.
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 || n > 100000 {
			return 0, bad
		}
		days = time.Duration(n) * 24 * time.Hour
		rest = s[i+1:]
		if rest == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(rest)
	if err != nil {
		return 0, bad
	}
	if d < 0 || (days > 0 && strings.HasPrefix(rest, "-")) {
		return 0, fmt.Errorf("invalid duration %q: must not be negative", s)
	}
	return days + d, nil
}

// String renders the duration the way it is written in the config.
func (d Duration) String() string {
	td := time.Duration(d)
	if td > 0 && td%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", td/(24*time.Hour))
	}
	return td.String()
}
