package gate

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// now is the time every test evaluates at unless it says otherwise.
var now = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)

var testImage = Image{Type: "private_image", Namespace: "shop", Name: "web", Tag: "2.0",
	Digest: "sha256:" + strings.Repeat("ab", 32), ID: "img-2", ScanTime: now.Add(-time.Hour)}

func ptr[T any](v T) *T { return &v }

// fnd is a finding in package "openssl" with the given CVEs.
func fnd(vul string, sev Severity, cves ...string) Finding {
	return Finding{VulID: vul, Severity: sev, HSSSeverity: string(sev), CVEIDs: cves, Type: "linux_vul", Package: "openssl", Version: "1.1.1k"}
}

func with(f Finding, edit func(*Finding)) Finding { edit(&f); return f }

func exc(id, expires string) Exception {
	return Exception{ID: id, Reason: "patched base image ships next sprint", Expires: expires}
}

// want is what a case expects; nil lists must be empty.
type want struct {
	passed     bool
	violations []string // vul ids, or "report:<type>", in order
	excepted   []string
	inherited  []string
	inGrace    []string
	lapsed     []int // exception indexes
	expiring   []int
	unused     []int
	handled    int
	// reasons and notes expected (as substrings) in the first violation.
	reasons []string
	notes   []string
}

func vulIDs(vs []Violation) []string {
	var out []string
	for _, v := range vs {
		if v.ReportType != "" {
			out = append(out, "report:"+v.ReportType)
		} else {
			out = append(out, v.VulID)
		}
	}
	return out
}

func indexes(es []ExceptionRef) []int {
	var out []int
	for _, e := range es {
		out = append(out, e.Index)
	}
	return out
}

func check(t *testing.T, r Result, w want) {
	t.Helper()
	var excepted []string
	for _, x := range r.Excepted {
		excepted = append(excepted, x.VulID)
	}
	got := []any{r.Passed, vulIDs(r.Violations), excepted, vulIDs(r.Inherited), vulIDs(r.InGrace),
		indexes(r.LapsedExceptions), indexes(r.ExpiringExceptions), indexes(r.UnusedExceptions), r.HandledIgnored}
	exp := []any{w.passed, w.violations, w.excepted, w.inherited, w.inGrace, w.lapsed, w.expiring, w.unused, w.handled}
	names := []string{"passed", "violations", "excepted", "inherited", "in grace", "lapsed", "expiring", "unused", "handled ignored"}
	for i := range got {
		if !reflect.DeepEqual(got[i], exp[i]) {
			t.Errorf("%s = %#v, want %#v", names[i], got[i], exp[i])
		}
	}
	if r.Passed != (len(r.Violations) == 0) {
		t.Errorf("passed = %v with %d violations", r.Passed, len(r.Violations))
	}
	if len(w.reasons)+len(w.notes) > 0 {
		if len(r.Violations) == 0 {
			t.Fatalf("no violation to check reasons %q and notes %q against", w.reasons, w.notes)
		}
		v := r.Violations[0]
		for _, s := range w.reasons {
			if !containsSub(v.Reasons, s) {
				t.Errorf("reasons %q lack %q", v.Reasons, s)
			}
		}
		for _, s := range w.notes {
			if !containsSub(v.Notes, s) {
				t.Errorf("notes %q lack %q", v.Notes, s)
			}
		}
	}
}

func containsSub(ss []string, sub string) bool {
	return slices.ContainsFunc(ss, func(s string) bool { return strings.Contains(s, sub) })
}

