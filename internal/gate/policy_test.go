package gate

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestPolicyValidate(t *testing.T) {
	ok := exc("CVE-2024-0001", "2026-12-31")
	withExc := func(edit func(*Exception)) Policy {
		e := ok
		edit(&e)
		return Policy{Exceptions: []Exception{ok, ok, e}}
	}
	cases := []struct {
		name   string
		policy Policy
		attr   string // "" when valid
		msg    string // substring of the message
	}{
		{name: "zero policy", policy: Policy{}},
		{name: "every field set", policy: Policy{FailOn: "low", MaxCVSS: ptr(7.5), GracePeriod: "168h", Deny: []string{"CVE-2024-1234", "USN-1"},
			HSSHandled: "ignore", MaxReportCounts: map[string]int64{"malwares": 0, "sensitive-info": 3}, WarnBefore: "720h",
			Exceptions: []Exception{{ID: "RHSA-2024:1234", Reason: "r", Expires: "2026-12-31T23:59:59+08:00", Package: "openssl", Image: "shop/web:2.0"}}}},
		{name: "max_cvss 0 and 10 are allowed", policy: Policy{MaxCVSS: ptr(0.0)}},
		{name: "max_cvss 10", policy: Policy{MaxCVSS: ptr(10.0)}},

		{name: "unknown fail_on", policy: Policy{FailOn: "critical"}, attr: "policy.fail_on",
			msg: `unknown severity "critical": allowed values are low, medium, high`},
		{name: "fail_on in capitals", policy: Policy{FailOn: "High"}, attr: "policy.fail_on", msg: "allowed values are low, medium, high"},
		{name: "max_cvss above 10", policy: Policy{MaxCVSS: ptr(10.5)}, attr: "policy.max_cvss", msg: "max_cvss 10.5 is outside 0–10"},
		{name: "max_cvss below 0", policy: Policy{MaxCVSS: ptr(-0.1)}, attr: "policy.max_cvss", msg: "outside 0–10"},
		{name: "max_cvss NaN", policy: Policy{MaxCVSS: ptr(math.NaN())}, attr: "policy.max_cvss", msg: "outside 0–10"},
		{name: "negative grace period", policy: Policy{GracePeriod: "-1h"}, attr: "policy.grace_period", msg: "negative: allowed values are 0s and up"},
		{name: "deny with a package name", policy: Policy{Deny: []string{"openssl"}}, attr: "policy.deny[0]", msg: "holds no digit"},
		{name: "grace period in days", policy: Policy{GracePeriod: "7d"}, attr: "policy.grace_period", msg: `"7d" is not a Go duration`},
		{name: "negative warn_before", policy: Policy{WarnBefore: "-24h"}, attr: "policy.warn_before", msg: "negative"},
		{name: "unknown hss_handled", policy: Policy{HSSHandled: "skip"}, attr: "policy.hss_handled",
			msg: `unknown hss_handled "skip": allowed values are fail`},
		{name: "unknown report type", policy: Policy{MaxReportCounts: map[string]int64{"malware": 0}}, attr: `policy.max_report_counts["malware"]`,
			msg: "allowed values are vulnerability, risk-config, malwares"},
		{name: "negative report count", policy: Policy{MaxReportCounts: map[string]int64{"malwares": -1}}, attr: `policy.max_report_counts["malwares"]`,
			msg: "negative"},
		{name: "deny with neither id form", policy: Policy{Deny: []string{"USN-1", "CVE-2024-1"}}, attr: "policy.deny[1]",
			msg: "starts with CVE- but is not a CVE id"},

		{name: "blank reason", policy: withExc(func(e *Exception) { e.Reason = " \t\n" }), attr: "policy.exceptions[2].reason", msg: "reason is blank"},
		{name: "empty reason", policy: withExc(func(e *Exception) { e.Reason = "" }), attr: "policy.exceptions[2].reason", msg: "reason is blank"},
		{name: "invisible reason", policy: withExc(func(e *Exception) { e.Reason = "\u200b\u00a0" }), attr: "policy.exceptions[2].reason", msg: "blank"},
		{name: "missing expiry", policy: withExc(func(e *Exception) { e.Expires = "" }), attr: "policy.exceptions[2].expires", msg: "expires is required"},
		{name: "unparsable expiry", policy: withExc(func(e *Exception) { e.Expires = "31/12/2026" }), attr: "policy.exceptions[2].expires",
			msg: `expiry "31/12/2026" is neither RFC 3339`},
		{name: "impossible date", policy: withExc(func(e *Exception) { e.Expires = "2026-02-30" }), attr: "policy.exceptions[2].expires",
			msg: `expiry "2026-02-30" is not a date YYYY-MM-DD: day out of range`},
		{name: "RFC 3339 without a zone", policy: withExc(func(e *Exception) { e.Expires = "2026-12-31T23:59:59" }), attr: "policy.exceptions[2].expires",
			msg: "neither RFC 3339"},
		{name: "id with neither form", policy: withExc(func(e *Exception) { e.ID = "openssl" }), attr: "policy.exceptions[2].id",
			msg: "holds no digit, so it is neither form"},
		{name: "malformed CVE id", policy: withExc(func(e *Exception) { e.ID = "CVE-24-1234" }), attr: "policy.exceptions[2].id",
			msg: "not a CVE id"},
		{name: "id with a space", policy: withExc(func(e *Exception) { e.ID = "USN 1234" }), attr: "policy.exceptions[2].id", msg: "neither form"},
		{name: "empty id", policy: withExc(func(e *Exception) { e.ID = "" }), attr: "policy.exceptions[2].id", msg: "id is empty"},
		{name: "blank package", policy: withExc(func(e *Exception) { e.Package = " " }), attr: "policy.exceptions[2].package", msg: "package is blank"},
		{name: "image naming a repository", policy: withExc(func(e *Exception) { e.Image = "shop/web" }), attr: "policy.exceptions[2].image",
			msg: "names a repository, not one image"},
		{name: "image with a bad digest", policy: withExc(func(e *Exception) { e.Image = "shop/web@sha256:abc" }), attr: "policy.exceptions[2].image",
			msg: "not sha256:<64 hex digits>"},
		{name: "baseline finding without severity", policy: Policy{NewOnlyAgainst: &Baseline{Findings: []Finding{{VulID: "USN-1"}}}},
			attr: "policy.new_only_against.findings[0].severity", msg: "is not one of"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs := tc.policy.Validate()
			if tc.attr == "" {
				if len(errs) > 0 {
					t.Fatalf("Validate = %v, want none", errs)
				}
				return
			}
			if len(errs) != 1 {
				t.Fatalf("Validate = %v, want one error at %s", errs, tc.attr)
			}
			if got := errs[0].Attribute(); got != tc.attr {
				t.Errorf("attribute = %s, want %s", got, tc.attr)
			}
			if !strings.Contains(errs[0].Message, tc.msg) {
				t.Errorf("message %q lacks %q", errs[0].Message, tc.msg)
			}
			if !strings.HasPrefix(errs[0].Error(), tc.attr+": ") {
				t.Errorf("Error() = %q, want it to start with the attribute", errs[0].Error())
			}
			if _, err := Evaluate(nil, tc.policy, now, testImage, nil); err == nil {
				t.Error("Evaluate accepted the invalid policy")
			}
		})
	}
}

