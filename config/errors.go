package config

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a config or FAQ file.
type Problem struct {
	File    string
	Line    int // 0 when the problem is about the file as a whole
	Message string
}

// String renders the problem as "file:line: message".
func (p Problem) String() string {
	if p.Line <= 0 {
		return fmt.Sprintf("%s: %s", p.File, p.Message)
	}
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
}

// Errors holds every problem found while loading, sorted by file then line.
type Errors struct {
	Problems []Problem
}

// Error lists one problem per line.
func (e *Errors) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// newErrors sorts and de-duplicates problems; it returns nil when there are none,
// so callers can return its result as an error directly.
func newErrors(probs []Problem) error {
	if len(probs) == 0 {
		return nil
	}
	sorted := append([]Problem(nil), probs...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].File != sorted[j].File {
			return sorted[i].File < sorted[j].File
		}
		return sorted[i].Line < sorted[j].Line
	})
	out := sorted[:0]
	seen := make(map[Problem]bool, len(sorted))
	for _, p := range sorted {
		if seen[p] {
			continue // a FAQ file shared by two desks reports its problems once
		}
		seen[p] = true
		out = append(out, p)
	}
	return &Errors{Problems: out}
}
