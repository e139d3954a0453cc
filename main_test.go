package main

import (
	"os"
	"runtime"
	"testing"
)

// unsetenv removes names for the rest of the test and restores them after.
func unsetenv(t *testing.T, names ...string) {
	t.Helper()
	for _, name := range names {
		t.Setenv(name, "") // registers the restore
		if err := os.Unsetenv(name); err != nil {
			t.Fatal(err)
		}
	}
}

func TestQuietWhenUnobserved(t *testing.T) {
	sinks := []string{"TF_LOG_PROVIDER", "TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO"}
	all := append([]string{"TF_LOG"}, sinks...)

	t.Run("no Terraform logging: every sink off", func(t *testing.T) {
		unsetenv(t, all...)
		quietWhenUnobserved()
		for _, name := range sinks {
			if got := os.Getenv(name); got != "OFF" {
				t.Errorf("%s = %q, want OFF", name, got)
			}
		}
	})

	t.Run("an explicit level is kept", func(t *testing.T) {
		unsetenv(t, all...)
		t.Setenv("TF_LOG_SDK_FRAMEWORK", "DEBUG")
		quietWhenUnobserved()
		if got := os.Getenv("TF_LOG_SDK_FRAMEWORK"); got != "DEBUG" {
			t.Errorf("TF_LOG_SDK_FRAMEWORK = %q, want DEBUG", got)
		}
		if got := os.Getenv("TF_LOG_SDK"); got != "OFF" {
			t.Errorf("TF_LOG_SDK = %q, want OFF", got)
		}
	})

	for _, observer := range []string{"TF_LOG", "TF_LOG_PROVIDER"} {
		t.Run(observer+" set: nothing changes", func(t *testing.T) {
			unsetenv(t, all...)
			t.Setenv(observer, "TRACE")
			quietWhenUnobserved()
			for _, name := range all {
				want, wantSet := "", false
				if name == observer {
					want, wantSet = "TRACE", true
				}
				if got, set := os.LookupEnv(name); got != want || set != wantSet {
					t.Errorf("%s = %q (set %v), want %q (set %v)", name, got, set, want, wantSet)
				}
			}
		})
	}
}

func TestOneProcessorUnlessSet(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))

	t.Run("unset: one processor", func(t *testing.T) {
		unsetenv(t, "GOMAXPROCS")
		runtime.GOMAXPROCS(4)
		oneProcessorUnlessSet()
		if got := runtime.GOMAXPROCS(0); got != 1 {
			t.Errorf("GOMAXPROCS = %d, want 1", got)
		}
	})

	t.Run("set: left to the runtime", func(t *testing.T) {
		t.Setenv("GOMAXPROCS", "4")
		runtime.GOMAXPROCS(3)
		oneProcessorUnlessSet()
		if got := runtime.GOMAXPROCS(0); got != 3 {
			t.Errorf("GOMAXPROCS = %d, want 3 (untouched)", got)
		}
	})
}
