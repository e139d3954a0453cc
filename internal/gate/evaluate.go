package gate

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Finding is one vulnerability HSS found in an image: one row of the
// per-image list, with its CVEs from the CVE call.
type Finding struct {
	VulID    string   // HSS vul_id; required
	CVEIDs   []string // the vulnerability's CVE ids; may be empty
	Severity Severity // normalised; required (see NormalizeHSSSeverity)
	// HSSSeverity is the severity as HSS wrote it (repair_necessity or
	// severity_level); when set, it must normalise to Severity.
	HSSSeverity string
	// MaxCVSS is the highest CVSS score of its CVEs (0–10); nil when
	// unknown, which a finding without CVE ids always is.
	MaxCVSS *float64
	// PublishedAt is the earliest publish time of its CVEs; nil when
	// unknown.
	PublishedAt *time.Time
	Type        string // linux_vul or app_vul
	Handled     bool   // HSS marks it handled
	Package     string // app_name
	Version     string
	Path        string // app_path (app_vul)
	Layer       string // position: the image layer
	Solution    string
	URL         string
}

// Image is the identity of the image evaluated. The zero Image is an image
// whose identity is unknown (as for a pure function given findings alone):
// exceptions limited to an image then never apply.
type Image struct {
	Type      string // HSS image type, e.g. private_image
	Namespace string
	Name      string
	Tag       string
	Digest    string    // sha256:…
	ID        string    // HSS image id
	ScanTime  time.Time // last successful scan; zero when unknown
}

// repository is namespace/name, or name alone without a namespace.
func (img *Image) repository() string {
	if img.Namespace == "" {
		return img.Name
	}
	return img.Namespace + "/" + img.Name
}

// Reference renders the image as namespace/name:tag (as an exception's
// image names it); empty when unknown.
func (img *Image) Reference() string {
	if img.Name == "" {
		return ""
	}
	s := img.repository()
	if img.Tag != "" {
		s += ":" + img.Tag
	}
	return s
}

// ReportCount is one security report's record count, as the caller read it
// for the image. A type missing from the map passed to Evaluate, or with
// Err set, could not be read.
type ReportCount struct {
	Count int64
	Err   error
}

// Result is the verdict. Every list is sorted (see the field comments), so
// the same inputs give the same output byte for byte.
type Result struct {
	// Passed is true when there is no violation.
	Passed bool
	// Image and Now are as given to Evaluate.
	Image Image
	Now   time.Time
	// The policy in force, defaults applied.
	FailOn      Severity
	MaxCVSS     *float64
	GracePeriod time.Duration
	HSSHandled  string
	WarnBefore  time.Duration
	// Baseline is the deployed image of the ratchet; nil without one.
	Baseline *Image
	// Findings is the number of findings given; HandledIgnored of them were
	// dropped because HSS marks them handled and hss_handled is ignore.
	Findings       int
	HandledIgnored int

	// Violations fail the gate: report types first (by type), then findings
	// by severity (highest first), CVSS (highest first, unknown last),
	// vulnerability id, package, version and path.
	Violations []Violation
	// Excepted are the findings that would fail but for active exceptions,
	// in the order of Violations.
	Excepted []Excepted
	// Inherited would fail, but the deployed image (new_only_against) has
	// them too.
	Inherited []Violation
	// InGrace would fail only on severity, but their earliest CVE has been
	// public for at most grace_period; GraceEnds says until when.
	InGrace []Violation

	// LapsedExceptions expired at or before Now: no longer applied.
	LapsedExceptions []ExceptionRef
	// ExpiringExceptions are active and expire within WarnBefore.
	ExpiringExceptions []ExceptionRef
	// UnusedExceptions are active and match no finding of the image
	// (stale). The three lists are in policy order.
	UnusedExceptions []ExceptionRef
}

// Violation is one reason the gate fails: a finding, or a report type's
// count (ReportType set, Finding zero).
type Violation struct {
	Finding
	// ReportType is set for a max_report_counts violation.
	ReportType string
	// Reasons say why it fails, e.g. "severity high ≥ fail_on high",
	// "CVE-2024-1234 is denied", "CVSS 9.8 ≥ max_cvss 9", "report type
	// malwares: 2 > 0".
	Reasons []string
	// Notes explain what did not save it: exceptions that cover only some of
	// its CVEs, lapsed exceptions, a deny overriding an exception.
	Notes []string
	// GraceEnds is when a finding in grace starts to fail (InGrace only).
	GraceEnds time.Time
}

