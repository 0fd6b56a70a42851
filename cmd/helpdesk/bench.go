package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/helpdesk-chat/helpdesk/auth"
)

// `helpdesk bench` starts the real server (this binary's `run`, as a child
// process, so its CPU time and memory are its own) on SQLite, and on
// PostgreSQL when given -postgres, signs in employees over HTTP, keeps idle
// event streams open, and runs a closed loop of FAQ questions with some
// escalations (No → Talk to an agent → form → ticket) for a fixed time. In
// the same run it measures the baseline (benchbase.go) with the same client
// and prints helpdesk's throughput as a ratio to it.

// benchChildEnv marks a process started by bench (tests use it to run the
// command instead of the tests).
const benchChildEnv = "HELPDESK_BENCH_CHILD"

type benchOptions struct {
	employees, idle int
	duration        time.Duration
	escalateEvery   int
	postgres        string
	server          string // binary to run as the server (default: this one)
	legacy          bool   // the server predates platforms.web.streams_per_*
	baseline        bool
	cpuprofile      string // prefix of the servers' CPU profiles over the measured time
}

func benchCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o benchOptions
	fs.IntVar(&o.employees, "employees", 20, "active employees, each in a closed loop (no think time)")
	fs.IntVar(&o.idle, "idle", 0, "idle event streams kept open (one signed-in person each)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured time of each run")
	fs.IntVar(&o.escalateEvery, "escalate-every", 20, "every Nth question of an employee escalates to a ticket (0: never)")
	fs.StringVar(&o.postgres, "postgres", "", "also run on this PostgreSQL server (a fresh schema is made and dropped)")
	fs.BoolVar(&o.baseline, "baseline", true, "also measure the baseline (minimal HTTP+SSE server, one SQLite insert per message)")
	fs.StringVar(&o.server, "server", "", "helpdesk binary to measure (default: this one), e.g. an older build")
	fs.BoolVar(&o.legacy, "legacy-config", false, "write a config an older build accepts (no stream limits)")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write each helpdesk server's CPU profile over the measured time to FILE-sqlite.prof, FILE-postgres.prof")
	serveBase := fs.Bool("serve-baseline", false, "internal: serve the baseline")
	db := fs.String("db", "", "internal: baseline database")
	listen := fs.String("listen", "", "internal: baseline address")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *serveBase {
		if err := serveBaseline(ctx, *db, *listen); err != nil {
			fmt.Fprintln(stderr, "helpdesk bench baseline:", err)
			return 1
		}
		return 0
	}
	if o.employees < 1 || o.idle < 0 || o.duration <= 0 {
		fmt.Fprintln(stderr, "helpdesk bench: -employees must be at least 1, -idle at least 0, -duration positive")
		return 2
	}
	if err := runBench(ctx, o, stdout); err != nil {
		fmt.Fprintln(stderr, "helpdesk bench:", err)
		return 1
	}
	return 0
}

// benchResult is one measured run.
type benchResult struct {
	name        string
	replies     int
	escalations int
	timeouts    int
	errors      int
	elapsed     time.Duration
	p50, p99    time.Duration
	cpu         time.Duration // the server's user+system time during the run
	rssKB       int64
	firstErr    error
}

func (r benchResult) perSecond() float64 { return float64(r.replies) / r.elapsed.Seconds() }

