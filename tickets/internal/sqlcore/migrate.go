package sqlcore

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/helpdesk-chat/helpdesk/tickets/internal/migrations"
)

// LatestVersion is the schema version both stores create and understand.
// Up to version 3 the stores numbered their migrations apart (those files
// shipped and stay as they are); from version 4 on a version means the same
// tables in both.
const LatestVersion = 10

//go:embed migrations/*.sql
var sharedFiles embed.FS

// Migrations returns a store's migrations (its own files matching pattern
// in fsys) with the shared part of a version (sharedFiles, from version 5
// on) put in front of the store's part, in order, and checks that every version up to
// LatestVersion is there once.
func Migrations(fsys fs.FS, pattern string) ([]migrations.Migration, error) {
	own, err := migrations.Load(fsys, pattern)
	if err != nil {
		return nil, err
	}
	shared, err := migrations.Load(sharedFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	byVersion := map[int]migrations.Migration{}
	for _, m := range shared {
		byVersion[m.Version] = m
	}
	for i, m := range own {
		if sm, ok := byVersion[m.Version]; ok {
			own[i].SQL = sm.SQL + "\n" + m.SQL
			own[i].Name = sm.Name + "+" + m.Name
			delete(byVersion, m.Version)
		}
	}
	if len(byVersion) > 0 {
		return nil, fmt.Errorf("shared migrations %v have no store part", byVersion)
	}
	for i, m := range own {
		if m.Version != i+1 || m.Version > LatestVersion {
			return nil, fmt.Errorf("migration %s: want versions 1 to %d, each once", m.Name, LatestVersion)
		}
	}
	if len(own) != LatestVersion {
		return nil, fmt.Errorf("%d migrations, want %d", len(own), LatestVersion)
	}
	return own, nil
}

// Pending returns the migrations of Migrations(fsys, pattern) after the
// database's current version; an error if the database is newer than
// this build knows.
func Pending(fsys fs.FS, pattern string, current int) ([]migrations.Migration, error) {
	if current > LatestVersion {
		return nil, fmt.Errorf("database schema version %d is newer than this helpdesk knows (%d): upgrade helpdesk", current, LatestVersion)
	}
	ms, err := Migrations(fsys, pattern)
	if err != nil {
		return nil, err
	}
	return ms[current:], nil
}