func TestEvaluate(t *testing.T) {
	high := fnd("USN-1", High, "CVE-2024-0001")
	medium := fnd("USN-2", Medium, "CVE-2024-0002")
	low := fnd("USN-3", Low, "CVE-2024-0003")
	published := func(d time.Duration) func(*Finding) {
		return func(f *Finding) { f.PublishedAt = ptr(now.Add(-d)) }
	}
	cvss := func(v float64) func(*Finding) { return func(f *Finding) { f.MaxCVSS = &v } }
	twelve := make([]string, 12)
	for i := range twelve {
		twelve[i] = fmt.Sprintf("CVE-2023-%04d", 100+i)
	}

	cases := []struct {
		name     string
		findings []Finding
		policy   Policy
		now      time.Time // default: now
		image    *Image    // default: testImage
		reports  map[string]ReportCount
		want     want
	}{
		// Defaults.
		{name: "empty policy: high fails, medium and low pass", findings: []Finding{low, medium, high},
			want: want{violations: []string{"USN-1"}, reasons: []string{"severity high ≥ fail_on high"}}},
		{name: "empty policy, no findings", want: want{passed: true}},
		{name: "fail_on medium", findings: []Finding{low, medium, high}, policy: Policy{FailOn: "medium"},
			want: want{violations: []string{"USN-1", "USN-2"}}},
		{name: "fail_on low", findings: []Finding{low, medium, high}, policy: Policy{FailOn: "low"},
			want: want{violations: []string{"USN-1", "USN-2", "USN-3"}}},

		// Expiry.
		{name: "expiry exactly at now has lapsed", findings: []Finding{high},
			policy: Policy{Exceptions: []Exception{exc("CVE-2024-0001", "2026-06-15T12:00:00Z")}},
			want:   want{violations: []string{"USN-1"}, lapsed: []int{0}, notes: []string{"policy.exceptions[0] (CVE-2024-0001) lapsed at 2026-06-15T12:00:00Z"}}},
		{name: "expiry one second after now still applies", findings: []Finding{high},
			policy: Policy{Exceptions: []Exception{exc("CVE-2024-0001", "2026-06-15T12:00:01Z")}},
			want:   want{passed: true, excepted: []string{"USN-1"}, expiring: []int{0}}},
		{name: "expiry one nanosecond before now has lapsed", findings: []Finding{high},
			policy: Policy{Exceptions: []Exception{exc("CVE-2024-0001", "2026-06-15T11:59:59.999999999Z")}},
			want:   want{violations: []string{"USN-1"}, lapsed: []int{0}}},
		{name: "time zones: +02:00 13:30 is 11:30Z (lapsed), -05:00 07:30 is 12:30Z (active)", findings: []Finding{high, medium},
			policy: Policy{FailOn: "medium", Exceptions: []Exception{
				exc("CVE-2024-0001", "2026-06-15T13:30:00+02:00"), exc("CVE-2024-0002", "2026-06-15T07:30:00-05:00")}},
			want: want{violations: []string{"USN-1"}, excepted: []string{"USN-2"}, lapsed: []int{0}, expiring: []int{1}}},
		{name: "time zones: now given in another zone", findings: []Finding{high},
			now:    now.In(time.FixedZone("UTC+8", 8*3600)),
			policy: Policy{Exceptions: []Exception{exc("CVE-2024-0001", "2026-06-15T20:00:00+08:00")}},
			want:   want{violations: []string{"USN-1"}, lapsed: []int{0}}},
		{name: "date-only expiry applies through the end of that day UTC", findings: []Finding{high},
			now:    time.Date(2026, 6, 15, 23, 59, 59, 0, time.UTC),
			policy: Policy{Exceptions: []Exception{exc("CVE-2024-0001", "2026-06-15")}},
			want:   want{passed: true, excepted: []string{"USN-1"}, expiring: []int{0}}},
		{name: "date-only expiry lapses at midnight UTC", findings: []Finding{high},
			now:    time.Date(2026, 6, 16, 0, 0, 0, 0, time.UTC),
			policy: Policy{Exceptions: []Exception{exc("CVE-2024-0001", "2026-06-15")}},
			want:   want{violations: []string{"USN-1"}, lapsed: []int{0}}},
		{name: "date-only expiry is UTC, not the zone of now", findings: []Finding{high},
			now:    time.Date(2026, 6, 16, 1, 0, 0, 0, time.FixedZone("UTC+2", 2*3600)), // 23:00Z on the 15th
			policy: Policy{Exceptions: []Exception{exc("CVE-2024-0001", "2026-06-15")}},
			want:   want{passed: true, excepted: []string{"USN-1"}, expiring: []int{0}}},

		// warn_before.
		{name: "expiring: exactly warn_before (default 14 days) away", findings: []Finding{high},
			policy: Policy{Exceptions: []Exception{exc("USN-1", "2026-06-29T12:00:00Z"), exc("USN-1", "2026-06-29T12:00:01Z")}},
			want:   want{passed: true, excepted: []string{"USN-1"}, expiring: []int{0}}},
		{name: "warn_before 0s: nothing is expiring", findings: []Finding{high},
			policy: Policy{WarnBefore: "0s", Exceptions: []Exception{exc("USN-1", "2026-06-15T12:00:01Z")}},
			want:   want{passed: true, excepted: []string{"USN-1"}}},

		// Duplicates.
		{name: "duplicate exceptions, one lapsed and one active: the active one applies", findings: []Finding{high},
			policy: Policy{Exceptions: []Exception{exc("CVE-2024-0001", "2026-01-01"), exc("CVE-2024-0001", "2026-12-31")}},
			want:   want{passed: true, excepted: []string{"USN-1"}, lapsed: []int{0}}},
		{name: "identical duplicate exceptions: both cover, neither is unused", findings: []Finding{high},
			policy: Policy{Exceptions: []Exception{exc("CVE-2024-0001", "2026-12-31"), exc("cve-2024-0001", "2026-12-31")}},
			want:   want{passed: true, excepted: []string{"USN-1"}}},
		{name: "duplicate findings are judged each", findings: []Finding{high, high},
			want: want{violations: []string{"USN-1", "USN-1"}}},

		// CVE coverage.
		{name: "one CVE shared by two findings: one exception covers both", findings: []Finding{
			fnd("USN-10", High, "CVE-2024-0100"), with(fnd("RHSA-2024:10", High, "CVE-2024-0100"), func(f *Finding) { f.Package = "libssl" })},
			policy: Policy{Exceptions: []Exception{exc("CVE-2024-0100", "2026-12-31")}},
			want:   want{passed: true, excepted: []string{"RHSA-2024:10", "USN-10"}}},
		{name: "several CVEs partly excepted: the finding fails, saying which are not", findings: []Finding{
			fnd("USN-20", High, "CVE-2024-0003", "CVE-2024-0001", "CVE-2024-0002")},
			policy: Policy{Exceptions: []Exception{exc("CVE-2024-0001", "2026-12-31"), exc("CVE-2024-0002", "2026-12-31")}},
			want: want{violations: []string{"USN-20"},
				notes: []string{"cover CVE-2024-0001, CVE-2024-0002 but not CVE-2024-0003"}}},
		{name: "several CVEs all excepted by separate exceptions", findings: []Finding{
			fnd("USN-20", High, "CVE-2024-0001", "CVE-2024-0002")},
			policy: Policy{Exceptions: []Exception{exc("CVE-2024-0001", "2026-12-31"), exc("CVE-2024-0002", "2026-12-31")}},
			want:   want{passed: true, excepted: []string{"USN-20"}}},
		{name: "a finding with 12 CVEs is not excepted by one of them", findings: []Finding{fnd("USN-12", High, twelve...)},
			policy: Policy{Exceptions: []Exception{exc(twelve[5], "2026-12-31")}},
			want:   want{violations: []string{"USN-12"}, notes: []string{"but not CVE-2023-0100"}}},
		{name: "the vulnerability id covers all its CVEs", findings: []Finding{fnd("USN-12", High, twelve...)},
			policy: Policy{Exceptions: []Exception{exc("usn-12", "2026-12-31")}},
			want:   want{passed: true, excepted: []string{"USN-12"}}},
		{name: "CVE ids compare ignoring case", findings: []Finding{fnd("USN-1", High, "cve-2024-0001")},
			policy: Policy{Exceptions: []Exception{exc("CVE-2024-0001", "2026-12-31")}},
			want:   want{passed: true, excepted: []string{"USN-1"}}},
		{name: "a finding without CVEs is excepted only by its vulnerability id", findings: []Finding{fnd("HWPSIRT-2024-1", High)},
			policy: Policy{Exceptions: []Exception{exc("CVE-2024-0001", "2026-12-31")}},
			want:   want{violations: []string{"HWPSIRT-2024-1"}, unused: []int{0}}},
		{name: "an exception limited to another package does not apply", findings: []Finding{high},
			policy: Policy{Exceptions: []Exception{{ID: "CVE-2024-0001", Reason: "r", Expires: "2026-12-31", Package: "libssl"}}},
			want:   want{violations: []string{"USN-1"}, unused: []int{0}}},
		{name: "an exception limited to the finding's package applies", findings: []Finding{high},
			policy: Policy{Exceptions: []Exception{{ID: "CVE-2024-0001", Reason: "r", Expires: "2026-12-31", Package: "openssl"}}},
			want:   want{passed: true, excepted: []string{"USN-1"}}},

		// Deny.
		{name: "a denied id that is also excepted fails: deny wins", findings: []Finding{high},
			policy: Policy{Deny: []string{"cve-2024-0001"}, Exceptions: []Exception{exc("CVE-2024-0001", "2026-12-31")}},
			want: want{violations: []string{"USN-1"}, reasons: []string{"CVE-2024-0001 is denied", "severity high ≥ fail_on high"},
				notes: []string{"deny wins over exception policy.exceptions[0] (CVE-2024-0001)"}}},
		{name: "deny fails a low finding by its vulnerability id", findings: []Finding{low},
			policy: Policy{Deny: []string{"USN-3"}},
			want:   want{violations: []string{"USN-3"}, reasons: []string{"USN-3 is denied"}}},

		// Unused.
		{name: "an exception matching no finding is unused", findings: []Finding{high},
			policy: Policy{Exceptions: []Exception{exc("USN-1", "2026-12-31"), exc("CVE-2020-9999", "2026-12-31")}},
			want:   want{passed: true, excepted: []string{"USN-1"}, unused: []int{1}}},
		{name: "an exception matching a finding that passes anyway is used, not excepted", findings: []Finding{low},
			policy: Policy{Exceptions: []Exception{exc("CVE-2024-0003", "2026-12-31")}},
			want:   want{passed: true}},
		{name: "an exception covering part of a finding is used", findings: []Finding{fnd("USN-20", High, "CVE-2024-0001", "CVE-2024-0002")},
			policy: Policy{Exceptions: []Exception{exc("CVE-2024-0001", "2026-12-31")}},
			want:   want{violations: []string{"USN-20"}}},
		{name: "a lapsed exception is lapsed, not unused", findings: []Finding{low},
			policy: Policy{Exceptions: []Exception{exc("CVE-2020-9999", "2026-01-01")}},
			want:   want{passed: true, lapsed: []int{0}}},

		// Image.
		{name: "an exception for this image (tag) applies", findings: []Finding{high},
			policy: Policy{Exceptions: []Exception{{ID: "USN-1", Reason: "r", Expires: "2026-12-31", Image: "shop/web:2.0"}}},
			want:   want{passed: true, excepted: []string{"USN-1"}}},
		{name: "an exception for this image (digest) applies", findings: []Finding{high},
			policy: Policy{Exceptions: []Exception{{ID: "USN-1", Reason: "r", Expires: "2026-12-31",
				Image: "shop/web@sha256:" + strings.Repeat("AB", 32)}}},
			want: want{passed: true, excepted: []string{"USN-1"}}},
		{name: "an exception for another image plays no part: not applied, not unused, not lapsed", findings: []Finding{high},
			policy: Policy{Exceptions: []Exception{{ID: "USN-1", Reason: "r", Expires: "2026-12-31", Image: "shop/web:1.0"},
				{ID: "USN-1", Reason: "r", Expires: "2026-01-01", Image: "shop/api:2.0"}}},
			want: want{violations: []string{"USN-1"}}},
		{name: "an exception for an image does not apply when the image is unknown", findings: []Finding{high}, image: &Image{},
			policy: Policy{Exceptions: []Exception{{ID: "USN-1", Reason: "r", Expires: "2026-12-31", Image: "shop/web:2.0"}}},
			want:   want{violations: []string{"USN-1"}}},

		// Ratchet.
		{name: "ratchet: a finding the deployed image has too is inherited, even at another version", findings: []Finding{
			with(high, func(f *Finding) { f.Version = "1.1.1w" }), fnd("USN-5", High)},
			policy: Policy{NewOnlyAgainst: &Baseline{Image: Image{Namespace: "shop", Name: "web", Tag: "1.9"}, Findings: []Finding{high}}},
			want:   want{violations: []string{"USN-5"}, inherited: []string{"USN-1"}}},
		{name: "ratchet: the same vulnerability in another package is new", findings: []Finding{with(high, func(f *Finding) { f.Package = "libssl" })},
			policy: Policy{NewOnlyAgainst: &Baseline{Findings: []Finding{high}}},
			want:   want{violations: []string{"USN-1"}}},
		{name: "ratchet: a denied finding fails even when the deployed image has it", findings: []Finding{high},
			policy: Policy{Deny: []string{"CVE-2024-0001"}, NewOnlyAgainst: &Baseline{Findings: []Finding{high}}},
			want:   want{violations: []string{"USN-1"}}},
		{name: "ratchet against an image with no findings: everything is new", findings: []Finding{high},
			policy: Policy{NewOnlyAgainst: &Baseline{}},
			want:   want{violations: []string{"USN-1"}}},
		{name: "ratchet: an exception still comes first", findings: []Finding{high},
			policy: Policy{Exceptions: []Exception{exc("USN-1", "2026-12-31")}, NewOnlyAgainst: &Baseline{Findings: []Finding{high}}},
			want:   want{passed: true, excepted: []string{"USN-1"}}},

		// Grace period.
		{name: "grace: public exactly grace_period ago is still in grace", findings: []Finding{with(high, published(168*time.Hour))},
			policy: Policy{GracePeriod: "168h"}, want: want{passed: true, inGrace: []string{"USN-1"}}},
		{name: "grace: public a nanosecond longer than grace_period fails", findings: []Finding{with(high, published(168*time.Hour+1))},
			policy: Policy{GracePeriod: "168h"}, want: want{violations: []string{"USN-1"}}},
		{name: "grace: without a publish time never in grace", findings: []Finding{high},
			policy: Policy{GracePeriod: "168h"}, want: want{violations: []string{"USN-1"}}},
		{name: "grace: a publish time after now is not trusted", findings: []Finding{with(high, published(-time.Minute))},
			policy: Policy{GracePeriod: "168h"}, want: want{violations: []string{"USN-1"}}},
		{name: "grace: published right now is in grace", findings: []Finding{with(high, published(0))},
			policy: Policy{GracePeriod: "1s"}, want: want{passed: true, inGrace: []string{"USN-1"}}},
		{name: "grace 0s is no grace", findings: []Finding{with(high, published(0))},
			policy: Policy{GracePeriod: "0s"}, want: want{violations: []string{"USN-1"}}},
		{name: "grace: a finding that fails on CVSS too gets none", findings: []Finding{with(with(high, published(time.Hour)), cvss(9.8))},
			policy: Policy{GracePeriod: "168h", MaxCVSS: ptr(9.0)},
			want:   want{violations: []string{"USN-1"}, reasons: []string{"CVSS 9.8 ≥ max_cvss 9", "severity high ≥ fail_on high"}}},
		{name: "grace: a denied finding gets none", findings: []Finding{with(high, published(time.Hour))},
			policy: Policy{GracePeriod: "168h", Deny: []string{"USN-1"}}, want: want{violations: []string{"USN-1"}}},

		// max_cvss.
		{name: "max_cvss: equal fails whatever the severity", findings: []Finding{with(low, cvss(9.0))},
			policy: Policy{MaxCVSS: ptr(9.0)}, want: want{violations: []string{"USN-3"}, reasons: []string{"CVSS 9 ≥ max_cvss 9"}}},
		{name: "max_cvss: just below passes", findings: []Finding{with(medium, cvss(8.9))},
			policy: Policy{MaxCVSS: ptr(9.0)}, want: want{passed: true}},
		{name: "max_cvss: a float32 score equal to the limit fails", findings: []Finding{with(low, cvss(float64(float32(9.7))))},
			policy: Policy{MaxCVSS: ptr(9.7)}, want: want{violations: []string{"USN-3"}, reasons: []string{"CVSS 9.7 ≥ max_cvss 9.7"}}},
		{name: "max_cvss 0 fails every finding with a score", findings: []Finding{with(low, cvss(0))},
			policy: Policy{MaxCVSS: ptr(0.0)}, want: want{violations: []string{"USN-3"}}},
		{name: "max_cvss 10 fails only 10", findings: []Finding{with(low, cvss(9.9)), with(medium, cvss(10))},
			policy: Policy{MaxCVSS: ptr(10.0)}, want: want{violations: []string{"USN-2"}}},
		{name: "max_cvss: CVEs with an unknown score fail", findings: []Finding{low},
			policy: Policy{MaxCVSS: ptr(9.0)}, want: want{violations: []string{"USN-3"}, reasons: []string{"CVSS unknown"}}},
		{name: "max_cvss: no CVEs, no score, judged on severity", findings: []Finding{fnd("USN-9", Low)},
			policy: Policy{MaxCVSS: ptr(9.0)}, want: want{passed: true}},
		{name: "max_cvss: an exception covers a CVSS failure", findings: []Finding{with(low, cvss(9.8))},
			policy: Policy{MaxCVSS: ptr(9.0), Exceptions: []Exception{exc("CVE-2024-0003", "2026-12-31")}},
			want:   want{passed: true, excepted: []string{"USN-3"}}},

		// hss_handled.
		{name: "hss_handled fail (default): a handled finding counts", findings: []Finding{with(high, func(f *Finding) { f.Handled = true })},
			want: want{violations: []string{"USN-1"}}},
		{name: "hss_handled fail, written out", findings: []Finding{with(high, func(f *Finding) { f.Handled = true })},
			policy: Policy{HSSHandled: "fail"}, want: want{violations: []string{"USN-1"}}},
		{name: "hss_handled ignore: a handled finding is dropped", findings: []Finding{with(high, func(f *Finding) { f.Handled = true }), medium},
			policy: Policy{HSSHandled: "ignore"}, want: want{passed: true, handled: 1}},
		{name: "hss_handled ignore: an unhandled finding still fails", findings: []Finding{high},
			policy: Policy{HSSHandled: "ignore"}, want: want{violations: []string{"USN-1"}}},
		{name: "hss_handled ignore: a denied handled finding still fails", findings: []Finding{with(high, func(f *Finding) { f.Handled = true })},
			policy: Policy{HSSHandled: "ignore", Deny: []string{"USN-1"}},
			want:   want{violations: []string{"USN-1"}, notes: []string{"HSS marks it handled"}}},
		{name: "hss_handled ignore: an exception matching only a handled finding is not unused", findings: []Finding{with(high, func(f *Finding) { f.Handled = true })},
			policy: Policy{HSSHandled: "ignore", Exceptions: []Exception{exc("USN-1", "2026-12-31")}},
			want:   want{passed: true, handled: 1}},

		// max_report_counts.
		{name: "report count over the maximum fails", policy: Policy{MaxReportCounts: map[string]int64{"malwares": 0}},
			reports: map[string]ReportCount{"malwares": {Count: 2}},
			want:    want{violations: []string{"report:malwares"}, reasons: []string{"report type malwares: 2 > 0"}}},
		{name: "report count at the maximum passes", policy: Policy{MaxReportCounts: map[string]int64{"malwares": 2, "sensitive-info": 0}},
			reports: map[string]ReportCount{"malwares": {Count: 2}, "sensitive-info": {Count: 0}, "vulnerability": {Err: errors.New("ignored")}},
			want:    want{passed: true}},
		{name: "report count not read fails", policy: Policy{MaxReportCounts: map[string]int64{"sensitive-info": 5, "malwares": 0}},
			reports: map[string]ReportCount{"malwares": {Err: errors.New("HTTP 500 (HSS.1234): internal error")}},
			want: want{violations: []string{"report:malwares", "report:sensitive-info"},
				reasons: []string{"report type malwares could not be read: HTTP 500 (HSS.1234): internal error"}}},
		{name: "report counts with no map at all fail", policy: Policy{MaxReportCounts: map[string]int64{"malwares": 0}},
			want: want{violations: []string{"report:malwares"}, reasons: []string{"report type malwares could not be read"}}},
		{name: "a negative report count is not a count", policy: Policy{MaxReportCounts: map[string]int64{"malwares": 0}},
			reports: map[string]ReportCount{"malwares": {Count: -1}}, want: want{violations: []string{"report:malwares"}}},
		{name: "report violations come before findings", findings: []Finding{high},
			policy:  Policy{MaxReportCounts: map[string]int64{"malwares": 0}},
			reports: map[string]ReportCount{"malwares": {Count: 1}},
			want:    want{violations: []string{"report:malwares", "USN-1"}}},

		// Order.
		{name: "violations sort by severity, then CVSS (unknown last), then id", policy: Policy{FailOn: "low"}, findings: []Finding{
			fnd("B-1", Low), with(fnd("A-1", Medium, "CVE-2024-1111"), cvss(5)), fnd("C-1", High), with(fnd("D-1", High, "CVE-2024-2222"), cvss(7.5)),
			with(fnd("E-1", High, "CVE-2024-3333"), cvss(9.1))},
			want: want{violations: []string{"E-1", "D-1", "C-1", "A-1", "B-1"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			at, img := now, testImage
			if !tc.now.IsZero() {
				at = tc.now
			}
			if tc.image != nil {
				img = *tc.image
			}
			r, err := Evaluate(tc.findings, tc.policy, at, img, tc.reports)
			if err != nil {
				t.Fatalf("Evaluate: %v", err)
			}
			check(t, r, tc.want)
		})
	}
}

func TestEvaluateExceptedCarriesExceptions(t *testing.T) {
	p := Policy{Exceptions: []Exception{
		{ID: "CVE-2024-0002", Reason: "second", Expires: "2026-12-31"},
		{ID: "CVE-2024-0001", Reason: "first", Expires: "2026-09-30T00:00:00+02:00"},
		{ID: "CVE-2024-0001", Reason: "dup", Expires: "2027-01-01", Package: "openssl"},
	}}
	r, err := Evaluate([]Finding{fnd("USN-1", High, "CVE-2024-0002", "CVE-2024-0001")}, p, now, testImage, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Excepted) != 1 {
		t.Fatalf("excepted = %+v", r.Excepted)
	}
	x := r.Excepted[0]
	if got := indexes(x.Exceptions); !reflect.DeepEqual(got, []int{0, 1, 2}) {
		t.Errorf("exceptions = %v, want [0 1 2] (policy order)", got)
	}
	if x.Exceptions[1].Reason != "first" || x.Exceptions[1].Expires != "2026-09-30T00:00:00+02:00" ||
		!x.Exceptions[1].ExpiresAt.Equal(time.Date(2026, 9, 29, 22, 0, 0, 0, time.UTC)) {
		t.Errorf("exception 1 = %+v", x.Exceptions[1])
	}
	if !reflect.DeepEqual(x.Reasons, []string{"severity high ≥ fail_on high"}) {
		t.Errorf("reasons = %q", x.Reasons)
	}
	if !reflect.DeepEqual(x.CVEIDs, []string{"CVE-2024-0001", "CVE-2024-0002"}) {
		t.Errorf("CVE ids = %q, want sorted", x.CVEIDs)
	}
}

func TestEvaluateInGraceSaysUntilWhen(t *testing.T) {
	pub := now.Add(-24 * time.Hour)
	f := fnd("USN-1", High, "CVE-2024-0001")
	f.PublishedAt = &pub
	r, err := Evaluate([]Finding{f}, Policy{GracePeriod: "72h"}, now, testImage, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.InGrace) != 1 || !r.InGrace[0].GraceEnds.Equal(pub.Add(72*time.Hour)) {
		t.Fatalf("in grace = %+v", r.InGrace)
	}
}

func TestEvaluateDoesNotChangeItsInput(t *testing.T) {
	findings := []Finding{fnd("USN-1", High, "CVE-2024-0002", "cve-2024-0001", "CVE-2024-0001")}
	before := slices.Clone(findings[0].CVEIDs)
	r, err := Evaluate(findings, Policy{}, now, testImage, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(findings[0].CVEIDs, before) {
		t.Errorf("input CVE ids changed to %q", findings[0].CVEIDs)
	}
	if got := r.Violations[0].CVEIDs; !reflect.DeepEqual(got, []string{"CVE-2024-0001", "CVE-2024-0002"}) {
		t.Errorf("output CVE ids = %q, want sorted, duplicates (any case) dropped", got)
	}
}

func TestEvaluateRejects(t *testing.T) {
	cases := []struct {
		name     string
		findings []Finding
		policy   Policy
		now      time.Time
		want     []string // error substrings
	}{
		{name: "finding without vul_id", findings: []Finding{fnd("", High)}, now: now,
			want: []string{"vulnerabilities[0].vul_id: vul_id is empty"}},
		{name: "finding with an unknown severity", findings: []Finding{fnd("USN-1", High), fnd("USN-2", "critical")}, now: now,
			want: []string{`vulnerabilities[1].severity: severity "critical" of USN-2 is not one of low, medium, high`}},
		{name: "finding without a severity", findings: []Finding{fnd("USN-1", "")}, now: now,
			want: []string{`vulnerabilities[0].severity`}},
		{name: "finding whose severity disagrees with HSS's", findings: []Finding{with(fnd("USN-1", Low), func(f *Finding) { f.HSSSeverity = "Critical" })},
			now: now, want: []string{`vulnerabilities[0].severity: severity low of USN-1 disagrees with its hss_severity "Critical", which is high`}},
		{name: "finding with an unknown HSS severity", findings: []Finding{with(fnd("USN-1", Low), func(f *Finding) { f.HSSSeverity = "Negligible" })},
			now: now, want: []string{`vulnerabilities[0].hss_severity: unknown HSS severity "Negligible"`}},
		{name: "finding with CVSS out of range", findings: []Finding{with(fnd("USN-1", Low), func(f *Finding) { f.MaxCVSS = ptr(88.0) })}, now: now,
			want: []string{"vulnerabilities[0].max_cvss: max_cvss 88 of USN-1 is outside 0–10"}},
		{name: "finding with CVSS NaN", findings: []Finding{with(fnd("USN-1", Low), func(f *Finding) { f.MaxCVSS = ptr(math.NaN()) })}, now: now,
			want: []string{"vulnerabilities[0].max_cvss"}},
		{name: "finding with an empty CVE id", findings: []Finding{fnd("USN-1", Low, "CVE-2024-0001", " ")}, now: now,
			want: []string{"vulnerabilities[0].cve_ids[1]: CVE id 1 of USN-1 is empty"}},
		{name: "baseline finding invalid", policy: Policy{NewOnlyAgainst: &Baseline{Findings: []Finding{fnd("USN-1", "urgent")}}}, now: now,
			want: []string{"policy.new_only_against.findings[0].severity"}},
		{name: "invalid policy and finding together", findings: []Finding{fnd("", Low)}, policy: Policy{FailOn: "critical"}, now: now,
			want: []string{"policy.fail_on", "vulnerabilities[0].vul_id"}},
		{name: "no time", want: []string{"the time to evaluate at is not set"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Evaluate(tc.findings, tc.policy, tc.now, testImage, nil)
			if err == nil {
				t.Fatalf("Evaluate passed (%+v), want an error", r)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if r.Passed {
				t.Error("a rejected evaluation reads as passed")
			}
		})
	}
}

// manyFindings makes n findings over n/5 vulnerabilities and 100
// exceptions, a tenth of them lapsed, some naming vulnerabilities, some
// CVEs, some limited to a package.
func manyFindings(n int) ([]Finding, Policy) {
	sev := []Severity{Low, Medium, High}
	findings := make([]Finding, n)
	for i := range findings {
		v := i / 5
		f := Finding{
			VulID:    fmt.Sprintf("USN-%d-1", v),
			CVEIDs:   []string{fmt.Sprintf("CVE-2024-%05d", 2*v), fmt.Sprintf("CVE-2024-%05d", 2*v+1)},
			Severity: sev[i%3], HSSSeverity: []string{"not_needed_repair", "delay_repair", "immediate_repair"}[i%3], Type: "linux_vul",
			Package: fmt.Sprintf("pkg%d", i%5), Version: fmt.Sprintf("1.%d", i%7),
		}
		if i%4 != 0 {
			f.MaxCVSS = ptr(float64(i%101) / 10)
		}
		if i%2 == 0 {
			f.PublishedAt = ptr(now.Add(-time.Duration(i%500) * time.Hour))
		}
		findings[i] = f
	}
	p := Policy{FailOn: "medium", MaxCVSS: ptr(9.5), GracePeriod: "168h", Deny: []string{"CVE-2024-00007"}, HSSHandled: "fail"}
	for i := range 100 {
		e := Exception{ID: fmt.Sprintf("USN-%d-1", i*17), Reason: "accepted", Expires: "2026-12-31"}
		switch {
		case i%10 == 0:
			e.Expires = "2026-01-01"
		case i%3 == 0:
			e.ID = fmt.Sprintf("CVE-2024-%05d", i*7)
		case i%5 == 0:
			e.Package = "pkg1"
		}
		p.Exceptions = append(p.Exceptions, e)
	}
	return findings, p
}

func TestEvaluate10000Findings(t *testing.T) {
	findings, p := manyFindings(10000)
	r, err := Evaluate(findings, p, now, testImage, nil)
	if err != nil {
		t.Fatal(err)
	}
	total := len(r.Violations) + len(r.Excepted) + len(r.InGrace) + len(r.Inherited)
	if r.Passed || len(r.Violations) < 1000 || len(r.Excepted) == 0 || len(r.InGrace) == 0 || len(r.LapsedExceptions) != 10 {
		t.Errorf("violations %d, excepted %d, in grace %d, lapsed %d", len(r.Violations), len(r.Excepted), len(r.InGrace), len(r.LapsedExceptions))
	}
	if total > 10000 {
		t.Errorf("%d findings judged, from 10000", total)
	}
	// Every high or CVSS ≥ 9.5 finding that is not excepted or in grace is a violation.
	for _, v := range r.Violations {
		if v.Severity == Low && (v.MaxCVSS == nil || *v.MaxCVSS < 9.5) && !containsSub(v.Reasons, "is denied") && !containsSub(v.Reasons, "CVSS unknown") {
			t.Fatalf("violation %+v has no reason to fail", v)
		}
	}
	if !slices.IsSortedFunc(r.Violations, func(a, b Violation) int { return CompareFindings(&a.Finding, &b.Finding) }) {
		t.Error("violations are not sorted")
	}

	// The same input in another order gives the same result.
	shuffled := slices.Clone(findings)
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for i := range shuffled {
		shuffled[i].CVEIDs = slices.Clone(shuffled[i].CVEIDs)
		slices.Reverse(shuffled[i].CVEIDs)
	}
	r2, err := Evaluate(shuffled, p, now, testImage, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r, r2) {
		t.Error("the result depends on the order of the findings")
	}
}

func BenchmarkEvaluate10000x100(b *testing.B) {
	findings, p := manyFindings(10000)
	if len(p.Exceptions) != 100 {
		b.Fatalf("%d exceptions", len(p.Exceptions))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Evaluate(findings, p, now, testImage, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// CompareFindings is a total order: findings that differ in any field
// compare unequal, both ways round, so sorting cannot depend on input order.
func TestCompareFindingsIsTotal(t *testing.T) {
	base := with(fnd("USN-1", High, "CVE-2024-0001"), func(f *Finding) {
		f.MaxCVSS, f.PublishedAt, f.Path, f.Layer, f.Solution, f.URL = ptr(5.0), ptr(now), "/p", "l1", "s", "u"
	})
	variants := map[string]func(*Finding){
		"severity": func(f *Finding) { f.Severity = Low }, "cvss": func(f *Finding) { f.MaxCVSS = ptr(5.1) },
		"no cvss": func(f *Finding) { f.MaxCVSS = nil }, "vul": func(f *Finding) { f.VulID = "USN-2" },
		"package": func(f *Finding) { f.Package = "zlib" }, "version": func(f *Finding) { f.Version = "2" },
		"path": func(f *Finding) { f.Path = "/q" }, "layer": func(f *Finding) { f.Layer = "l2" },
		"type": func(f *Finding) { f.Type = "app_vul" }, "cves": func(f *Finding) { f.CVEIDs = nil },
		"handled": func(f *Finding) { f.Handled = true }, "published": func(f *Finding) { f.PublishedAt = ptr(now.Add(-1)) },
		"no published": func(f *Finding) { f.PublishedAt = nil }, "hss severity": func(f *Finding) { f.HSSSeverity = "Critical" },
		"solution": func(f *Finding) { f.Solution = "t" }, "url": func(f *Finding) { f.URL = "v" },
	}
	if CompareFindings(&base, &base) != 0 {
		t.Error("a finding is not equal to itself")
	}
	for name, edit := range variants {
		v := with(base, edit)
		a, b := CompareFindings(&base, &v), CompareFindings(&v, &base)
		if a == 0 || a != -b {
			t.Errorf("%s: compare = %d and %d", name, a, b)
		}
	}
}
