package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/helpdesk-chat/helpdesk/center/export"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

const ticketsUsage = `usage: helpdesk tickets export [-config FILE] [-desk ID] [-since DATE] [-until DATE] [-format csv|json]

Writes the tickets created in the date range (until inclusive; dates are
YYYY-MM-DD in UTC, or RFC 3339 times) to standard output: CSV with one row per
ticket, or JSON with every ticket's transcript, notes and audit events.`

// ticketsCmd runs "helpdesk tickets export".
func ticketsCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "export" {
		fmt.Fprintln(stderr, ticketsUsage)
		return 2
	}
	fs := flag.NewFlagSet("tickets export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "main config file (default ./helpdesk.yaml, else ./helpdesk-data/helpdesk.yaml)")
	desk := fs.String("desk", "", "only this desk (default: every desk)")
	since := fs.String("since", "", "first day, YYYY-MM-DD (default: the beginning)")
	until := fs.String("until", "", "last day, YYYY-MM-DD, inclusive (default: no end)")
	format := fs.String("format", "csv", "csv or json")
	fs.Usage = func() { fmt.Fprintln(stderr, ticketsUsage); fs.PrintDefaults() }
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() != 0 || (*format != "csv" && *format != "json") {
		fs.Usage()
		return 2
	}
	from, to, err := export.ParseRange(*since, *until, time.UTC)
	if err != nil {
		fmt.Fprintln(stderr, "helpdesk tickets export:", err)
		return 2
	}
	if err := exportTickets(context.Background(), *cfgPath, *desk, from, to, *format, stdout); err != nil {
		fmt.Fprintln(stderr, "helpdesk tickets export:", err)
		return 1
	}
	return 0
}

func exportTickets(ctx context.Context, cfgPath, desk string, from, to time.Time, format string, stdout io.Writer) error {
	if cfgPath == "" {
		cfgPath = "helpdesk.yaml"
		if _, err := os.Stat(cfgPath); errors.Is(err, os.ErrNotExist) {
			cfgPath = filepath.Join(demoDir, "helpdesk.yaml")
		}
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return fmt.Errorf("load config:\n%w", err)
	}
	f := tickets.Filter{Since: from, Until: to}
	if desk != "" {
		if cfg.Desk(desk) == nil {
			var ids []string
			for _, d := range cfg.Desks {
				ids = append(ids, d.ID)
			}
			return fmt.Errorf("no desk %q in %s (desks: %v)", desk, cfgPath, ids)
		}
		f.Desk = desk
	}
	st, err := openStore(ctx, cfg.Store, filepath.Dir(cfgPath))
	if err != nil {
		return err
	}
	defer st.Close()
	ts, err := st.List(ctx, f)
	if err != nil {
		return err
	}
	recs, err := export.Load(ctx, st, ts)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(stdout)
	if err := export.Write(w, format, recs); err != nil {
		return err
	}
	return w.Flush()
}
