//go:build acceptance

package provider

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

// The acceptance tests against real HSS (make testacc; CONTRIBUTING.md,
// "Acceptance tests against real HSS"). They run with TF_ACC set, the
// acceptance build tag, the developer's HW_* credentials and an image
// named by the HSS_ACC_* variables that HSS has scanned successfully.
// They assume nothing about the account beyond that image: they check
// shapes and invariants (one record, a plausible scan time, non-negative
// integer counts, data sources that agree, fail-closed errors), never
// values. Only TestAccRealExport, with HSS_ACC_EXPORT=1, creates anything
// in HSS (one export task).

// realImage is the image the HSS_ACC_* variables name.
type realImage struct {
	imageType, namespace, name, version string
}

// realHSSMissing is what is missing to run against real HSS, in one line;
// "" when nothing is (scripts/testacc.sh checks the same).
func realHSSMissing() string {
	var missing []string
	if os.Getenv("TF_ACC") == "" {
		missing = append(missing, "TF_ACC")
	}
	if os.Getenv("HW_REGION_NAME") == "" {
		missing = append(missing, "HW_REGION_NAME")
	}
	if (os.Getenv("HW_ACCESS_KEY") == "" || os.Getenv("HW_SECRET_KEY") == "") && os.Getenv("HW_AUTH_TOKEN") == "" && os.Getenv("HW_PROFILE") == "" {
		missing = append(missing, "HW_ACCESS_KEY and HW_SECRET_KEY (or HW_AUTH_TOKEN, or HW_PROFILE)")
	}
	for _, v := range []string{"HSS_ACC_IMAGE_TYPE", "HSS_ACC_IMAGE_NAME", "HSS_ACC_IMAGE_VERSION"} {
		if os.Getenv(v) == "" {
			missing = append(missing, v)
		}
	}
	if t := os.Getenv("HSS_ACC_IMAGE_TYPE"); t != "" && t != "local_image" && os.Getenv("HSS_ACC_NAMESPACE") == "" {
		missing = append(missing, "HSS_ACC_NAMESPACE")
	}
	if len(missing) == 0 {
		return ""
	}
	return "against real HSS only (make testacc): set " + strings.Join(missing, ", ") +
		" (an image HSS has scanned successfully; HSS_ACC_EXPORT=1 also exports it; see CONTRIBUTING.md)"
}

// theRealImage is the named image; the test skips, saying what to set,
// when something is missing.
func theRealImage(t *testing.T) realImage {
	t.Helper()
	if missing := realHSSMissing(); missing != "" {
		t.Skip(missing)
	}
	img := realImage{os.Getenv("HSS_ACC_IMAGE_TYPE"), os.Getenv("HSS_ACC_NAMESPACE"), os.Getenv("HSS_ACC_IMAGE_NAME"), os.Getenv("HSS_ACC_IMAGE_VERSION")}
	if img.imageType == "local_image" {
		img.namespace = "" // local images have none
	}
	return img
}

// selector is the image's arguments in HCL, with version as its tag.
func (img realImage) selector(version string) string {
	s := fmt.Sprintf("image_type    = %q\n  image_name    = %q\n  image_version = %q\n", img.imageType, img.name, version)
	if img.namespace != "" {
		s += fmt.Sprintf("  namespace     = %q\n", img.namespace)
	}
	return s
}

// config is body under the provider as the HW_* variables configure it.
func (img realImage) config(body string) string {
	return "provider \"hss\" {}\n" + body
}

// repositoryOnly skips a test of the vulnerability list for a local image:
// HSS keeps none for local images (the data sources refuse them at plan).
func (img realImage) repositoryOnly(t *testing.T) {
	t.Helper()
	if img.imageType == "local_image" {
		t.Skip("HSS keeps no vulnerability list for local images: name a repository image (HSS_ACC_IMAGE_TYPE private_image, shared_image or instance_image) to run this test")
	}
}

// realTest runs steps against real HSS (resource.Test: TF_ACC is set).
func realTest(t *testing.T, steps ...resource.TestStep) {
	t.Helper()
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: protoV6ProviderFactories, Steps: steps})
}

// realState is a state check over the attribute values of every data
// source and resource in the root module, by address.
type realState func(map[string]map[string]any) error

func (f realState) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		resp.Error = errors.New("no state to check")
		return
	}
	byAddress := map[string]map[string]any{}
	for _, r := range req.State.Values.RootModule.Resources {
		byAddress[r.Address] = r.AttributeValues
	}
	resp.Error = f(byAddress)
}

