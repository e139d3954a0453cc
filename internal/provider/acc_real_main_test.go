//go:build acceptance

package provider

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// realHSSMain runs the TestAccReal tests against real HSS when the test
// binary is built with the acceptance tag (make testacc) and TF_ACC is set:
// with the developer's HW_* credentials, HOME (and so their KooCLI profile)
// and metadata service as they are, and no dial guard. ok is false without
// TF_ACC: the run is then isolated as always, and the TestAccReal tests
// skip.
//
// Since nothing is isolated, such a run may hold only TestAccReal tests:
// the simulator tests assume a clean environment (no HW_* variables, a
// dial guard), so -run must select TestAccReal tests and nothing else, and
// no benchmark or fuzz target may run.
func realHSSMain(m *testing.M) (code int, ok bool) {
	if os.Getenv("TF_ACC") == "" {
		return 0, false
	}
	flag.Parse()
	if err := onlyRealHSSTests(); err != nil {
		fmt.Fprintln(os.Stderr, "FATAL: "+err.Error())
		return 1, true
	}
	return m.Run(), true
}

// onlyRealHSSTests checks that -run selects TestAccReal tests only: its
// first element (before any '/') must start with the literal TestAccReal,
// optionally anchored with '^'.
func onlyRealHSSTests() error {
	value := func(name string) string {
		if f := flag.Lookup(name); f != nil {
			return f.Value.String()
		}
		return ""
	}
	const hint = "with the acceptance tag and TF_ACC set, the tests run against real HSS without the loopback guard, so only the TestAccReal tests may run: " +
		"use make testacc, or go test -tags acceptance -run '^TestAccReal' ./internal/provider/"
	for _, f := range []string{"test.bench", "test.fuzz"} {
		if v := value(f); v != "" {
			return fmt.Errorf("-%s=%q: %s", strings.TrimPrefix(f, "test."), v, hint)
		}
	}
	run := value("test.run")
	top, _, _ := strings.Cut(run, "/")
	re, err := regexp.Compile(strings.TrimPrefix(top, "^"))
	if err != nil {
		return fmt.Errorf("-run=%q: %v", run, err)
	}
	if prefix, _ := re.LiteralPrefix(); !strings.HasPrefix(prefix, "TestAccReal") {
		return fmt.Errorf("-run=%q selects more than the TestAccReal tests: %s", run, hint)
	}
	return nil
}
