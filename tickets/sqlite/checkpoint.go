package sqlite

import (
	"bytes"
	"context"
)

// Checkpoints are kept in memory like conversation states (memo.go): the
// engine reads its index of pending ticket openings (bot/openings.go) two or
// three times per ticket, the adapters their cursors on every poll; every
// write goes through this Store, with its version checked in the database.

// GetCheckpoint returns a checkpoint's value and its version.
func (s *Store) GetCheckpoint(ctx context.Context, name string) ([]byte, int64, error) {
	st, ok, gen := s.checkpoints.get(name)
	if ok {
		return bytes.Clone(st.data), st.version, nil
	}
	data, version, err := s.core.GetCheckpoint(ctx, name)
	if err != nil {
		return nil, 0, err
	}
	s.checkpoints.fill(name, memoState{data: bytes.Clone(data), version: version}, gen)
	return data, version, nil
}

// PutCheckpoint saves value if the stored version is still version (0:
// never saved); errs.ECONFLICT if another writer saved it in between.
func (s *Store) PutCheckpoint(ctx context.Context, name string, value []byte, version int64) (int64, error) {
	gen := s.checkpoints.begin(name)
	v, err := s.core.PutCheckpoint(ctx, name, value, version)
	if value == nil {
		value = []byte{}
	}
	s.checkpoints.done(name, memoState{data: bytes.Clone(value), version: v}, err == nil, gen)
	return v, err
}
