package gate

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Policy says what fails. Its fields are as a user writes them (durations
// as Go duration strings, expiries as text), so that the Terraform surface
// can hand them over unchanged and [Policy.Validate] names the attribute of
// every mistake. The zero Policy is valid: fail_on high, nothing else.
type Policy struct {
	// FailOn is the lowest severity that fails: "high" (the default, when
	// empty), "medium" or "low".
	FailOn string
	// MaxCVSS, when set (0–10), fails a finding whose highest CVSS is at or
	// above it, whatever its severity.
	MaxCVSS *float64
	// GracePeriod, when set (a Go duration, >= 0), lets a finding that would
	// fail only on severity pass while its earliest CVE has been public for
	// at most this long. A finding without a publish time is never in grace;
	// "0s" is no grace.
	GracePeriod string
	// Deny lists vulnerability or CVE ids that always fail.
	Deny []string
	// HSSHandled is "fail" (the default, when empty: a finding HSS marks
	// handled still counts, since a console click is not a reviewed
	// exception) or "ignore" (it does not count).
	HSSHandled string
	// MaxReportCounts maps a report type (see [ReportTypes]) to the highest
	// record count it may have; a type whose count could not be read fails.
	MaxReportCounts map[string]int64
	// Exceptions accept findings until they expire.
	Exceptions []Exception
	// NewOnlyAgainst, when set, is the ratchet: the findings of the image
	// deployed now (another version of the same repository, known and
	// successfully scanned: the caller checks that). Only findings that image
	// does not have can fail, except denied ones.
	NewOnlyAgainst *Baseline
	// WarnBefore is how long before its expiry an exception is reported as
	// expiring (a Go duration, >= 0); default 14 days ("336h").
	WarnBefore string
}

// Exception accepts the findings it covers until it expires.
type Exception struct {
	// ID is a CVE id or an HSS vulnerability id (see [ParseID]).
	ID string
	// Reason is why the risk is accepted; required, not blank.
	Reason string
	// Expires is RFC 3339, or YYYY-MM-DD meaning through the end of that
	// day UTC (see [ParseExpiry]); required.
	Expires string
	// Package, when set, limits the exception to findings in that package
	// (compared exactly).
	Package string
	// Image, when set, limits the exception to one image:
	// namespace/name:tag, namespace/name@sha256:… or both, as HSS lists the
	// image (no registry host).
	Image string
}

// Baseline is the deployed image the ratchet compares against.
type Baseline struct {
	Image    Image
	Findings []Finding
}

// Hss_handled values.
const (
	HandledFail   = "fail"
	HandledIgnore = "ignore"
)

// DefaultWarnBefore is WarnBefore's default: 14 days.
const DefaultWarnBefore = 14 * 24 * time.Hour

// ReportTypes are the security report types max_report_counts may name: those
// the image security report statistic counts.
func ReportTypes() []string {
	return []string{"vulnerability", "risk-config", "malwares", "apps", "files", "sensitive-info", "non-compliant-app", "build-command-risks"}
}

// FieldError is one mistake in a policy or in findings, at an attribute.
type FieldError struct {
	// Path leads from the root ("policy" or "vulnerabilities") to the
	// attribute: attribute names as string, list indexes as int, map keys
	// as [MapKey].
	Path []any
	// Message says what is wrong and what is allowed.
	Message string
}

// MapKey is a map key in a [FieldError] path.
type MapKey string

// Attribute renders the path as Terraform users read it, e.g.
// policy.exceptions[2].expires or policy.max_report_counts["malwares"].
func (e *FieldError) Attribute() string {
	var b strings.Builder
	for i, step := range e.Path {
		switch s := step.(type) {
		case string:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s)
		case int:
			fmt.Fprintf(&b, "[%d]", s)
		case MapKey:
			fmt.Fprintf(&b, "[%q]", string(s))
		}
	}
	return b.String()
}

func (e *FieldError) Error() string { return e.Attribute() + ": " + e.Message }

// FieldErrors returns the *FieldError mistakes an error of [Evaluate]
// holds, in order; none for any other error.
func FieldErrors(err error) []*FieldError {
	var out []*FieldError
	var fe *FieldError
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			if errors.As(e, &fe) {
				out = append(out, fe)
			}
		}
	} else if errors.As(err, &fe) {
		out = append(out, fe)
	}
	return out
}

// fieldErrors collects FieldErrors under a root path.
type fieldErrors []*FieldError

func (fe *fieldErrors) add(msg string, path ...any) {
	*fe = append(*fe, &FieldError{Path: path, Message: msg})
}

