package main

import (
	"os"
	"strings"
	"testing"
)

// TestFAQEvalEnv runs `helpdesk faq eval` with the arguments in
// FAQ_EVAL_ARGS (space separated), for measuring on external benchmarks.
func TestFAQEvalEnv(t *testing.T) {
	a := os.Getenv("FAQ_EVAL_ARGS")
	if a == "" {
		t.Skip("set FAQ_EVAL_ARGS to run")
	}
	var out, errb strings.Builder
	code := faqCmd(append([]string{"eval"}, strings.Fields(a)...), &out, &errb)
	t.Logf("exit %d\n%s%s", code, out.String(), errb.String())
}
