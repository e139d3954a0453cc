package gate

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"
)

// MarkdownRows is the most rows a table of [Markdown] shows; the rest are
// counted below it (a pull-request comment holds at most 65,536 characters).
const MarkdownRows = 100

// ErrorRows is the most violations [ErrorTable] lists.
const ErrorRows = 20

// Markdown renders r as a reviewer reads it in a pull-request comment: the
// image, its digest and scan time, the verdict and the policy, then the
// violations, the excepted findings with each exception's reason and
// expiry, the findings in grace or inherited from the deployed image, and
// the lapsed, expiring and unused exceptions. Text that comes from HSS or
// the policy is escaped, so it cannot break a table, inject HTML or
// mention anyone.
func Markdown(r *Result) string {
	var b strings.Builder
	if r.Passed {
		b.WriteString("## HSS image gate: ✅ passed\n\n")
	} else {
		fmt.Fprintf(&b, "## HSS image gate: ❌ failed, %s\n\n", plural(len(r.Violations), "violation"))
	}

	b.WriteString("| | |\n|---|---|\n")
	image := "unknown"
	if ref := r.Image.Reference(); ref != "" {
		image = md(ref)
		if r.Image.Type != "" {
			image += " (" + md(r.Image.Type) + ")"
		}
	}
	row(&b, "Image", image)
	row(&b, "Digest", orUnknown(md(r.Image.Digest)))
	row(&b, "Scanned", orUnknown(timeText(r.Image.ScanTime)))
	row(&b, "Evaluated at", timeText(r.Now))
	row(&b, "Policy", policyText(r))
	if r.Baseline != nil {
		ref := r.Baseline.Reference()
		if ref == "" {
			ref = "the deployed image"
		} else {
			ref = md(ref)
		}
		row(&b, "Ratchet", "only findings that "+ref+" does not have can fail (denied ones always fail)")
	}
	findings := plural(r.Findings, "finding")
	if r.HandledIgnored > 0 {
		findings += fmt.Sprintf(", of which %d marked handled in HSS not counted (hss_handled = ignore)", r.HandledIgnored)
	}
	row(&b, "Findings", findings)

	if len(r.Violations) > 0 {
		section(&b, "Violations", len(r.Violations), "")
		b.WriteString("| Vulnerability | CVEs | Severity | CVSS | Package | Version | Path | Why |\n|---|---|---|---|---|---|---|---|\n")
		for i, v := range r.Violations {
			if more(&b, i, len(r.Violations)) {
				break
			}
			if v.ReportType != "" {
				fmt.Fprintf(&b, "| report %s | | | | | | | %s |\n", md(v.ReportType), why(v.Reasons, v.Notes))
				continue
			}
			f := &v.Finding
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", vulnCell(f), cves(f.CVEIDs), severityCell(f),
				cvssCell(f.MaxCVSS), md(f.Package), md(f.Version), md(f.Path), why(v.Reasons, v.Notes))
		}
	}

	if len(r.Excepted) > 0 {
		section(&b, "Excepted", len(r.Excepted), "would fail, accepted by an active exception")
		b.WriteString("| Vulnerability | CVEs | Severity | Package | Version | Would fail on | Exception | Reason | Expires |\n" +
			"|---|---|---|---|---|---|---|---|---|\n")
		for i, x := range r.Excepted {
			if more(&b, i, len(r.Excepted)) {
				break
			}
			var ids, reasons, expires []string
			for _, e := range x.Exceptions {
				ids = append(ids, fmt.Sprintf("%s (#%d)", md(e.ID), e.Index))
				reasons = append(reasons, md(e.Reason))
				expires = append(expires, expiryText(&e))
			}
			f := &x.Finding
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", vulnCell(f), cves(f.CVEIDs), severityCell(f),
				md(f.Package), md(f.Version), why(x.Reasons, nil), strings.Join(ids, "<br>"),
				strings.Join(reasons, "<br>"), strings.Join(expires, "<br>"))
		}
	}

	if len(r.InGrace) > 0 {
		section(&b, "In grace", len(r.InGrace), "fail on severity alone once their earliest CVE has been public longer than "+
			durationText(r.GracePeriod))
		b.WriteString("| Vulnerability | CVEs | Severity | Package | Version | Published | Fails after |\n|---|---|---|---|---|---|---|\n")
		for i, v := range r.InGrace {
			if more(&b, i, len(r.InGrace)) {
				break
			}
			f := &v.Finding
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", vulnCell(f), cves(f.CVEIDs), severityCell(f),
				md(f.Package), md(f.Version), timeText(*f.PublishedAt), timeText(v.GraceEnds))
		}
	}

	if len(r.Inherited) > 0 {
		section(&b, "Inherited", len(r.Inherited), "would fail, but the deployed image has them too")
		b.WriteString("| Vulnerability | CVEs | Severity | CVSS | Package | Version | Would fail on |\n|---|---|---|---|---|---|---|\n")
		for i, v := range r.Inherited {
			if more(&b, i, len(r.Inherited)) {
				break
			}
			f := &v.Finding
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", vulnCell(f), cves(f.CVEIDs), severityCell(f),
				cvssCell(f.MaxCVSS), md(f.Package), md(f.Version), why(v.Reasons, v.Notes))
		}
	}

	exceptionTable(&b, "Lapsed exceptions", "expired, no longer applied: renew them with a new reason or remove them",
		"Expired", r.LapsedExceptions)
	exceptionTable(&b, "Expiring exceptions", "expire within "+durationText(r.WarnBefore), "Expires", r.ExpiringExceptions)
	exceptionTable(&b, "Unused exceptions", "active, but match no finding of this image (stale)", "Expires", r.UnusedExceptions)
	return b.String()
}

