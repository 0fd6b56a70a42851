package main

import (
	"bytes"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestMain lets `helpdesk bench` start this test binary as its server: a
// child marked by benchChildEnv runs the command line instead of the tests.
func TestMain(m *testing.M) {
	if os.Getenv(benchChildEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestBenchRuns keeps `helpdesk bench` working: a one-second run with two
// employees and a few idle streams answers questions on helpdesk and on the
// baseline, and prints the ratio. It asserts that replies arrived, never a
// speed.
func TestBenchRuns(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"bench", "-employees", "2", "-idle", "3", "-duration", "1s", "-escalate-every", "2"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("bench exit %d:\n%s\n%s", code, out.String(), errOut.String())
	}
	t.Logf("\n%s", out.String())
	for _, name := range []string{"helpdesk sqlite", "baseline sqlite"} {
		m := regexp.MustCompile(regexp.QuoteMeta(name) + `\s+(\d+)`).FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("no %s line:\n%s", name, out.String())
		}
		if n, _ := strconv.Atoi(m[1]); n == 0 {
			t.Errorf("%s: 0 replies/s:\n%s", name, out.String())
		}
	}
	if !strings.Contains(out.String(), "ratio helpdesk sqlite / baseline:") {
		t.Errorf("no ratio:\n%s", out.String())
	}
}