func TestPolicyValidateReportsEveryMistake(t *testing.T) {
	p := Policy{FailOn: "urgent", MaxCVSS: ptr(11.0), GracePeriod: "-5m", HSSHandled: "maybe",
		Exceptions: []Exception{{ID: "x", Reason: "", Expires: "soon"}}}
	var attrs []string
	for _, e := range p.Validate() {
		attrs = append(attrs, e.Attribute())
	}
	want := "policy.fail_on policy.max_cvss policy.grace_period policy.hss_handled policy.exceptions[0].id " +
		"policy.exceptions[0].reason policy.exceptions[0].expires"
	if strings.Join(attrs, " ") != want {
		t.Errorf("attributes = %q, want %q", attrs, want)
	}
}

func TestFieldErrorsOfEvaluate(t *testing.T) {
	_, err := Evaluate([]Finding{fnd("USN-1", "")}, Policy{FailOn: "x", Exceptions: []Exception{exc("USN-1", "never")}}, now, Image{}, nil)
	var attrs []string
	for _, e := range FieldErrors(err) {
		attrs = append(attrs, e.Attribute())
	}
	if strings.Join(attrs, " ") != "policy.fail_on policy.exceptions[0].expires vulnerabilities[0].severity" {
		t.Errorf("field errors at %q, from %v", attrs, err)
	}
	if FieldErrors(nil) != nil || FieldErrors(errors.New("x")) != nil {
		t.Error("FieldErrors found mistakes in other errors")
	}
}