// attrsOf is the attributes of address, or an error naming it.
func attrsOf(state map[string]map[string]any, address string) (map[string]any, error) {
	a, ok := state[address]
	if !ok {
		return nil, fmt.Errorf("%s is not in the state", address)
	}
	return a, nil
}

// nonNegativeInt is v as a non-negative integer: a count must be one,
// never a fraction, a negative number or anything but a number.
func nonNegativeInt(what string, v any) (int64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("%s = %#v, want a number", what, v)
	}
	f, _, err := big.ParseFloat(n.String(), 10, 256, big.ToNearestEven)
	if err != nil {
		return 0, fmt.Errorf("%s = %s: %v", what, n, err)
	}
	i, acc := f.Int64()
	if acc != big.Exact || i < 0 {
		return 0, fmt.Errorf("%s = %s, want a non-negative integer", what, n)
	}
	return i, nil
}

// optionalCount is nil (HSS gives no count) or a non-negative integer.
func optionalCount(what string, v any) error {
	if v == nil {
		return nil
	}
	_, err := nonNegativeInt(what, v)
	return err
}

// nonEmptyString is v as a string that is not empty.
func nonEmptyString(what string, v any) (string, error) {
	s, ok := v.(string)
	if !ok || s == "" {
		return "", fmt.Errorf("%s = %#v, want a non-empty string", what, v)
	}
	return s, nil
}

// pastTime is v as an RFC 3339 time after 2015 and not in the future
// (beyond client.MaxClockSkew, the provider's own tolerance of HSS's clock).
func pastTime(what string, v any) error {
	s, err := nonEmptyString(what, v)
	if err != nil {
		return err
	}
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return fmt.Errorf("%s = %q is not RFC 3339: %v", what, s, err)
	}
	if now := time.Now(); at.After(now.Add(client.MaxClockSkew)) || at.Before(time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)) {
		return fmt.Errorf("%s = %s is not in the past (now %s) or before 2015", what, s, now.UTC().Format(time.RFC3339))
	}
	return nil
}

// imageInvariants checks one image's facts (hss_image, or the image
// attribute of the summary and the vulnerability data sources): the one
// named, scanned successfully at a time in the past, with non-negative
// integer counts.
func (img realImage) imageInvariants(what string, a map[string]any) error {
	var errs []error
	for attr, want := range map[string]string{"image_name": img.name, "image_version": img.version} {
		if a[attr] != want {
			errs = append(errs, fmt.Errorf("%s.%s = %#v, want %q (the named image)", what, attr, a[attr], want))
		}
	}
	if img.namespace != "" && a["namespace"] != img.namespace {
		errs = append(errs, fmt.Errorf("%s.namespace = %#v, want %q", what, a["namespace"], img.namespace))
	}
	if _, ok := a["image_type"]; ok && a["image_type"] != img.imageType {
		errs = append(errs, fmt.Errorf("%s.image_type = %#v, want %q", what, a["image_type"], img.imageType))
	}
	if a["scan_status"] != "success" || a["scan_problem"] != nil {
		errs = append(errs, fmt.Errorf("%s: scan_status %#v, scan_problem %#v: HSS_ACC_* must name an image HSS has scanned successfully", what, a["scan_status"], a["scan_problem"]))
	}
	if err := pastTime(what+".scanned_at", a["scanned_at"]); err != nil {
		errs = append(errs, err)
	}
	if a["updated_at"] != nil {
		if err := pastTime(what+".updated_at", a["updated_at"]); err != nil {
			errs = append(errs, err)
		}
	}
	if _, err := nonEmptyString(what+".image_id", a["image_id"]); err != nil {
		errs = append(errs, err)
	}
	for _, attr := range []string{"vul_num", "unsafe_setting_num", "malicious_file_num", "image_size"} {
		errs = append(errs, optionalCount(what+"."+attr, a[attr]))
	}
	archs, _ := a["architectures"].([]any)
	for i, x := range archs {
		arch, _ := x.(map[string]any)
		for _, attr := range []string{"vul_num", "unsafe_setting_num", "malicious_file_num"} {
			errs = append(errs, optionalCount(fmt.Sprintf("%s.architectures[%d].%s", what, i, attr), arch[attr]))
		}
	}
	return errors.Join(errs...)
}