// Excepted is a finding that would fail but for active exceptions.
type Excepted struct {
	Finding
	// Reasons say what it would fail for.
	Reasons []string
	// Exceptions are the active exceptions that cover it, in policy order.
	Exceptions []ExceptionRef
}

// ExceptionRef is one exception of the policy, as written, with where it is
// and when it stops applying.
type ExceptionRef struct {
	Index   int // position in policy.exceptions
	ID      string
	Reason  string
	Expires string // as written
	Package string
	Image   string
	// ExpiresAt is the first instant at which it no longer applies (UTC).
	ExpiresAt time.Time
}

// Attribute names the exception as Terraform users read it.
func (e *ExceptionRef) Attribute() string { return fmt.Sprintf("policy.exceptions[%d]", e.Index) }

// cvssEpsilon absorbs float32 rounding (HSS types CVSS as float32: 9.7
// arrives as 9.6999998…), so that a score is never read as below a limit it
// equals. It errs towards failing.
const cvssEpsilon = 1e-6

// Evaluate judges findings against p at now, for the image img; reports
// holds the security report counts read for img (only the types of
// p.MaxReportCounts are looked at; nil when there are none). It returns an
// error, and no verdict, when p or a finding is invalid (every mistake,
// each a *FieldError naming its attribute) or now is the zero time.
func Evaluate(findings []Finding, p Policy, now time.Time, img Image, reports map[string]ReportCount) (Result, error) {
	c, errs := p.compile()
	for i := range findings {
		validateFinding(&findings[i], &errs, "vulnerabilities", i)
	}
	if err := errs.err(); err != nil {
		return Result{}, err
	}
	if now.IsZero() {
		return Result{}, errors.New("the time to evaluate at is not set")
	}
	r := Result{
		Image: img, Now: now, FailOn: c.failOn, MaxCVSS: c.maxCVSS, GracePeriod: c.grace, WarnBefore: c.warnBefore,
		HSSHandled: HandledFail, Baseline: c.baseImage, Findings: len(findings),
	}
	if c.ignore {
		r.HSSHandled = HandledIgnore
	}

	// The exceptions that take part: those for this image (or any image).
	// Lapsed ones are reported and dropped; the active ones are indexed by id.
	active := map[string][]*compiledException{}
	var activeList []*compiledException
	for i := range c.exceptions {
		e := &c.exceptions[i]
		if e.imageRef != nil && !e.imageRef.matches(&img) {
			continue
		}
		if !now.Before(e.expiresAt) {
			r.LapsedExceptions = append(r.LapsedExceptions, e.ref)
			continue
		}
		if !e.expiresAt.After(now.Add(c.warnBefore)) {
			r.ExpiringExceptions = append(r.ExpiringExceptions, e.ref)
		}
		active[e.key] = append(active[e.key], e)
		activeList = append(activeList, e)
	}
	lapsed := map[string][]*ExceptionRef{}
	for i := range r.LapsedExceptions {
		e := &r.LapsedExceptions[i]
		lapsed[idKey(e.ID)] = append(lapsed[idKey(e.ID)], e)
	}
	used := map[*compiledException]bool{}

	// Judge every finding, then fill lists of the right size (the elements
	// are large: growing the lists by appending costs more than judging).
	evs := make([]evaluation, len(findings))
	var counts [outcomeHandled + 1]int
	for i := range findings {
		evs[i] = judge(c, &findings[i], now, active, lapsed, used)
		counts[evs[i].outcome]++
	}
	r.HandledIgnored = counts[outcomeHandled]
	r.Violations = make([]Violation, 0, counts[outcomeViolation]+len(c.reports))
	r.Excepted = make([]Excepted, 0, counts[outcomeExcepted])
	r.Inherited = make([]Violation, 0, counts[outcomeInherited])
	r.InGrace = make([]Violation, 0, counts[outcomeInGrace])
	for i := range findings {
		ev := &evs[i]
		switch ev.outcome {
		case outcomeViolation:
			r.Violations = append(r.Violations, Violation{Finding: ev.finding, Reasons: ev.reasons, Notes: ev.notes})
		case outcomeExcepted:
			r.Excepted = append(r.Excepted, Excepted{Finding: ev.finding, Reasons: ev.reasons, Exceptions: ev.covering})
		case outcomeInherited:
			r.Inherited = append(r.Inherited, Violation{Finding: ev.finding, Reasons: ev.reasons, Notes: ev.notes})
		case outcomeInGrace:
			r.InGrace = append(r.InGrace, Violation{Finding: ev.finding, Reasons: ev.reasons, Notes: ev.notes,
				GraceEnds: ev.finding.PublishedAt.Add(c.grace)})
		}
	}
	for _, e := range activeList {
		if !used[e] {
			r.UnusedExceptions = append(r.UnusedExceptions, e.ref)
		}
	}

	var reportViolations []Violation
	for _, t := range c.reports {
		rc, ok := reports[t]
		var why string
		switch {
		case !ok:
			why = fmt.Sprintf("report type %s could not be read", t)
		case rc.Err != nil:
			why = fmt.Sprintf("report type %s could not be read: %v", t, rc.Err)
		case rc.Count < 0:
			why = fmt.Sprintf("report type %s could not be read: its count %d is negative", t, rc.Count)
		case rc.Count > c.maxReports[t]:
			why = fmt.Sprintf("report type %s: %d > %d", t, rc.Count, c.maxReports[t])
		default:
			continue
		}
		reportViolations = append(reportViolations, Violation{ReportType: t, Reasons: []string{why}})
	}

	sortViolations(r.Violations)
	r.Violations = append(reportViolations, r.Violations...)
	sortViolations(r.Inherited)
	sortViolations(r.InGrace)
	sortByFinding(r.Excepted, func(x *Excepted) *Finding { return &x.Finding })
	r.Passed = len(r.Violations) == 0
	return r, nil
}

