package faq

import (
	"context"
	"errors"
	"fmt"

	"github.com/helpdesk-chat/helpdesk/config"
)

// ErrUnknownDesk is returned by Set.Search for a desk id the set lacks.
var ErrUnknownDesk = errors.New("unknown desk")

// Set holds one Index per desk, built from a whole config. Like Index it
// is immutable and safe for concurrent use; a reload builds a new Set.
type Set struct {
	desks map[string]*Index
}

// BuildSet builds the index of every desk from its FAQ (nil gives an
// empty index), languages and thresholds.
func BuildSet(cfg *config.Config) (*Set, error) {
	s := &Set{desks: map[string]*Index{}}
	if cfg == nil {
		return s, nil
	}
	for _, d := range cfg.Desks {
		if d == nil {
			continue
		}
		ix, err := Build(d.FAQ, d.Languages, d.Thresholds)
		if err != nil {
			return nil, fmt.Errorf("desk %s: %w", d.ID, err)
		}
		if _, dup := s.desks[d.ID]; dup {
			return nil, fmt.Errorf("%w: duplicate desk id %q", ErrInvalidFAQ, d.ID)
		}
		s.desks[d.ID] = ix
	}
	return s, nil
}

// Desk returns the index of a desk.
func (s *Set) Desk(id string) (*Index, bool) {
	ix, ok := s.desks[id]
	return ix, ok
}

// Search searches a desk's FAQ for its DefaultHits best hits.
func (s *Set) Search(ctx context.Context, desk, text, lang string) ([]Hit, error) {
	ix, ok := s.desks[desk]
	if !ok {
		return nil, fmt.Errorf("faq search desk %q: %w", desk, ErrUnknownDesk)
	}
	return ix.Search(ctx, text, lang, DefaultHits)
}
