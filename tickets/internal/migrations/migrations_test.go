package migrations_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/helpdesk-chat/helpdesk/tickets/internal/migrations"
)

func TestLoad(t *testing.T) {
	ms, err := migrations.Load(fstest.MapFS{
		"m/0010_later.sql": {Data: []byte("B")},
		"m/0002_first.sql": {Data: []byte("A")},
		"m/readme.txt":     {Data: []byte("not a migration")},
	}, "m/*.sql")
	if err != nil || len(ms) != 2 || ms[0].Version != 2 || ms[0].SQL != "A" || ms[1].Name != "0010_later.sql" {
		t.Fatalf("Load = %+v, %v", ms, err)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"same number": {"m/0001_a.sql": {}, "m/001_b.sql": {}},
		"no number":   {"m/init.sql": {}},
		"zero":        {"m/0_init.sql": {}},
	} {
		if _, err := migrations.Load(fsys, "m/*.sql"); err == nil || !strings.Contains(err.Error(), "migration") {
			t.Errorf("%s: want an error naming the migration, got %v", name, err)
		}
	}
}