type outcome int

const (
	outcomePass outcome = iota
	outcomeViolation
	outcomeExcepted
	outcomeInherited
	outcomeInGrace
	outcomeHandled
)

type evaluation struct {
	outcome  outcome
	finding  Finding // normalised; set unless the finding passes or is dropped
	reasons  []string
	notes    []string
	covering []ExceptionRef
}

// judge decides one finding, marking the active exceptions that match it as
// used.
func judge(c *compiled, in *Finding, now time.Time, active map[string][]*compiledException,
	lapsed map[string][]*ExceptionRef, used map[*compiledException]bool) evaluation {
	var ev evaluation
	ev.finding = normalized(in)
	f := &ev.finding

	// Exceptions: which active ones match this finding (by vul id or a CVE
	// id, in its package), and whether they cover it.
	applies := func(e *compiledException) bool { return e.ref.Package == "" || e.ref.Package == f.Package }
	var matched []*compiledException
	byVul := false
	for _, e := range active[idKey(f.VulID)] {
		if applies(e) {
			matched = append(matched, e)
			byVul = true
		}
	}
	var uncovered, coveredCVEs []string
	for _, cve := range f.CVEIDs {
		hit := false
		for _, e := range active[idKey(cve)] {
			if applies(e) {
				if !slices.Contains(matched, e) {
					matched = append(matched, e)
				}
				hit = true
			}
		}
		if hit {
			coveredCVEs = append(coveredCVEs, cve)
		} else {
			uncovered = append(uncovered, cve)
		}
	}
	for _, e := range matched {
		used[e] = true
	}
	covered := byVul || (len(f.CVEIDs) > 0 && len(uncovered) == 0)

	// Deny: always fails.
	var denied []string
	for _, id := range append([]string{f.VulID}, f.CVEIDs...) {
		if c.deny[idKey(id)] && !slices.Contains(denied, id) {
			denied = append(denied, id)
		}
	}
	for _, id := range denied {
		ev.reasons = append(ev.reasons, id+" is denied")
	}

	// The other rules, unless HSS marks it handled and handled ones are
	// ignored.
	handledIgnored := f.Handled && c.ignore
	onSeverity := false
	if !handledIgnored {
		if c.maxCVSS != nil {
			switch {
			case f.MaxCVSS != nil && *f.MaxCVSS >= *c.maxCVSS-cvssEpsilon:
				ev.reasons = append(ev.reasons, fmt.Sprintf("CVSS %s ≥ max_cvss %s", score(*f.MaxCVSS), score(*c.maxCVSS)))
			case f.MaxCVSS == nil && len(f.CVEIDs) > 0:
				ev.reasons = append(ev.reasons, fmt.Sprintf("CVSS unknown for its %d CVE(s), so not below max_cvss %s",
					len(f.CVEIDs), score(*c.maxCVSS)))
			}
		}
		if f.Severity.AtLeast(c.failOn) {
			ev.reasons = append(ev.reasons, severityReason(f.Severity, c.failOn))
			onSeverity = len(ev.reasons) == 1
		}
	}

	coverNotes := func() {
		if !covered && len(coveredCVEs) > 0 {
			ev.notes = append(ev.notes, fmt.Sprintf("active exceptions cover %s but not %s: every CVE id must be excepted",
				strings.Join(coveredCVEs, ", "), strings.Join(uncovered, ", ")))
		}
		for _, id := range append([]string{f.VulID}, f.CVEIDs...) {
			for _, e := range lapsed[idKey(id)] {
				if e.Package == "" || e.Package == f.Package {
					ev.notes = append(ev.notes, fmt.Sprintf("exception %s (%s) lapsed at %s", e.Attribute(), e.ID,
						e.ExpiresAt.Format(time.RFC3339)))
				}
			}
		}
		ev.notes = dedupe(ev.notes)
	}

	switch {
	case len(denied) > 0:
		ev.outcome = outcomeViolation
		if covered {
			for _, e := range matched {
				ev.notes = append(ev.notes, fmt.Sprintf("deny wins over exception %s (%s)", e.ref.Attribute(), e.ref.ID))
			}
		}
		if handledIgnored {
			ev.notes = append(ev.notes, "HSS marks it handled, but a denied id fails whatever hss_handled says")
		}
		coverNotes()
	case handledIgnored:
		ev.outcome = outcomeHandled
		ev.finding = Finding{}
	case len(ev.reasons) == 0:
		ev.outcome = outcomePass
		ev.finding = Finding{}
	case covered:
		ev.outcome = outcomeExcepted
		for _, e := range matched {
			ev.covering = append(ev.covering, e.ref)
		}
		slices.SortFunc(ev.covering, func(a, b ExceptionRef) int { return cmp.Compare(a.Index, b.Index) })
	case c.baseline != nil && c.baseline[findingKey(f)]:
		ev.outcome = outcomeInherited
		coverNotes()
	case onSeverity && c.grace > 0 && f.PublishedAt != nil && !f.PublishedAt.After(now) && now.Sub(*f.PublishedAt) <= c.grace:
		ev.outcome = outcomeInGrace
		coverNotes()
	default:
		ev.outcome = outcomeViolation
		coverNotes()
	}
	return ev
}