// sameImage checks that two reads resolved the same image: identity,
// digest and scan time.
func sameImage(whatA string, a map[string]any, whatB string, b map[string]any) error {
	var errs []error
	for _, attr := range []string{"image_id", "digest", "scanned_at", "image_name", "image_version", "namespace", "instance_id", "registry_name", "scan_status"} {
		if a[attr] != b[attr] {
			errs = append(errs, fmt.Errorf("%s.%s = %#v but %s.%s = %#v", whatA, attr, a[attr], whatB, attr, b[attr]))
		}
	}
	return errors.Join(errs...)
}

// The named image resolves to exactly one record (anything else fails the
// read), scanned successfully at a time that parses and is in the past,
// with non-negative integer counts.
func TestAccRealImage(t *testing.T) {
	img := theRealImage(t)
	realTest(t, resource.TestStep{
		Config: img.config("data \"hss_image\" \"x\" {\n  " + img.selector(img.version) + "}\n"),
		ConfigStateChecks: []statecheck.StateCheck{realState(func(s map[string]map[string]any) error {
			a, err := attrsOf(s, "data.hss_image.x")
			if err != nil {
				return err
			}
			if _, err := nonEmptyString("id", a["id"]); err != nil {
				return err
			}
			return img.imageInvariants("data.hss_image.x", a)
		})},
	})
}

// hss_image_security_summary and hss_image agree on the image (identity,
// digest, scan time), and every count of the summary is a non-negative
// integer, for every report type.
func TestAccRealSummaryAgreesWithImage(t *testing.T) {
	img := theRealImage(t)
	realTest(t, resource.TestStep{
		Config: img.config("data \"hss_image\" \"x\" {\n  " + img.selector(img.version) + "}\n" +
			"data \"hss_image_security_summary\" \"x\" {\n  " + img.selector(img.version) + "}\n"),
		ConfigStateChecks: []statecheck.StateCheck{realState(func(s map[string]map[string]any) error {
			image, err := attrsOf(s, "data.hss_image.x")
			if err != nil {
				return err
			}
			summary, err := attrsOf(s, "data.hss_image_security_summary.x")
			if err != nil {
				return err
			}
			of, _ := summary["image"].(map[string]any)
			errs := []error{img.imageInvariants("summary.image", of), sameImage("data.hss_image.x", image, "summary.image", of)}
			baseline, _ := summary["baseline"].(map[string]any)
			for _, attr := range []string{"image_weak_pwd", "pwd_policy", "security_check"} {
				_, err := nonNegativeInt("summary.baseline."+attr, baseline[attr])
				errs = append(errs, err)
			}
			counts, _ := summary["report_counts"].(map[string]any)
			for _, rt := range securityReportTypes {
				_, err := nonNegativeInt("summary.report_counts["+rt+"]", counts[rt])
				errs = append(errs, err)
			}
			if len(counts) != len(securityReportTypes) {
				errs = append(errs, fmt.Errorf("summary.report_counts has %d keys, want the %d report types", len(counts), len(securityReportTypes)))
			}
			return errors.Join(errs...)
		})},
	})
}

// A tag HSS does not have fails closed in every data source that reads one
// image: an error, never an empty or zero answer.
func TestAccRealUnknownTagFailsClosed(t *testing.T) {
	img := theRealImage(t)
	missing := img.version + "-does-not-exist-" + acctest.RandString(8)
	sources := []string{"hss_image", "hss_image_security_summary"}
	if img.imageType != "local_image" {
		sources = append(sources, "hss_image_vulnerabilities", "hss_image_gate")
	}
	var steps []resource.TestStep
	for _, ds := range sources {
		steps = append(steps, resource.TestStep{
			Config:      img.config(fmt.Sprintf("data %q \"x\" {\n  %s}\n", ds, img.selector(missing))),
			ExpectError: errorLike("Image not found in HSS"),
		})
	}
	realTest(t, steps...)
}

var cveIDRe = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)

