//go:build !acceptance

package provider

import "testing"

// Without the acceptance build tag nothing runs against real HSS: the
// TestAccReal tests (acc_real_test.go) are not even compiled, and TestMain
// always isolates the run (dial guard, no HW_* variables). make testacc
// builds with -tags acceptance.
func realHSSMain(*testing.M) (code int, ok bool) { return 0, false }