// dedupe drops repeated strings, keeping the first of each.
func dedupe(ss []string) []string {
	var out []string
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// severityReasons are the reasons a severity fails, by severity and
// fail_on: built once, not once per finding.
var severityReasons = func() map[[2]Severity]string {
	m := map[[2]Severity]string{}
	for _, s := range []Severity{Low, Medium, High} {
		for _, failOn := range []Severity{Low, Medium, High} {
			m[[2]Severity{s, failOn}] = fmt.Sprintf("severity %s ≥ fail_on %s", s, failOn)
		}
	}
	return m
}()

func severityReason(s, failOn Severity) string {
	if r, ok := severityReasons[[2]Severity{s, failOn}]; ok {
		return r
	}
	return fmt.Sprintf("severity %s ≥ fail_on %s", s, failOn)
}

// findingKey identifies a finding for the ratchet: its vulnerability id and
// package. Version, path and layer may differ: an upgrade that is still
// vulnerable is not a new finding.
func findingKey(f *Finding) string { return idKey(f.VulID) + "\x00" + f.Package }

// validateFinding checks what the verdict depends on.
func validateFinding(f *Finding, errs *fieldErrors, path ...any) {
	at := func(attr string) []any { return append(slices.Clip(path), attr) }
	if blank(f.VulID) {
		errs.add("vul_id is empty: a finding must name its vulnerability", at("vul_id")...)
	}
	if !f.Severity.Valid() {
		errs.add(fmt.Sprintf("severity %q of %s is not one of %s", string(f.Severity), f.VulID, strings.Join(Severities(), ", ")),
			at("severity")...)
	} else if f.HSSSeverity != "" {
		// HSS's own value, when given, must say the same: a severity
		// lowered on the way here fails instead of passing.
		switch s, err := NormalizeHSSSeverity(f.HSSSeverity); {
		case err != nil:
			errs.add(fmt.Sprintf("%v (of %s)", err, f.VulID), at("hss_severity")...)
		case s != f.Severity:
			errs.add(fmt.Sprintf("severity %s of %s disagrees with its hss_severity %q, which is %s", f.Severity, f.VulID, f.HSSSeverity, s),
				at("severity")...)
		}
	}
	if f.MaxCVSS != nil && (math.IsNaN(*f.MaxCVSS) || *f.MaxCVSS < 0 || *f.MaxCVSS > 10) {
		errs.add(fmt.Sprintf("max_cvss %s of %s is outside 0–10", strconv.FormatFloat(*f.MaxCVSS, 'g', -1, 64), f.VulID),
			at("max_cvss")...)
	}
	for j, id := range f.CVEIDs {
		if blank(id) {
			errs.add(fmt.Sprintf("CVE id %d of %s is empty", j, f.VulID), append(at("cve_ids"), j)...)
		}
	}
}

// normalized is a copy of f whose CVE ids are sorted and without
// duplicates (ignoring letter case), so that output does not depend on the
// order HSS lists them in.
func normalized(f *Finding) Finding {
	out := *f
	if len(f.CVEIDs) > 1 {
		ids := slices.Clone(f.CVEIDs)
		slices.SortFunc(ids, func(a, b string) int { return cmp.Or(strings.Compare(idKey(a), idKey(b)), strings.Compare(a, b)) })
		out.CVEIDs = slices.CompactFunc(ids, func(a, b string) bool { return idKey(a) == idKey(b) })
	} else {
		out.CVEIDs = slices.Clone(f.CVEIDs)
	}
	return out
}

func sortViolations(vs []Violation) {
	sortByFinding(vs, func(v *Violation) *Finding { return &v.Finding })
}

// sortByFinding sorts xs by their findings (CompareFindings). It sorts
// indexes and then moves each element once: the elements are large.
// Findings that compare equal are equal in every field, and so are the
// elements made from them, so the order is fully determined.
func sortByFinding[T any](xs []T, finding func(*T) *Finding) {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return CompareFindings(finding(&xs[a]), finding(&xs[b])) })
	sorted := make([]T, len(xs))
	for i, j := range idx {
		sorted[i] = xs[j]
	}
	copy(xs, sorted)
}

