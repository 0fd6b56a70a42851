package faq

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq/vectors"
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
	tables := map[string]*vectors.Table{} // each file is read once, however many desks share it
	for _, d := range cfg.Desks {
		if d == nil {
			continue
		}
		opt := Options{Vectors: map[string]*vectors.Table{}}
		for lang, path := range cfg.VectorFiles(d) {
			t, ok := tables[path]
			if !ok {
				data, err := os.ReadFile(path)
				if err != nil {
					return nil, fmt.Errorf("desk %s: vectors %s: %w", d.ID, lang, err)
				}
				if t, err = vectors.Open(data); err != nil {
					return nil, fmt.Errorf("desk %s: vectors %s: %s: %w", d.ID, lang, path, err)
				}
				tables[path] = t
			}
			opt.Vectors[lang] = t
		}
		ix, err := BuildWith(d.FAQ, d.Languages, d.Thresholds, opt)
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