func runBench(ctx context.Context, o benchOptions, out io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if o.server == "" {
		o.server = self
	}
	fmt.Fprintf(out, "helpdesk bench: %d employees (closed loop), %d idle streams, %s per run, %d CPUs, escalation every %d questions\n",
		o.employees, o.idle, o.duration, runtime.NumCPU(), o.escalateEvery)
	var results []benchResult
	r, err := benchHelpdesk(ctx, o, "helpdesk sqlite", "sqlite:helpdesk.db")
	if err != nil {
		return fmt.Errorf("helpdesk on SQLite: %w", err)
	}
	results = append(results, r)
	if o.postgres != "" {
		dsn, drop, err := benchSchema(ctx, o.postgres)
		if err != nil {
			return fmt.Errorf("PostgreSQL: %w", err)
		}
		r, err := benchHelpdesk(ctx, o, "helpdesk postgres", dsn)
		drop()
		if err != nil {
			return fmt.Errorf("helpdesk on PostgreSQL: %w", err)
		}
		results = append(results, r)
	}
	if o.baseline {
		r, err := benchBaseline(ctx, o, self)
		if err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		results = append(results, r)
	}
	fmt.Fprintf(out, "%-18s %10s %9s %9s %14s %9s %6s %8s\n", "server", "replies/s", "p50", "p99", "CPU s/1k repl", "RSS MB", "escal", "failed")
	for _, r := range results {
		cpuPer := 0.0
		if r.replies > 0 {
			cpuPer = r.cpu.Seconds() / float64(r.replies) * 1000
		}
		fmt.Fprintf(out, "%-18s %10.0f %9s %9s %14.2f %9.1f %6d %8d\n", r.name, r.perSecond(),
			r.p50.Round(100*time.Microsecond), r.p99.Round(100*time.Microsecond), cpuPer, float64(r.rssKB)/1024, r.escalations, r.timeouts+r.errors)
	}
	for _, r := range results {
		if r.firstErr != nil {
			fmt.Fprintf(out, "%s: first failure: %v\n", r.name, r.firstErr)
		}
	}
	if o.baseline {
		base := results[len(results)-1]
		for _, r := range results[:len(results)-1] {
			if base.replies > 0 {
				fmt.Fprintf(out, "ratio %s / baseline: %.3f\n", r.name, r.perSecond()/base.perSecond())
			}
		}
	}
	return nil
}

// benchSchema makes a fresh schema on the PostgreSQL server and returns a
// DSN using it and a function that drops it.
func benchSchema(ctx context.Context, server string) (string, func(), error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "hd_bench_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize()); err != nil {
		return "", nil, err
	}
	drop := func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(dctx, server)
		if err != nil {
			return
		}
		defer c.Close(dctx)
		_, _ = c.Exec(dctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{schema}.Sanitize()+` CASCADE`)
	}
	sep := "?"
	if strings.Contains(server, "?") {
		sep = "&"
	}
	dsn := server + sep + "search_path=" + schema
	if !strings.Contains(server, "pool_max_conns") {
		dsn += "&pool_max_conns=10"
	}
	return dsn, drop, nil
}

// child is a server process started by bench.
type child struct {
	profile string // the CPU profile it writes when signalled (benchprof.go)
	cmd     *exec.Cmd
	url     string
	output  *benchOutput
	done    chan error
}

type benchOutput struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *benchOutput) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() < 64<<10 {
		s.b.Write(p)
	}
	return len(p), nil
}

func (s *benchOutput) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freeAddr picks a free port on 127.0.0.1 for a child to listen on.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func startChild(ctx context.Context, dir, bin, profile string, args ...string) (*child, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	args = append(args, "-listen", addr)
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), benchChildEnv+"=1")
	if profile != "" {
		cmd.Env = append(cmd.Env, benchProfileEnv+"="+profile)
	}
	c := &child{cmd: cmd, url: "http://" + addr, output: &benchOutput{}, done: make(chan error, 1), profile: profile}
	cmd.Stdout, cmd.Stderr = c.output, c.output
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { c.done <- cmd.Wait() }()
	// Wait until it serves (a bounded start-up, not a measurement).
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(c.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			return c, nil
		}
		select {
		case err := <-c.done:
			return nil, fmt.Errorf("%s exited (%v):\n%s", bin, err, c.output.String())
		case <-ctx.Done():
			c.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("%s did not serve within a minute:\n%s", bin, c.output.String())
		}
	}
}

func (c *child) stop() {
	_ = c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// cpu returns the child's user+system CPU time so far (Linux /proc).
func (c *child) cpu() time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (in parentheses): utime is the 12th, stime the 13th.
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	var ut, st int64
	fmt.Sscan(f[11], &ut)
	fmt.Sscan(f[12], &st)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / ticks
}

// rssKB returns the child's resident memory (Linux /proc), in KiB.
func (c *child) rssKB() int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var n int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &n)
			return n
		}
	}
	return 0
}