// CompareFindings orders findings: severity (highest first), CVSS (highest
// first, unknown last), then every other field. It is total: findings that
// differ in any field compare unequal. The data sources list findings in
// this order too.
func CompareFindings(a, b *Finding) int {
	if c := cmp.Compare(b.Severity.rank(), a.Severity.rank()); c != 0 {
		return c
	}
	switch {
	case a.MaxCVSS != nil && b.MaxCVSS != nil:
		if c := cmp.Compare(*b.MaxCVSS, *a.MaxCVSS); c != 0 {
			return c
		}
	case a.MaxCVSS != nil:
		return -1
	case b.MaxCVSS != nil:
		return 1
	}
	// One field at a time: most pairs differ in the first.
	for _, k := range [...][2]*string{{&a.VulID, &b.VulID}, {&a.Package, &b.Package}, {&a.Version, &b.Version},
		{&a.Path, &b.Path}, {&a.Layer, &b.Layer}, {&a.Type, &b.Type}} {
		if c := strings.Compare(*k[0], *k[1]); c != 0 {
			return c
		}
	}
	if c := slices.Compare(a.CVEIDs, b.CVEIDs); c != 0 {
		return c
	}
	if c := compareBool(a.Handled, b.Handled); c != 0 {
		return c
	}
	if c := compareTime(a.PublishedAt, b.PublishedAt); c != 0 {
		return c
	}
	return cmp.Or(strings.Compare(a.HSSSeverity, b.HSSSeverity), strings.Compare(a.Solution, b.Solution), strings.Compare(a.URL, b.URL))
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func compareTime(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return a.Compare(*b)
}

// score renders a CVSS score as people write it: 9.8, not 9.800000190734863.
func score(v float64) string {
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64)
}
