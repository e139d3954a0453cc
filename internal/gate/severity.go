package gate

import (
	"fmt"
	"strings"
)

// Severity is a finding's severity on the policy's scale.
type Severity string

// The severities, lowest first.
const (
	Low    Severity = "low"
	Medium Severity = "medium"
	High   Severity = "high"
)

// Severities are the values of the policy's scale (fail_on, a min_severity
// filter), lowest first.
func Severities() []string { return []string{string(Low), string(Medium), string(High)} }

// rank orders the severities; 0 is not a severity.
func (s Severity) rank() int {
	switch s {
	case Low:
		return 1
	case Medium:
		return 2
	case High:
		return 3
	}
	return 0
}

// Valid reports whether s is high, medium or low.
func (s Severity) Valid() bool { return s.rank() > 0 }

// AtLeast reports whether s is as severe as floor or more. An invalid
// severity is at least anything: it can only fail, never pass.
func (s Severity) AtLeast(floor Severity) bool {
	return !s.Valid() || s.rank() >= floor.rank()
}

// ParseSeverity reads a severity as a policy writes it: exactly "high",
// "medium" or "low".
func ParseSeverity(v string) (Severity, error) {
	if s := Severity(v); s.Valid() {
		return s, nil
	}
	return "", fmt.Errorf("unknown severity %q: allowed values are %s", v, strings.Join(Severities(), ", "))
}

// NormalizeHSSSeverity maps a severity as HSS writes it to the policy's
// scale. HSS has two vocabularies: the per-image and tenant-wide lists'
// repair_necessity (immediate_repair, delay_repair, not_needed_repair) and
// the vulnerability-centric APIs' severity_level (Critical, High, Medium,
// Low). Critical and High are both high. Letter case is ignored; any other
// value, the empty string included, is an error naming it: never a lower
// severity.
func NormalizeHSSSeverity(v string) (Severity, error) {
	switch strings.ToLower(v) {
	case "immediate_repair", "critical", "high":
		return High, nil
	case "delay_repair", "medium":
		return Medium, nil
	case "not_needed_repair", "low":
		return Low, nil
	}
	return "", fmt.Errorf("unknown HSS severity %q: expected immediate_repair, delay_repair or not_needed_repair, "+
		"or Critical, High, Medium or Low", v)
}