func TestFieldErrorPath(t *testing.T) {
	e := &FieldError{Path: []any{"policy", "exceptions", 3, "expires"}, Message: "m"}
	if e.Attribute() != "policy.exceptions[3].expires" || e.Error() != "policy.exceptions[3].expires: m" {
		t.Errorf("%q / %q", e.Attribute(), e.Error())
	}
	e = &FieldError{Path: []any{"policy", "max_report_counts", MapKey("sensitive-info")}}
	if e.Attribute() != `policy.max_report_counts["sensitive-info"]` {
		t.Errorf("%q", e.Attribute())
	}
}

func TestNormalizeHSSSeverity(t *testing.T) {
	for in, want := range map[string]Severity{
		"immediate_repair": High, "Critical": High, "High": High, "CRITICAL": High, "high": High,
		"delay_repair": Medium, "Medium": Medium,
		"not_needed_repair": Low, "Low": Low,
	} {
		got, err := NormalizeHSSSeverity(in)
		if err != nil || got != want {
			t.Errorf("NormalizeHSSSeverity(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "urgent", "Negligible", " High", "immediate repair", "0"} {
		got, err := NormalizeHSSSeverity(in)
		if err == nil {
			t.Errorf("NormalizeHSSSeverity(%q) = %q, want an error", in, got)
			continue
		}
		if !strings.Contains(err.Error(), "unknown HSS severity "+quote(in)) {
			t.Errorf("error %q does not name the value %q", err, in)
		}
	}
}

func quote(s string) string { return strings.TrimSpace(`"` + s + `"`) }

func TestSeverityOrder(t *testing.T) {
	if !High.AtLeast(Medium) || !Medium.AtLeast(Medium) || Low.AtLeast(Medium) || !Severity("bogus").AtLeast(High) {
		t.Error("AtLeast is wrong")
	}
	for _, s := range Severities() {
		if _, err := ParseSeverity(s); err != nil {
			t.Error(err)
		}
	}
}

func TestParseID(t *testing.T) {
	for id, want := range map[string]IDKind{
		"CVE-2024-1234": CVEID, "cve-2024-1234": CVEID, "CVE-2021-44228": CVEID, "CVE-2024-1234567": CVEID,
		"USN-5127-1": HSSVulID, "RHSA-2021:1234": HSSVulID, "openEuler-SA-2025-2319": HSSVulID, "GHSA-jfh8-c2jp-5v3q": HSSVulID,
		"DSA-5000-1": HSSVulID, "HWPSIRT_2024.1": HSSVulID, "1234": HSSVulID,
	} {
		got, err := ParseID(id)
		if err != nil || got != want {
			t.Errorf("ParseID(%q) = %v, %v; want %v", id, got, err, want)
		}
	}
	for _, id := range []string{"", "CVE-2024-123", "CVE-24-1234", "CVE-2024-12a4", "CVE-2024", "CVE-2024-1234 ", "openssl",
		"-USN-1", "USN 1", "USN/1", "USN-1\n", "ÜSN-1", strings.Repeat("A1", 65)} {
		if got, err := ParseID(id); err == nil {
			t.Errorf("ParseID(%q) = %v, want an error", id, got)
		}
	}
}

func TestParseExpiry(t *testing.T) {
	for in, want := range map[string]time.Time{
		"2026-12-31":                     time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		"2024-02-29":                     time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
		"2026-12-31T18:00:00+01:00":      time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC),
		"2026-12-31T23:59:59Z":           time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC),
		"2026-12-31T23:59:59.5-08:00":    time.Date(2027, 1, 1, 7, 59, 59, 5e8, time.UTC),
		"2026-06-15T12:00:00.000000001Z": time.Date(2026, 6, 15, 12, 0, 0, 1, time.UTC),
	} {
		got, err := ParseExpiry(in)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseExpiry(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "2026-12-31 ", " 2026-12-31", "2026-13-01", "2025-02-29", "2026-1-31", "20261231", "31.12.2026",
		"2026-12-31T24:00:00Z", "2026-12-31T23:59:59", "2026-12-31 23:59:59Z", "tomorrow", "2026-12-31T23:59:60Z"} {
		if got, err := ParseExpiry(in); err == nil {
			t.Errorf("ParseExpiry(%q) = %v, want an error", in, got)
		}
	}
}

func TestImageRef(t *testing.T) {
	digest := "sha256:" + strings.Repeat("ab", 32)
	img := Image{Namespace: "shop", Name: "web", Tag: "2.0", Digest: digest}
	local := Image{Name: "nginx", Tag: "1.25", Digest: digest}
	for _, tc := range []struct {
		ref  string
		img  Image
		want bool
	}{
		{"shop/web:2.0", img, true},
		{"shop/web@" + strings.ToUpper(digest), img, true},
		{"shop/web:2.0@" + digest, img, true},
		{"shop/web:2.1", img, false},
		{"shop/web:2.1@" + digest, img, false},
		{"shop/api:2.0", img, false},
		{"web:2.0", img, false},
		{"nginx:1.25", local, true},
		{"library/nginx:1.25", local, false},
		{"shop/web:2.0", Image{}, false},
		{"localhost:5000/shop/web:2.0", img, false},
	} {
		ref, err := parseImageRef(tc.ref)
		if err != nil {
			t.Errorf("parseImageRef(%q): %v", tc.ref, err)
			continue
		}
		if got := ref.matches(&tc.img); got != tc.want {
			t.Errorf("%q matches %+v = %v, want %v", tc.ref, tc.img, got, tc.want)
		}
	}
	for _, bad := range []string{"", "shop/web", "shop/web:", "shop/web@sha256:xyz", "shop/web@" + digest + "0", "/web:1", "shop//web:1",
		"shop/web :1", "shop/web:1\n", ":1"} {
		if ref, err := parseImageRef(bad); err == nil {
			t.Errorf("parseImageRef(%q) = %+v, want an error", bad, ref)
		}
	}
}

func FuzzParseExpiry(f *testing.F) {
	for _, s := range []string{"2026-12-31", "2026-12-31T18:00:00+01:00", "2026-12-31T23:59:59.999Z", "2026-02-30", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseExpiry(s)
		if err != nil {
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("ParseExpiry(%q) is not UTC: %v", s, got)
		}
		if len(s) == len(dateLayout) {
			// A date means the end of that day: the day after at midnight.
			if back := got.AddDate(0, 0, -1).Format(dateLayout); back != s {
				t.Fatalf("ParseExpiry(%q) = %v, which is the end of %s", s, got, back)
			}
			return
		}
		want, err := time.Parse(time.RFC3339, s)
		if err != nil || !want.Equal(got) {
			t.Fatalf("ParseExpiry(%q) = %v, time.Parse says %v, %v", s, got, want, err)
		}
	})
}