func exceptionTable(b *strings.Builder, title, about, expiresHeader string, es []ExceptionRef) {
	if len(es) == 0 {
		return
	}
	section(b, title, len(es), about)
	fmt.Fprintf(b, "| Exception | Id | Package | Image | Reason | %s |\n|---|---|---|---|---|---|\n", expiresHeader)
	for i, e := range es {
		if more(b, i, len(es)) {
			break
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", md(e.Attribute()), md(e.ID), md(e.Package), md(e.Image),
			md(e.Reason), expiryText(&e))
	}
}

func section(b *strings.Builder, title string, n int, about string) {
	fmt.Fprintf(b, "\n### %s (%d)\n\n", title, n)
	if about != "" {
		b.WriteString(md(about) + ".\n\n")
	}
}

// more writes the "and N more" line and reports true once i reaches
// MarkdownRows.
func more(b *strings.Builder, i, n int) bool {
	if i < MarkdownRows {
		return false
	}
	fmt.Fprintf(b, "\n… and %d more, not shown (%d in all).\n", n-i, n)
	return true
}

func row(b *strings.Builder, k, v string) { fmt.Fprintf(b, "| %s | %s |\n", k, v) }

func policyText(r *Result) string {
	parts := []string{"fail_on " + string(r.FailOn)}
	if r.MaxCVSS != nil {
		parts = append(parts, "max_cvss "+score(*r.MaxCVSS))
	}
	if r.GracePeriod > 0 {
		parts = append(parts, "grace_period "+durationText(r.GracePeriod))
	}
	parts = append(parts, "hss_handled "+r.HSSHandled)
	return strings.Join(parts, ", ")
}

func vulnCell(f *Finding) string {
	if u := safeURL(f.URL); u != "" {
		return "[" + md(f.VulID) + "](" + u + ")"
	}
	return md(f.VulID)
}

func severityCell(f *Finding) string {
	s := string(f.Severity)
	if f.HSSSeverity != "" && !strings.EqualFold(f.HSSSeverity, s) {
		s += " (" + md(f.HSSSeverity) + ")"
	}
	return s
}

func cvssCell(v *float64) string {
	if v == nil {
		return "–"
	}
	return score(*v)
}

func cves(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = md(id)
	}
	return strings.Join(out, "<br>")
}

func why(reasons, notes []string) string {
	var out []string
	for _, r := range reasons {
		out = append(out, md(r))
	}
	for _, n := range notes {
		out = append(out, "_"+md(n)+"_")
	}
	return strings.Join(out, "<br>")
}

func expiryText(e *ExceptionRef) string {
	s := md(e.Expires)
	if len(e.Expires) == len(dateLayout) {
		s += " (end of day UTC)"
	}
	return s
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// durationText renders a duration as a Go duration users write: 168h, not
// 168h0m0s.
func durationText(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// md escapes text for a Markdown table cell: control characters and line
// breaks become spaces, Markdown punctuation is backslash-escaped, <, > and
// & become entities (no HTML), and @ is followed by a zero-width space (no
// mentions). Code spans are not used: they cannot hold a backtick, nor a
// pipe inside a table.
func md(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '&':
			b.WriteString("&amp;")
		case r == '@': // GitHub finds mentions in the rendered text: a zero-width space after @ stops them
			b.WriteString("@&#8203;")
		case strings.ContainsRune("\\`*_[]|~", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == utf8.RuneError:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// safeURL returns u when it is an absolute http(s) URL fit for a Markdown
// link, "" otherwise.
func safeURL(u string) string {
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return ""
	}
	for _, r := range u {
		if r <= ' ' || r == 0x7f || strings.ContainsRune("()<>\"'`|\\[]{}", r) || r > unicode.MaxASCII {
			return ""
		}
	}
	return u
}

// ErrorTable renders the violations for the error of a failing gate, as
// plain text: how many there are, the first ErrorRows as an aligned table
// (vulnerability, CVEs, severity, CVSS, package, version, why) and how many
// more there are.
func ErrorTable(r *Result) string {
	var b strings.Builder
	n := len(r.Violations)
	if n == 0 {
		return "no violations"
	}
	fmt.Fprintf(&b, "%s of the policy", plural(n, "violation"))
	if n > ErrorRows {
		fmt.Fprintf(&b, " (the first %d below)", ErrorRows)
	}
	b.WriteString(":\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VULNERABILITY\tCVES\tSEVERITY\tCVSS\tPACKAGE\tVERSION\tWHY")
	for i, v := range r.Violations {
		if i == ErrorRows {
			break
		}
		if v.ReportType != "" {
			fmt.Fprintf(tw, "report %s\t\t\t\t\t\t%s\n", plain(v.ReportType, 40), plain(strings.Join(v.Reasons, "; "), 200))
			continue
		}
		f := &v.Finding
		ids := ""
		switch len(f.CVEIDs) {
		case 0:
		case 1:
			ids = f.CVEIDs[0]
		default:
			ids = fmt.Sprintf("%s (+%d)", f.CVEIDs[0], len(f.CVEIDs)-1)
		}
		cvss := "-"
		if f.MaxCVSS != nil {
			cvss = score(*f.MaxCVSS)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", plain(f.VulID, 40), plain(ids, 40), f.Severity, cvss,
			plain(f.Package, 40), plain(f.Version, 30), plain(strings.Join(v.Reasons, "; "), 200))
	}
	tw.Flush()
	if n > ErrorRows {
		fmt.Fprintf(&b, "… and %d more (%d in all).\n", n-ErrorRows, n)
	}
	return b.String()
}

// plain makes text one line for a plain-text table: control characters and
// tabs become spaces, and it is cut to limit characters.
func plain(s string, limit int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == limit {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			r = ' '
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