func benchHelpdesk(ctx context.Context, o benchOptions, name, store string) (benchResult, error) {
	dir, err := os.MkdirTemp("", "helpdesk-bench-")
	if err != nil {
		return benchResult{}, err
	}
	defer os.RemoveAll(dir)
	if err := writeBenchConfig(dir, store, o); err != nil {
		return benchResult{}, err
	}
	profile := ""
	if o.cpuprofile != "" {
		if profile, err = filepath.Abs(o.cpuprofile + "-" + strings.TrimPrefix(name, "helpdesk ") + ".prof"); err != nil {
			return benchResult{}, err
		}
	}
	c, err := startChild(ctx, dir, o.server, profile, "run", "-config", filepath.Join(dir, "helpdesk.yaml"))
	if err != nil {
		return benchResult{}, err
	}
	defer c.stop()
	// Sign-in links are made the way the bot makes them: in the store.
	st, err := openStore(ctx, store, dir)
	if err != nil {
		return benchResult{}, err
	}
	defer st.Close()
	as, ok := st.(auth.Store)
	if !ok {
		return benchResult{}, errors.New("the store keeps no sessions")
	}
	am, err := auth.New(auth.Options{Store: as, BaseURL: c.url})
	if err != nil {
		return benchResult{}, err
	}
	signIn := func(ctx context.Context, hc *http.Client, user string) (string, error) {
		link, err := am.Link(ctx, auth.Identity{Platform: "web", UserID: user, Name: user}, "/")
		if err != nil {
			return "", err
		}
		resp, err := followSignInLink(ctx, hc, link)
		if err != nil {
			return "", err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return "", fmt.Errorf("sign-in of %s: %s", user, resp.Status)
		}
		return csrfOf(ctx, hc, c.url)
	}
	r, err := benchLoad(ctx, o, c, signIn)
	r.name = name
	return r, err
}

func benchBaseline(ctx context.Context, o benchOptions, self string) (benchResult, error) {
	dir, err := os.MkdirTemp("", "helpdesk-bench-base-")
	if err != nil {
		return benchResult{}, err
	}
	defer os.RemoveAll(dir)
	c, err := startChild(ctx, dir, self, "", "bench", "-serve-baseline", "-db", filepath.Join(dir, "base.db"))
	if err != nil {
		return benchResult{}, err
	}
	defer c.stop()
	signIn := func(ctx context.Context, hc *http.Client, user string) (string, error) {
		resp, err := hc.Get(c.url + "/signin?user=" + user)
		if err != nil {
			return "", err
		}
		resp.Body.Close()
		return "x", nil
	}
	o.escalateEvery = 0 // the baseline has no tickets
	r, err := benchLoad(ctx, o, c, signIn)
	r.name = "baseline sqlite"
	return r, err
}

func writeBenchConfig(dir, store string, o benchOptions) error {
	limits := ", streams_per_session: 20, streams_per_address: 1000000"
	if o.legacy {
		limits = ""
	}
	cfg := `store: ` + store + `
listen: 127.0.0.1:0
platforms:
  web: {enabled: true` + limits + `}
desks:
  - id: it
    name: IT Help Desk
    available_to: everyone
    faq: faq.yaml
    forms:
      access:
        title: Access request
        fields:
          - {id: details, label: "What happened?", type: paragraph, required: true}
    agents:
      - {name: Ada, web: ada, max_open: 1000000}
    agent_channel: {web: it-agents}
`
	if err := os.WriteFile(filepath.Join(dir, "helpdesk.yaml"), []byte(cfg), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "faq.yaml"), []byte(benchFAQ), 0o600)
}

const benchFAQ = `menu:
  - id: network
    title: Network & VPN
    form: access
    items:
      - id: vpn-connect
        question: How do I connect to the VPN?
        alternates: [VPN does not connect]
        keywords: [vpn, globalprotect]
        answer: Open GlobalProtect, enter portal vpn.example.com and sign in.
      - id: wifi-guest
        question: What is the guest wifi password?
        keywords: [wifi, guest]
        answer: The guest wifi password is printed at the reception.
  - id: accounts
    title: Accounts
    form: access
    items:
      - id: password-reset
        question: How do I reset my password?
        alternates: [forgot my password]
        keywords: [password, reset]
        answer: Go to https://id.example.com/reset and follow the steps.
`

var benchQuestions = []string{"How do I connect to the VPN?", "How do I reset my password?", "What is the guest wifi password?"}
