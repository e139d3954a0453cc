package gate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strings"
)

// SARIFSchema is the $schema of the logs [SARIF] writes: the OASIS SARIF
// 2.1.0 schema (errata 01).
const SARIFSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// SARIFToolName is the tool (driver) name in the logs SARIF writes.
const SARIFToolName = "terraform-provider-hss image gate"

// SARIF renders r's violations as a SARIF 2.1.0 log for code-scanning
// uploads: one run, one result per violation, one rule per vulnerability
// (and one per report type that failed). A result's level comes from the
// severity (high: error, medium: warning, low: note; a report type: error);
// a rule carries the highest CVSS of its findings as security-severity
// when one is known. Locations name the image repository (or, for an
// application vulnerability, the file it was found in), since an image has
// no source lines. toolVersion is the provider's version ("" to leave it
// out).
func SARIF(r *Result, toolVersion string) ([]byte, error) {
	run := sarifRun{
		Tool:    sarifTool{Driver: sarifDriver{Name: SARIFToolName, Version: toolVersion, Rules: []sarifRule{}}},
		Results: []sarifResult{},
		AutomationDetails: &sarifAutomation{
			// A category per repository: uploads for several images of one
			// commit do not replace each other.
			ID: strings.ReplaceAll("hss-image-gate/"+r.Image.repository()+"/", "//", "/"),
		},
		Properties: map[string]any{"passed": r.Passed, "evaluatedAt": timeText(r.Now)},
	}
	if ref := r.Image.Reference(); ref != "" {
		run.Properties["image"] = ref
	}
	for k, v := range map[string]string{"imageType": r.Image.Type, "digest": r.Image.Digest, "scanTime": timeText(r.Image.ScanTime)} {
		if v != "" {
			run.Properties[k] = v
		}
	}

	index := map[string]int{}    // rule index by rule id
	maxCVSS := map[int]float64{} // highest CVSS by rule index
	for i := range r.Violations {
		v := &r.Violations[i]
		f := &v.Finding
		id, level := f.VulID, sarifLevel(f.Severity)
		if v.ReportType != "" {
			id, level = "report-count/"+v.ReportType, "error"
		}
		ri, ok := index[id]
		if !ok {
			ri = len(run.Tool.Driver.Rules)
			index[id] = ri
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, newRule(id, v, level))
		} else {
			mergeRule(&run.Tool.Driver.Rules[ri], level)
		}
		if m := f.MaxCVSS; m != nil && v.ReportType == "" {
			if have, ok := maxCVSS[ri]; !ok || *m > have {
				maxCVSS[ri] = *m
			}
		}
		run.Results = append(run.Results, sarifResult{
			RuleID:    id,
			RuleIndex: ri,
			Level:     level,
			Message:   sarifText{Text: resultMessage(v)},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: artifactURI(&r.Image, v)},
				Region:           sarifRegion{StartLine: 1},
			}}},
			PartialFingerprints: map[string]string{"hssImageFinding/v1": fingerprint(&r.Image, v)},
		})
	}
	for ri, m := range maxCVSS {
		run.Tool.Driver.Rules[ri].Properties.SecuritySeverity = score(m)
	}
	return json.MarshalIndent(sarifLog{Schema: SARIFSchema, Version: "2.1.0", Runs: []sarifRun{run}}, "", "  ")
}

func sarifLevel(s Severity) string {
	switch s {
	case Low:
		return "note"
	case Medium:
		return "warning"
	}
	return "error"
}

func newRule(id string, v *Violation, level string) sarifRule {
	f := &v.Finding
	rule := sarifRule{
		ID:                   id,
		DefaultConfiguration: &sarifConfig{Level: level},
		Properties:           &sarifRuleProps{Tags: []string{"security"}},
	}
	if v.ReportType != "" {
		rule.ShortDescription = &sarifText{Text: "Record count of HSS report type " + v.ReportType + " above the policy's maximum, or unreadable"}
		rule.Properties.Tags = append(rule.Properties.Tags, "report-count")
		return rule
	}
	short := f.VulID
	if len(f.CVEIDs) > 0 {
		short += " (" + strings.Join(f.CVEIDs, ", ") + ")"
	}
	rule.ShortDescription = &sarifText{Text: short}
	help := []string{"HSS vulnerability " + f.VulID}
	if len(f.CVEIDs) > 0 {
		help = append(help, "CVEs: "+strings.Join(f.CVEIDs, ", "))
	}
	if f.Solution != "" {
		help = append(help, "Solution: "+oneLine(f.Solution))
	}
	if u := absoluteURL(f.URL); u != "" {
		rule.HelpURI = u
		help = append(help, "More: "+u)
	}
	rule.Help = &sarifText{Text: strings.Join(help, "\n")}
	rule.Properties.Tags = append(rule.Properties.Tags, "vulnerability")
	if f.Type != "" {
		rule.Properties.Tags = append(rule.Properties.Tags, f.Type)
	}
	return rule
}

// mergeRule keeps a rule's level the highest of its findings'.
func mergeRule(rule *sarifRule, level string) {
	rank := map[string]int{"note": 1, "warning": 2, "error": 3}
	if rank[level] > rank[rule.DefaultConfiguration.Level] {
		rule.DefaultConfiguration.Level = level
	}
}

func resultMessage(v *Violation) string {
	why := strings.Join(append(append([]string(nil), v.Reasons...), v.Notes...), "; ")
	if v.ReportType != "" {
		return why
	}
	f := &v.Finding
	s := f.VulID
	if len(f.CVEIDs) > 0 {
		s += " (" + strings.Join(f.CVEIDs, ", ") + ")"
	}
	if f.Package != "" {
		s += " in " + f.Package
		if f.Version != "" {
			s += " " + f.Version
		}
	}
	if f.Path != "" {
		s += " at " + f.Path
	}
	return oneLine(s + ": " + why)
}

// artifactURI is the location of a violation: an application
// vulnerability's file, else the image repository (or "image" when the
// image is unknown), as a relative URI reference.
func artifactURI(img *Image, v *Violation) string {
	p := strings.TrimLeft(v.Path, "/")
	if p == "" {
		p = img.repository()
	}
	if p == "" {
		p = "image"
	}
	return (&url.URL{Path: p}).String()
}

// fingerprint identifies a violation across uploads: image repository,
// vulnerability, package and path (not version or tag, so that an alert
// follows a finding through upgrades that leave it vulnerable).
func fingerprint(img *Image, v *Violation) string {
	h := sha256.New()
	for _, s := range []string{img.repository(), v.ReportType, idKey(v.VulID), v.Package, v.Path} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// absoluteURL returns u when it parses as an absolute http(s) URL, else "".
func absoluteURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	return p.String()
}

func oneLine(s string) string { return plain(s, 1<<20) }

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool              sarifTool        `json:"tool"`
	AutomationDetails *sarifAutomation `json:"automationDetails,omitempty"`
	Results           []sarifResult    `json:"results"`
	Properties        map[string]any   `json:"properties,omitempty"`
}

type sarifAutomation struct {
	ID string `json:"id"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name    string      `json:"name"`
	Version string      `json:"version,omitempty"`
	Rules   []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string          `json:"id"`
	ShortDescription     *sarifText      `json:"shortDescription,omitempty"`
	HelpURI              string          `json:"helpUri,omitempty"`
	Help                 *sarifText      `json:"help,omitempty"`
	DefaultConfiguration *sarifConfig    `json:"defaultConfiguration,omitempty"`
	Properties           *sarifRuleProps `json:"properties,omitempty"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags             []string `json:"tags,omitempty"`
	SecuritySeverity string   `json:"security-severity,omitempty"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}
