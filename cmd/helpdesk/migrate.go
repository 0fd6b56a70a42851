package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

const migrateUsage = `usage: helpdesk migrate [-config FILE | -to STORE]
       helpdesk migrate -from STORE -to STORE

Without -from, brings the schema of the store (named in the config, or by
-to) up to this version and prints it.

With -from, copies a whole help desk (tickets with their ids, keys and desk
counters, audit events, transcripts and notes, conversation states, handled
event ids, agent presence, questions) from one store to another, for example
from sqlite:helpdesk.db to postgres://helpdesk@db/helpdesk, and verifies that
the target then holds exactly what the source holds. Stop the bot first. A
re-run copies nothing and verifies again.

STORE is sqlite:FILE or a postgres:// URL, as in the config's store setting.`

// migrateCmd runs "helpdesk migrate".
func migrateCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "main config file whose store to migrate (default ./helpdesk.yaml)")
	from := fs.String("from", "", "store to copy from (sqlite:FILE or postgres://...)")
	to := fs.String("to", "", "store to migrate, or to copy into")
	fs.Usage = func() { fmt.Fprintln(stderr, migrateUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 || (*cfgPath != "" && *to != "") || (*from != "" && *to == "") {
		fs.Usage()
		return 2
	}
	ctx := context.Background()
	var err error
	if *from != "" {
		err = copyStore(ctx, *from, *to, stdout)
	} else {
		err = migrateStore(ctx, *cfgPath, *to, stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "helpdesk migrate:", err)
		return 1
	}
	return 0
}

// storeOf returns the store setting of the config at path ("" = the default
// config) and the folder relative SQLite paths start from.
func storeOf(path string) (dsn, dir string, err error) {
	if path == "" {
		path = "helpdesk.yaml"
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			path = filepath.Join(demoDir, "helpdesk.yaml")
		}
	}
	cfg, err := config.Load(path)
	if err != nil {
		return "", "", fmt.Errorf("load config:\n%w", err)
	}
	return cfg.Store, filepath.Dir(path), nil
}

// openNamedStore opens a store setting; relative SQLite paths start at dir.
func openNamedStore(ctx context.Context, dsn, dir string) (tickets.Store, error) {
	if postgres.IsDSN(dsn) {
		return postgres.Open(ctx, dsn)
	}
	return openStore(ctx, dsn, dir)
}

// versioned is a store that reports its schema version.
type versioned interface {
	SchemaVersion(ctx context.Context) (int, error)
}

func migrateStore(ctx context.Context, cfgPath, to string, stdout io.Writer) error {
	dsn, dir := to, "."
	if dsn == "" {
		var err error
		if dsn, dir, err = storeOf(cfgPath); err != nil {
			return err
		}
	}
	// Opening a store applies its pending migrations (and refuses a newer schema).
	st, err := openNamedStore(ctx, dsn, dir)
	if err != nil {
		return err
	}
	defer st.Close()
	v, ok := st.(versioned)
	if !ok {
		return fmt.Errorf("store %s does not report a schema version", redactStore(dsn))
	}
	n, err := v.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: schema is at version %d\n", redactStore(dsn), n)
	return nil
}

// dumper is a store that can hand out everything it holds.
type dumper interface {
	Dump(ctx context.Context) (*tickets.Snapshot, error)
}

// restorer is a store that can take in a snapshot, keeping ids.
type restorer interface {
	dumper
	Restore(ctx context.Context, snap *tickets.Snapshot) (added map[string]int, err error)
}

