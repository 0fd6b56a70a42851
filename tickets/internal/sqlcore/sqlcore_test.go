package sqlcore_test

import (
	"testing"
	"testing/fstest"

	"github.com/helpdesk-chat/helpdesk/tickets/internal/sqlcore"
)

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT 1`:              `SELECT 1`,
		`a = ? AND b IN (?, ?)`: `a = $1 AND b IN ($2, $3)`,
		`x LIKE ? ESCAPE '\' OR y = '?' OR z = ?`: `x LIKE $1 ESCAPE '\' OR y = '?' OR z = $2`,
	} {
		if got := sqlcore.Rebind(in); got != want {
			t.Errorf("Rebind(%q) = %q, want %q", in, got, want)
		}
	}
}

// A store's migrations are numbered 1 to LatestVersion, and from version 5
// on each begins with the part both stores share.
func TestMigrations(t *testing.T) {
	own := fstest.MapFS{}
	for _, n := range []string{"0001_a", "0002_b", "0003_c", "0004_d", "0005_e", "0006_f", "0007_g"} {
		own["m/"+n+".sql"] = &fstest.MapFile{Data: []byte("-- own " + n)}
	}
	ms, err := sqlcore.Migrations(own, "m/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != sqlcore.LatestVersion || ms[4].Name != "0005_shared.sql+0005_e.sql" {
		t.Fatalf("Migrations = %d, last %q", len(ms), ms[len(ms)-1].Name)
	}
	pending, err := sqlcore.Pending(own, "m/*.sql", 3)
	if err != nil || len(pending) != sqlcore.LatestVersion-3 || pending[0].Version != 4 {
		t.Fatalf("Pending after 3 = %v, %v", pending, err)
	}
	if _, err := sqlcore.Pending(own, "m/*.sql", sqlcore.LatestVersion+1); err == nil {
		t.Error("Pending accepted a database newer than this build")
	}
	delete(own, "m/0003_c.sql")
	if _, err := sqlcore.Migrations(own, "m/*.sql"); err == nil {
		t.Error("Migrations accepted a gap in the numbering")
	}
}
