package images

import (
	"fmt"
	"strings"
	"time"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

// Scanned reports whether the image's last scan succeeded, every
// architecture and every host included.
func (img *Image) Scanned() bool {
	if !client.Scanned(img.ScanStatus) {
		return false
	}
	for _, a := range img.Architectures {
		if !client.Scanned(a.ScanStatus) {
			return false
		}
	}
	return true
}

// ScanProblem says why an image's numbers cannot be trusted, or "" when
// its last scan succeeded (every architecture included) and is recent
// enough: not older than maxAge, when maxAge is not 0.
func ScanProblem(img *Image, maxAge time.Duration, now time.Time) string {
	if !client.Scanned(img.ScanStatus) {
		msg := fmt.Sprintf("HSS's last scan of %s has scan_status %q", img.Label(), img.ScanStatus)
		if img.ScanFailedCode != "" || img.ScanFailedDesc != "" {
			msg += fmt.Sprintf(" (scan_failed_code %q: %s)", img.ScanFailedCode, img.ScanFailedDesc)
		}
		if len(img.Hosts) > 1 {
			msg += fmt.Sprintf(" on at least one of its hosts (%s)", strings.Join(img.Hosts, ", "))
		}
		return msg + ", not \"success\"."
	}
	for _, a := range img.Architectures {
		if !client.Scanned(a.ScanStatus) {
			return fmt.Sprintf("%s is a multi-architecture image and HSS's last scan of its architecture image %q (digest %s) has scan_status %q, not \"success\".",
				img.Label(), a.ImageID, a.ImageDigest, a.ScanStatus)
		}
	}
	if img.LatestScanTime <= 0 {
		return fmt.Sprintf("HSS reports scan_status \"success\" for %s but no scan time.", img.Label())
	}
	if maxAge > 0 {
		scanned := time.UnixMilli(img.LatestScanTime).UTC()
		if age := now.Sub(scanned); age > maxAge {
			return fmt.Sprintf("HSS last scanned %s at %s, %s ago, longer than max_scan_age (%s).",
				img.Label(), scanned.Format(time.RFC3339), age.Truncate(time.Minute), maxAge)
		}
	}
	return ""
}