func copyStore(ctx context.Context, from, to string, stdout io.Writer) error {
	if from == to {
		return errors.New("-from and -to name the same store")
	}
	src, err := openNamedStore(ctx, from, ".")
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	defer src.Close()
	d, ok := src.(dumper)
	if !ok {
		return fmt.Errorf("cannot copy from %s: the store cannot be read whole", redactStore(from))
	}
	dst, err := openNamedStore(ctx, to, ".")
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	defer dst.Close()
	r, ok := dst.(restorer)
	if !ok {
		return fmt.Errorf("cannot copy into %s: only PostgreSQL stores take a copy", redactStore(to))
	}

	snap, err := d.Dump(ctx)
	if err != nil {
		return fmt.Errorf("read %s: %w", redactStore(from), err)
	}
	added, err := r.Restore(ctx, snap)
	if err != nil {
		return fmt.Errorf("write %s: %w", redactStore(to), err)
	}
	got, err := r.Dump(ctx)
	if err != nil {
		return fmt.Errorf("verify %s: %w", redactStore(to), err)
	}
	want := snap.Counts()
	have := got.Counts()
	total := 0
	for _, table := range slices.Sorted(maps.Keys(want)) {
		fmt.Fprintf(stdout, "%-14s %7d in source, %7d copied, %7d in target\n", table, want[table], added[table], have[table])
		total += added[table]
	}
	if err := verifyCopy(snap, got); err != nil {
		return fmt.Errorf("the target does not match the source: %w", err)
	}
	if total == 0 {
		fmt.Fprintln(stdout, "Nothing to copy: the target already holds everything. Verified.")
	} else {
		fmt.Fprintf(stdout, "Copied %d rows. Verified: the target holds exactly what the source holds.\n", total)
	}
	return nil
}

// verifyCopy compares what the target holds with the source's snapshot: the
// same number of rows of each kind, and the same tickets under the same ids.
func verifyCopy(want, got *tickets.Snapshot) error {
	var errs []error
	wc, gc := want.Counts(), got.Counts()
	for _, table := range slices.Sorted(maps.Keys(wc)) {
		if wc[table] != gc[table] {
			errs = append(errs, fmt.Errorf("%s: %d in source, %d in target", table, wc[table], gc[table]))
		}
	}
	byID := make(map[int64]*tickets.Ticket, len(got.Tickets))
	for _, t := range got.Tickets {
		byID[t.ID] = t
	}
	differ := 0
	for _, t := range want.Tickets {
		if g := byID[t.ID]; g == nil || !reflect.DeepEqual(g, t) {
			if differ < 5 {
				errs = append(errs, fmt.Errorf("ticket %s (#%d) differs or is missing in the target", t.Key, t.ID))
			}
			differ++
		}
	}
	if differ > 5 {
		errs = append(errs, fmt.Errorf("... %d tickets differ in all", differ))
	}
	if !maps.Equal(want.Counters, got.Counters) {
		errs = append(errs, fmt.Errorf("desk counters differ: source %v, target %v", want.Counters, got.Counters))
	}
	return errors.Join(errs...)
}

// redactStore hides a password in a store setting.
func redactStore(dsn string) string {
	if postgres.IsDSN(dsn) {
		return postgres.Redact(dsn)
	}
	return dsn
}

const backupUsage = `usage: helpdesk backup [-config FILE] -o FILE

Writes a consistent copy of the SQLite database to FILE while the bot keeps
running (FILE must not exist). For PostgreSQL use pg_dump, e.g.
  pg_dump --format=custom --file helpdesk.dump "postgres://helpdesk@db/helpdesk"`

// backupCmd runs "helpdesk backup".
func backupCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "main config file (default ./helpdesk.yaml)")
	out := fs.String("o", "", "file to write the backup to (must not exist)")
	fs.Usage = func() { fmt.Fprintln(stderr, backupUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 || *out == "" {
		fs.Usage()
		return 2
	}
	if err := backup(context.Background(), *cfgPath, *out, stdout); err != nil {
		fmt.Fprintln(stderr, "helpdesk backup:", err)
		return 1
	}
	return 0
}

func backup(ctx context.Context, cfgPath, out string, stdout io.Writer) error {
	dsn, dir, err := storeOf(cfgPath)
	if err != nil {
		return err
	}
	if postgres.IsDSN(dsn) {
		return fmt.Errorf("the store is PostgreSQL: back it up with pg_dump, e.g.\n  pg_dump --format=custom --file %s %q", out, redactStore(dsn))
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("%s exists already; choose a new file", out)
	}
	st, err := openNamedStore(ctx, dsn, dir)
	if err != nil {
		return err
	}
	defer st.Close()
	b, ok := st.(*sqlite.Store)
	if !ok {
		return fmt.Errorf("store %s cannot be backed up by helpdesk", dsn)
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	if err := b.Backup(ctx, abs); err != nil {
		return err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Backed up %s to %s (%d bytes).\n", dsn, out, fi.Size())
	return nil
}
