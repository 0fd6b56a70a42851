// Command helpdesk is a help desk that lives inside chat: Slack, Discord,
// Mattermost and a built-in web chat, answering from an FAQ and handing
// tickets to agents.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/helpdesk-chat/helpdesk/config"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

const usage = `helpdesk: a help desk inside your chat.

Usage:
  helpdesk run [-config helpdesk.yaml] [-listen ADDR] [-log text|json]   run the bot
  helpdesk check FILE                                     check a config and its FAQ files
  helpdesk faq eval|suggest|template|import ...           FAQ quality and batch upload
  helpdesk tickets export --since DATE --until DATE --format csv|json   export ticket history
  helpdesk migrate [-config FILE | -to STORE]              apply the store's schema migrations
  helpdesk migrate -from STORE -to STORE                   copy everything, e.g. from SQLite to PostgreSQL
  helpdesk backup [-config FILE] -o FILE                   online backup of the SQLite store
  helpdesk bench [-employees N] [-idle M] [-duration D] [-postgres URL]   load benchmark with a baseline
  helpdesk version                                        print the version

With no config file, "helpdesk run" writes the demo configuration
(SQLite + built-in web chat, two desks) to ./helpdesk-data/ and runs it.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one subcommand and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		return runCmd(args[1:], stdout, stderr)
	case "check":
		return checkCmd(args[1:], stdout, stderr)
	case "faq":
		return faqCmd(args[1:], stdout, stderr)
	case "tickets":
		return ticketsCmd(args[1:], stdout, stderr)
	case "migrate":
		return migrateCmd(args[1:], stdout, stderr)
	case "backup":
		return backupCmd(args[1:], stdout, stderr)
	case "bench":
		return benchCmd(args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "helpdesk", versionString())
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "helpdesk: unknown command %q\n\n%s", args[0], usage)
	return 2
}

func versionString() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}

func checkCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: helpdesk check FILE")
		return 2
	}
	cfg, err := config.Load(fs.Arg(0))
	if err != nil {
		var ce *config.Errors
		if errors.As(err, &ce) {
			for _, p := range ce.Problems {
				fmt.Fprintln(stdout, p.String())
			}
			fmt.Fprintf(stderr, "%d problem(s) found\n", len(ce.Problems))
			return 1
		}
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: OK: %s\n", fs.Arg(0), cfg.Summary())
	for _, w := range limitWarnings(cfg) {
		fmt.Fprintln(stdout, w)
	}
	return 0
}

func runCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "main config file (default ./helpdesk.yaml; written from the demo if missing)")
	logFormat := fs.String("log", "text", "log format: text or json")
	listenFlag := fs.String("listen", "", "address to serve HTTP on, instead of the config's listen (also $"+listenEnv+")")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	listen, listenFrom := listenSetting(*listenFlag, os.Getenv(listenEnv))
	var handler slog.Handler = slog.NewTextHandler(stderr, nil)
	if *logFormat == "json" {
		handler = slog.NewJSONHandler(stderr, nil)
	}
	logger := slog.New(handler)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain(MainOptions{ConfigPath: *cfgPath, Listen: listen, ListenFrom: listenFrom, Logger: logger, Stdout: stdout})
	if err := m.Run(ctx); err != nil {
		fmt.Fprintln(stderr, "helpdesk:", err)
		m.Close()
		return 1
	}
	<-ctx.Done()
	logger.Info("shutting down")
	if err := m.Close(); err != nil {
		fmt.Fprintln(stderr, "helpdesk:", err)
		return 1
	}
	return 0
}

// listenEnv overrides the config's listen address, as -listen does.
const listenEnv = "HELPDESK_LISTEN"

// listenSetting picks the listen address given on the command line, else in
// the environment ("" both: the config's), and names where it came from.
func listenSetting(flagValue, envValue string) (addr, from string) {
	switch {
	case flagValue != "":
		return flagValue, "-listen"
	case envValue != "":
		return envValue, listenEnv
	}
	return "", ""
}
