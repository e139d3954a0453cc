package images

import (
	"fmt"
	"strings"
	"time"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

// Whether a scan succeeded is decided here, once, and everything else asks:
// recordFailure for one list record (groupHosts), scanFailure for an image
// (Image.Scanned, the scan_status filter of Find, ScanProblem). Every
// failure signal counts: scan_status must be success, and a success that
// carries a scan_failed_code or scan_failed_desc, or a multi-architecture
// image that lists no architecture, is no successful scan.

// recordFailure says why one list record does not show a successful
// scan, naming the field, or "" when it does.
func recordFailure(r *client.ImageRecord) string {
	switch {
	case !client.Scanned(r.ScanStatus):
		msg := fmt.Sprintf("scan_status %q", r.ScanStatus)
		switch {
		case r.ScanFailedCode != "" && r.ScanFailedDesc != "":
			msg += fmt.Sprintf(" (scan_failed_code %q: %s)", r.ScanFailedCode, r.ScanFailedDesc)
		case r.ScanFailedCode != "":
			msg += fmt.Sprintf(" (scan_failed_code %q)", r.ScanFailedCode)
		case r.ScanFailedDesc != "":
			msg += fmt.Sprintf(" (scan_failed_desc %q)", r.ScanFailedDesc)
		}
		return msg
	case r.ScanFailedCode != "":
		msg := fmt.Sprintf("scan_status is \"success\" but scan_failed_code is %q", r.ScanFailedCode)
		if r.ScanFailedDesc != "" {
			msg += fmt.Sprintf(" (%s)", r.ScanFailedDesc)
		}
		return msg
	case r.ScanFailedDesc != "":
		return fmt.Sprintf("scan_status is \"success\" but scan_failed_desc is %q", r.ScanFailedDesc)
	}
	return ""
}

// scanFailure says why the image's last scan did not succeed, or cannot be
// proven to have, or "" when it succeeded: every host's record and every
// architecture included. Scan times are not looked at.
func scanFailure(img *Image) string {
	hosts := ""
	if len(img.Hosts) > 1 {
		hosts = fmt.Sprintf(" on at least one of its hosts (%s)", strings.Join(img.Hosts, ", "))
	}
	switch f := recordFailure(&img.ImageRecord); {
	case f == "":
	case !client.Scanned(img.ScanStatus):
		return fmt.Sprintf("HSS's last scan of %s has %s%s, not \"success\".", img.Label(), f, hosts)
	default:
		return fmt.Sprintf("HSS's last scan of %s%s did not succeed: %s.", img.Label(), hosts, f)
	}
	if img.MultiArch && len(img.Architectures) == 0 {
		return fmt.Sprintf("HSS flags %s as multi-architecture (is_multiple_arch is true) but lists none of its architecture images "+
			"(association_images is empty or null), so no architecture can be proven scanned.", img.Label())
	}
	for _, a := range img.Architectures {
		if !client.Scanned(a.ScanStatus) {
			return fmt.Sprintf("%s is a multi-architecture image and HSS's last scan of its architecture image %q (digest %s) has scan_status %q, not \"success\".",
				img.Label(), a.ImageID, a.ImageDigest, a.ScanStatus)
		}
	}
	return ""
}

// Scanned reports whether the image's last scan succeeded by every signal
// HSS gives, every architecture and every host included.
func (img *Image) Scanned() bool { return scanFailure(img) == "" }

// ScanProblem says why an image's numbers cannot be trusted, naming the
// fields, or "" when they can: its last scan succeeded (Scanned), HSS
// gives its time, the time is plausible (not before
// client.EarliestPlausibleTime, not after now plus client.MaxClockSkew, on
// any host's record) and, when maxAge is not 0, not older than maxAge.
//
// ScanProblem(img, 0, now) is "" and ScanProblem(img, maxAge, now) is not
// exactly when the scan is only too old.
func ScanProblem(img *Image, maxAge time.Duration, now time.Time) string {
	if f := scanFailure(img); f != "" {
		return f
	}
	if img.LatestScanTime <= 0 {
		return fmt.Sprintf("HSS reports scan_status \"success\" for %s but no scan time.", img.Label())
	}
	oldest, newest := time.UnixMilli(img.LatestScanTime).UTC(), time.UnixMilli(max(img.LatestScanTime, img.newestScan)).UTC()
	if latest := now.UTC().Add(client.MaxClockSkew); newest.After(latest) {
		return fmt.Sprintf("HSS dates its last scan of %s at %s (latest_scan_time), later than now (%s) plus the allowed clock skew of %s: "+
			"a scan that has not happened yet proves nothing.", img.Label(), formatTime(newest), formatTime(now.UTC()), client.MaxClockSkew)
	}
	if oldest.Before(client.EarliestPlausibleTime) {
		return fmt.Sprintf("HSS dates its last scan of %s at %s (latest_scan_time), before %s, when HSS scanned no container image: "+
			"not a time in milliseconds that can be trusted.", img.Label(), formatTime(oldest), client.EarliestPlausibleTime.Format(time.RFC3339))
	}
	if maxAge > 0 {
		if age := now.Sub(oldest); age > maxAge {
			return fmt.Sprintf("HSS last scanned %s at %s, %s ago, longer than max_scan_age (%s).",
				img.Label(), oldest.Format(time.RFC3339), age.Truncate(time.Minute), maxAge)
		}
	}
	return ""
}

// formatTime is RFC 3339 where it can express t, and Go's rendering
// otherwise: only for messages.
func formatTime(t time.Time) string {
	if s, err := rfc3339(t); err == nil {
		return s
	}
	return t.String()
}

// RFC3339 renders a time HSS sends (ms since the epoch, UTC) as RFC 3339,
// or "" for 0 (no time). A time RFC 3339 cannot express (after the year
// 9999: microseconds read as milliseconds land in the year 58883) is an
// error, never a string a policy cannot parse.
func RFC3339(ms int64) (string, error) {
	if ms <= 0 {
		return "", nil
	}
	return rfc3339(time.UnixMilli(ms).UTC())
}

func rfc3339(t time.Time) (string, error) {
	s := t.Format(time.RFC3339)
	if y := t.Year(); y < 0 || y > 9999 {
		return "", fmt.Errorf("%s is in the year %d, which RFC 3339 cannot express", t, y)
	}
	if back, err := time.Parse(time.RFC3339, s); err != nil || !back.Equal(t.Truncate(time.Second)) {
		return "", fmt.Errorf("%s does not render as RFC 3339 (got %q)", t, s)
	}
	return s, nil
}