func FuzzParseID(f *testing.F) {
	for _, s := range []string{"CVE-2024-1234", "cve-2024-12345", "USN-5127-1", "RHSA-2021:1234", "CVE-24-1", "openssl", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kind, err := ParseID(s)
		if err != nil {
			return
		}
		if len(s) == 0 || len(s) > maxIDLen {
			t.Fatalf("ParseID(%q) accepted a length of %d", s, len(s))
		}
		switch kind {
		case CVEID:
			if !isCVE(strings.ToUpper(s)) {
				t.Fatalf("ParseID(%q) = CVE id", s)
			}
		case HSSVulID:
			if hasPrefixFold(s, "CVE-") || strings.ContainsAny(s, " \t\n/\\\"'") || !strings.ContainsAny(s, "0123456789") {
				t.Fatalf("ParseID(%q) = HSS vul id", s)
			}
		default:
			t.Fatalf("ParseID(%q) = %v without an error", s, kind)
		}
		if idKey(s) != strings.ToUpper(s) {
			t.Fatalf("idKey(%q) = %q", s, idKey(s))
		}
	})
}

func FuzzParseImageRef(f *testing.F) {
	for _, s := range []string{"shop/web:2.0", "nginx@sha256:" + strings.Repeat("0", 64), "a/b:c@sha256:" + strings.Repeat("f", 64), "shop/web"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := parseImageRef(s)
		if err != nil {
			return
		}
		if ref.repo == "" || (ref.tag == "" && ref.digest == "") {
			t.Fatalf("parseImageRef(%q) = %+v", s, ref)
		}
		// The reference matches the image it names.
		ns, name := "", ref.repo
		if i := strings.LastIndexByte(ref.repo, '/'); i >= 0 {
			ns, name = ref.repo[:i], ref.repo[i+1:]
		}
		img := Image{Namespace: ns, Name: name, Tag: ref.tag, Digest: ref.digest}
		if !ref.matches(&img) {
			t.Fatalf("parseImageRef(%q) = %+v does not match %+v", s, ref, img)
		}
	})
}
