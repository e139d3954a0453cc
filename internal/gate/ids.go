package gate

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// IDKind is the form of a vulnerability id in a policy.
type IDKind int

// The id forms.
const (
	// CVEID is a CVE id: CVE-YYYY-NNNN, four or more digits after the year.
	CVEID IDKind = iota + 1
	// HSSVulID is an HSS vulnerability id (vul_id), such as USN-5127-1.
	HSSVulID
)

// maxIDLen is the longest id HSS stores (vul_id is 0–128 characters).
const maxIDLen = 128

// idForms names the accepted id forms in errors.
const idForms = "a CVE id (CVE-YYYY-NNNN, four or more digits after the year) or an HSS vulnerability id " +
	"(1–128 letters, digits, '-', '_', '.' or ':', starting with a letter or digit and holding a digit, e.g. USN-5127-1)"

// ParseID tells which form a policy's vulnerability id has, or why it has
// neither: a CVE id (any letter case), or an HSS vulnerability id as the
// package documentation defines it. An id starting with "CVE-" must be a
// well-formed CVE id, so that a mistyped CVE id is an error, not an HSS id
// that matches nothing.
func ParseID(id string) (IDKind, error) {
	switch {
	case id == "":
		return 0, fmt.Errorf("id is empty: want %s", idForms)
	case len(id) > maxIDLen:
		return 0, fmt.Errorf("id %.20q… is %d characters long, more than %d: want %s", id, len(id), maxIDLen, idForms)
	case hasPrefixFold(id, "CVE-"):
		if !isCVE(id) {
			return 0, fmt.Errorf("id %q starts with CVE- but is not a CVE id: want CVE-YYYY-NNNN, four or more digits after the year", id)
		}
		return CVEID, nil
	}
	digit := false
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case isDigit(c):
			digit = true
		case isLetter(c):
		case i > 0 && (c == '-' || c == '_' || c == '.' || c == ':'):
		default:
			return 0, fmt.Errorf("id %q is neither form: want %s", id, idForms)
		}
	}
	if !digit {
		return 0, fmt.Errorf("id %q holds no digit, so it is neither form (a package name belongs in package): want %s", id, idForms)
	}
	return HSSVulID, nil
}

// isCVE reports whether s is CVE-YYYY-NNNN… in any letter case.
func isCVE(s string) bool {
	if len(s) < len("CVE-2024-1234") || !hasPrefixFold(s, "CVE-") || s[8] != '-' {
		return false
	}
	for i := 4; i < len(s); i++ {
		if i != 8 && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// idKey is the key ids compare by: ASCII letters upper-cased.
func idKey(id string) string {
	for i := 0; i < len(id); i++ {
		if 'a' <= id[i] && id[i] <= 'z' {
			return strings.ToUpper(id)
		}
	}
	return id
}

// dateLayout is the date-only form of an expiry.
const dateLayout = "2006-01-02"

// ParseExpiry reads an exception's expires and returns the instant at which
// the exception stops applying (in UTC): for RFC 3339 (any offset, e.g.
// 2026-12-31T18:00:00+01:00) that instant; for a date YYYY-MM-DD the end of
// that day in UTC, i.e. midnight UTC starting the next day.
func ParseExpiry(s string) (time.Time, error) {
	if len(s) == len(dateLayout) {
		d, err := time.Parse(dateLayout, s)
		if err == nil {
			return d.AddDate(0, 0, 1), nil
		}
		var pe *time.ParseError
		if errors.As(err, &pe) && pe.Message != "" { // the form is right, a value is out of range
			return time.Time{}, fmt.Errorf("expiry %q is not a date YYYY-MM-DD: %s", s, strings.TrimPrefix(pe.Message, ": "))
		}
	} else if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("expiry %q is neither RFC 3339 (2026-12-31T23:59:59Z, 2026-12-31T18:00:00+01:00) "+
		"nor a date YYYY-MM-DD (through the end of that day UTC)", s)
}

// imageRef is an exception's image: [namespace/]name with a tag, a digest
// or both.
type imageRef struct {
	repo, tag, digest string
}

// parseImageRef reads an image reference as HSS lists the image:
// namespace/name:tag, namespace/name@sha256:<64 hex digits>, or
// namespace/name:tag@sha256:…; without a namespace for an image that has
// none. No registry host: HSS's image identity has none.
func parseImageRef(s string) (imageRef, error) {
	const forms = "want namespace/name:tag, namespace/name@sha256:<64 hex digits> or namespace/name:tag@sha256:<64 hex digits>"
	if s == "" {
		return imageRef{}, fmt.Errorf("image is empty: %s", forms)
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return imageRef{}, fmt.Errorf("image %q holds a space or control character: %s", s, forms)
		}
	}
	var ref imageRef
	name := s
	if at := strings.IndexByte(s, '@'); at >= 0 {
		name, ref.digest = s[:at], s[at+1:]
		if !isDigest(ref.digest) {
			return imageRef{}, fmt.Errorf("image %q has digest %q, not sha256:<64 hex digits>: %s", s, ref.digest, forms)
		}
		ref.digest = strings.ToLower(ref.digest)
	}
	if c := strings.LastIndexByte(name, ':'); c > strings.LastIndexByte(name, '/') {
		name, ref.tag = name[:c], name[c+1:]
		if ref.tag == "" {
			return imageRef{}, fmt.Errorf("image %q has an empty tag: %s", s, forms)
		}
	}
	ref.repo = name
	switch {
	case ref.repo == "" || strings.HasPrefix(ref.repo, "/") || strings.HasSuffix(ref.repo, "/") || strings.Contains(ref.repo, "//"):
		return imageRef{}, fmt.Errorf("image %q has no name, or an empty namespace or name: %s", s, forms)
	case ref.tag == "" && ref.digest == "":
		return imageRef{}, fmt.Errorf("image %q names a repository, not one image (no tag, no digest): %s", s, forms)
	}
	return ref, nil
}

func isDigest(d string) bool {
	hex, ok := strings.CutPrefix(strings.ToLower(d), "sha256:")
	if !ok || len(hex) != 64 {
		return false
	}
	for i := 0; i < len(hex); i++ {
		if !isDigit(hex[i]) && (hex[i] < 'a' || hex[i] > 'f') {
			return false
		}
	}
	return true
}

// matches reports whether the reference names img: the same repository,
// and the same tag and digest where the reference gives them. An image
// whose identity is unknown matches no reference.
func (ref imageRef) matches(img *Image) bool {
	if img.Name == "" || ref.repo != img.repository() {
		return false
	}
	if ref.tag != "" && ref.tag != img.Tag {
		return false
	}
	return ref.digest == "" || ref.digest == strings.ToLower(img.Digest)
}