func (fe fieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	errs := make([]error, len(fe))
	for i, e := range fe {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// Validate checks every field of the policy and returns each mistake,
// naming its attribute under "policy" and the allowed values; none when the
// policy is valid.
func (p *Policy) Validate() []*FieldError {
	_, errs := p.compile()
	return errs
}

// compiled is a validated policy, ready to evaluate.
type compiled struct {
	failOn     Severity
	maxCVSS    *float64
	grace      time.Duration
	deny       map[string]bool // by idKey
	ignore     bool            // hss_handled = ignore
	reports    []string        // max_report_counts' types, sorted
	maxReports map[string]int64
	exceptions []compiledException
	baseline   map[string]bool // by findingKey; nil without a ratchet
	baseImage  *Image
	warnBefore time.Duration
}

type compiledException struct {
	ref       ExceptionRef
	key       string // idKey(ID)
	imageRef  *imageRef
	expiresAt time.Time
}

// compile validates p and turns it into the form Evaluate uses.
func (p *Policy) compile() (*compiled, fieldErrors) {
	var errs fieldErrors
	c := &compiled{failOn: High, warnBefore: DefaultWarnBefore, deny: map[string]bool{}}

	if p.FailOn != "" {
		s, err := ParseSeverity(p.FailOn)
		if err != nil {
			errs.add(err.Error(), "policy", "fail_on")
		}
		c.failOn = s
	}
	if p.MaxCVSS != nil {
		v := *p.MaxCVSS
		if math.IsNaN(v) || v < 0 || v > 10 {
			errs.add(fmt.Sprintf("max_cvss %s is outside 0–10: allowed values are 0 to 10", strconv.FormatFloat(v, 'g', -1, 64)),
				"policy", "max_cvss")
		}
		c.maxCVSS = &v
	}
	c.grace = parseDuration(p.GracePeriod, 0, &errs, "grace_period")
	c.warnBefore = parseDuration(p.WarnBefore, DefaultWarnBefore, &errs, "warn_before")
	for i, id := range p.Deny {
		if _, err := ParseID(id); err != nil {
			errs.add(err.Error(), "policy", "deny", i)
			continue
		}
		c.deny[idKey(id)] = true
	}
	switch p.HSSHandled {
	case "", HandledFail:
	case HandledIgnore:
		c.ignore = true
	default:
		errs.add(fmt.Sprintf("unknown hss_handled %q: allowed values are %s (a finding HSS marks handled still counts) "+
			"and %s (it does not)", p.HSSHandled, HandledFail, HandledIgnore), "policy", "hss_handled")
	}
	c.maxReports = map[string]int64{}
	for t, n := range p.MaxReportCounts {
		if !slices.Contains(ReportTypes(), t) {
			errs.add(fmt.Sprintf("unknown report type %q: allowed values are %s", t, strings.Join(ReportTypes(), ", ")),
				"policy", "max_report_counts", MapKey(t))
			continue
		}
		if n < 0 {
			errs.add(fmt.Sprintf("maximum count %d is negative: allowed values are 0 and up", n), "policy", "max_report_counts", MapKey(t))
			continue
		}
		c.reports = append(c.reports, t)
		c.maxReports[t] = n
	}
	slices.Sort(c.reports)
	for i, e := range p.Exceptions {
		ce := compiledException{ref: ExceptionRef{Index: i, ID: e.ID, Reason: e.Reason, Expires: e.Expires, Package: e.Package, Image: e.Image}}
		ok := true
		if _, err := ParseID(e.ID); err != nil {
			errs.add(err.Error(), "policy", "exceptions", i, "id")
			ok = false
		}
		if blank(e.Reason) {
			errs.add("reason is blank: say why the risk is accepted", "policy", "exceptions", i, "reason")
			ok = false
		}
		if e.Expires == "" {
			errs.add("expires is required: RFC 3339 (2026-12-31T23:59:59Z) or a date YYYY-MM-DD (through the end of that day UTC)",
				"policy", "exceptions", i, "expires")
			ok = false
		} else if t, err := ParseExpiry(e.Expires); err != nil {
			errs.add(err.Error(), "policy", "exceptions", i, "expires")
			ok = false
		} else {
			ce.expiresAt = t
			ce.ref.ExpiresAt = t
		}
		if e.Package != "" && blank(e.Package) {
			errs.add("package is blank: name the package as HSS reports it, or leave package unset", "policy", "exceptions", i, "package")
			ok = false
		}
		if e.Image != "" {
			ref, err := parseImageRef(e.Image)
			if err != nil {
				errs.add(err.Error(), "policy", "exceptions", i, "image")
				ok = false
			}
			ce.imageRef = &ref
		}
		if ok {
			ce.key = idKey(e.ID)
			c.exceptions = append(c.exceptions, ce)
		}
	}
	if b := p.NewOnlyAgainst; b != nil {
		img := b.Image
		c.baseImage = &img
		c.baseline = make(map[string]bool, len(b.Findings))
		for i := range b.Findings {
			f := &b.Findings[i]
			validateFinding(f, &errs, "policy", "new_only_against", "findings", i)
			c.baseline[findingKey(f)] = true
		}
	}
	return c, errs
}

// parseDuration reads an optional non-negative Go duration.
func parseDuration(s string, def time.Duration, errs *fieldErrors, attr string) time.Duration {
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		errs.add(fmt.Sprintf("%s %q is not a Go duration: write it like \"168h\" or \"36h30m\" (units ns, us, ms, s, m, h)", attr, s),
			"policy", attr)
	case d < 0:
		errs.add(fmt.Sprintf("%s %s is negative: allowed values are 0s and up", attr, s), "policy", attr)
	default:
		return d
	}
	return def
}

// blank reports whether s has no visible character.
func blank(s string) bool {
	for _, r := range s {
		if unicode.IsGraphic(r) && !unicode.IsSpace(r) {
			return false
		}
	}
	return true
}