// hss_image_vulnerabilities reads the named image's findings: each with a
// vul_id, a severity high, medium or low and a type; counts that count
// exactly the rows of each severity; the same image as hss_image.
func TestAccRealVulnerabilities(t *testing.T) {
	img := theRealImage(t)
	img.repositoryOnly(t)
	realTest(t, resource.TestStep{
		Config: img.config("data \"hss_image\" \"x\" {\n  " + img.selector(img.version) + "}\n" +
			"data \"hss_image_vulnerabilities\" \"x\" {\n  " + img.selector(img.version) + "}\n"),
		ConfigStateChecks: []statecheck.StateCheck{realState(func(s map[string]map[string]any) error {
			image, err := attrsOf(s, "data.hss_image.x")
			if err != nil {
				return err
			}
			v, err := attrsOf(s, "data.hss_image_vulnerabilities.x")
			if err != nil {
				return err
			}
			of, _ := v["image"].(map[string]any)
			errs := []error{img.imageInvariants("vulnerabilities.image", of), sameImage("data.hss_image.x", image, "vulnerabilities.image", of)}
			rows, ok := v["vulnerabilities"].([]any)
			if !ok {
				return fmt.Errorf("vulnerabilities = %#v, want a list", v["vulnerabilities"])
			}
			tally := map[string]int64{}
			for i, x := range rows {
				row, _ := x.(map[string]any)
				what := fmt.Sprintf("vulnerabilities[%d]", i)
				if _, err := nonEmptyString(what+".vul_id", row["vul_id"]); err != nil {
					errs = append(errs, err)
				}
				sev, _ := row["severity"].(string)
				if !slices.Contains([]string{"high", "medium", "low"}, sev) {
					errs = append(errs, fmt.Errorf("%s.severity = %#v, want high, medium or low", what, row["severity"]))
				}
				tally[sev]++
				if typ := row["type"]; typ != "linux_vul" && typ != "app_vul" {
					errs = append(errs, fmt.Errorf("%s.type = %#v, want linux_vul or app_vul", what, typ))
				}
				if _, err := nonEmptyString(what+".package", row["package"]); err != nil {
					errs = append(errs, err)
				}
				if c := row["max_cvss"]; c != nil {
					n, ok := c.(json.Number)
					f, err := n.Float64()
					if !ok || err != nil || f < 0 || f > 10 {
						errs = append(errs, fmt.Errorf("%s.max_cvss = %#v, want 0 to 10", what, c))
					}
				}
				cves, _ := row["cve_ids"].([]any)
				prev := ""
				for _, c := range cves {
					s, _ := c.(string)
					if !cveIDRe.MatchString(s) || s < prev {
						errs = append(errs, fmt.Errorf("%s.cve_ids = %v, want upper-case CVE ids, sorted", what, cves))
						break
					}
					prev = s
				}
				if row["published_at"] != nil {
					if err := pastTime(what+".published_at", row["published_at"]); err != nil {
						errs = append(errs, err)
					}
				}
			}
			counts, _ := v["counts"].(map[string]any)
			for _, sev := range []string{"high", "medium", "low"} {
				n, err := nonNegativeInt("counts["+sev+"]", counts[sev])
				if err == nil && n != tally[sev] {
					err = fmt.Errorf("counts[%s] = %d but %d rows have severity %s (no filter is set: counts and rows must agree)", sev, n, tally[sev], sev)
				}
				errs = append(errs, err)
			}
			return errors.Join(errs...)
		})},
	})
}

// hss_image_gate with an empty policy (the defaults) and enforce = false
// returns a verdict, whatever the image's findings: passed exactly when
// there is no violation, each violation a finding of severity high (the
// default fail_on) with its reasons, the report and a SARIF 2.1.0 log.
func TestAccRealGateEmptyPolicy(t *testing.T) {
	img := theRealImage(t)
	img.repositoryOnly(t)
	realTest(t, resource.TestStep{
		Config: img.config("data \"hss_image\" \"x\" {\n  " + img.selector(img.version) + "}\n" +
			"data \"hss_image_gate\" \"x\" {\n  " + img.selector(img.version) + "  enforce = false\n  policy  = {}\n}\n"),
		ConfigStateChecks: []statecheck.StateCheck{realState(func(s map[string]map[string]any) error {
			image, err := attrsOf(s, "data.hss_image.x")
			if err != nil {
				return err
			}
			g, err := attrsOf(s, "data.hss_image_gate.x")
			if err != nil {
				return err
			}
			of, _ := g["image"].(map[string]any)
			errs := []error{img.imageInvariants("gate.image", of), sameImage("data.hss_image.x", image, "gate.image", of)}
			passed, ok := g["passed"].(bool)
			if !ok {
				return errors.Join(append(errs, fmt.Errorf("passed = %#v, want a verdict", g["passed"]))...)
			}
			violations, ok := g["violations"].([]any)
			if !ok {
				return errors.Join(append(errs, fmt.Errorf("violations = %#v, want a list", g["violations"]))...)
			}
			if passed != (len(violations) == 0) {
				errs = append(errs, fmt.Errorf("passed = %t with %d violations", passed, len(violations)))
			}
			for i, x := range violations {
				v, _ := x.(map[string]any)
				what := fmt.Sprintf("violations[%d]", i)
				if v["severity"] != "high" {
					errs = append(errs, fmt.Errorf("%s.severity = %#v: the default policy fails on high only", what, v["severity"]))
				}
				if _, err := nonEmptyString(what+".vul_id", v["vul_id"]); err != nil {
					errs = append(errs, err)
				}
				if reasons, _ := v["reasons"].([]any); len(reasons) == 0 {
					errs = append(errs, fmt.Errorf("%s has no reasons", what))
				}
			}
			if md, _ := g["report_markdown"].(string); strings.TrimSpace(md) == "" {
				errs = append(errs, errors.New("report_markdown is empty"))
			}
			var sarif struct {
				Version string `json:"version"`
				Runs    []struct {
					Results []json.RawMessage `json:"results"`
				} `json:"runs"`
			}
			if s, _ := g["sarif"].(string); json.Unmarshal([]byte(s), &sarif) != nil || sarif.Version != "2.1.0" || len(sarif.Runs) != 1 {
				errs = append(errs, fmt.Errorf("sarif is not a SARIF 2.1.0 log of one run: %.200s", s))
			} else if len(sarif.Runs[0].Results) != len(violations) {
				errs = append(errs, fmt.Errorf("sarif has %d results for %d violations", len(sarif.Runs[0].Results), len(violations)))
			}
			return errors.Join(errs...)
		})},
	})
}

// With HSS_ACC_EXPORT=1, an export of the named image's baseline results,
// waited for, succeeds and downloads a whole ZIP archive whose SHA-256 is
// the one recorded. It creates one export task in HSS (and a file HSS
// keeps); destroying the resource only forgets it.
func TestAccRealExport(t *testing.T) {
	img := theRealImage(t)
	if os.Getenv("HSS_ACC_EXPORT") != "1" {
		t.Skip("set HSS_ACC_EXPORT=1 to also export the named image's baseline results (creates one export task in HSS)")
	}
	out := filepath.Join(t.TempDir(), "baseline.zip")
	realTest(t, resource.TestStep{
		Config: img.config(fmt.Sprintf(`resource "hss_image_baseline_export" "x" {
  export_size         = 1000
  operate_all         = true
  wait_for_completion = true
  output_path         = %q
  %s
  timeouts {
    create = "20m"
  }
}
`, out, img.selector(img.version))),
		ConfigStateChecks: []statecheck.StateCheck{realState(func(s map[string]map[string]any) error {
			a, err := attrsOf(s, "hss_image_baseline_export.x")
			if err != nil {
				return err
			}
			var errs []error
			if a["task_status"] != "success" {
				errs = append(errs, fmt.Errorf("task_status = %#v, want success", a["task_status"]))
			}
			for _, attr := range []string{"task_id", "file_id", "file_name"} {
				_, err := nonEmptyString(attr, a[attr])
				errs = append(errs, err)
			}
			if a["id"] != a["task_id"] {
				errs = append(errs, fmt.Errorf("id = %#v, task_id = %#v: want the same", a["id"], a["task_id"]))
			}
			_, err = nonNegativeInt("record_total_num", a["record_total_num"])
			errs = append(errs, err)
			b, err := os.ReadFile(out)
			if err != nil {
				return errors.Join(append(errs, fmt.Errorf("output_path: %v", err))...)
			}
			zr, err := zip.NewReader(strings.NewReader(string(b)), int64(len(b)))
			if err != nil {
				return errors.Join(append(errs, fmt.Errorf("output_path is not a ZIP archive (%d bytes): %v", len(b), err))...)
			}
			for _, f := range zr.File {
				rc, err := f.Open()
				if err == nil {
					_, err = io.Copy(io.Discard, rc) // and checks its CRC-32
					_ = rc.Close()
				}
				if err != nil {
					errs = append(errs, fmt.Errorf("ZIP member %s: %v", f.Name, err))
				}
			}
			sum := sha256.Sum256(b)
			if a["output_sha256"] != hex.EncodeToString(sum[:]) {
				errs = append(errs, fmt.Errorf("output_sha256 = %#v, the file's is %x", a["output_sha256"], sum))
			}
			return errors.Join(errs...)
		})},
	})
}
