package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// spec is one documented parameter: its kind and its constraints.
type spec struct {
	kind     kind
	required bool
	enum     []string
	minLen   int
	maxLen   int   // strings, and the items of string lists
	maxItems int   // string lists
	min, max int64 // integers
	checkMax bool
}

type kind int

const (
	kString kind = iota
	kBool
	kInt
	kStringList
)

// Documented enumerations.
var (
	baselineImageTypes = []string{"private_image", "shared_image", "local_image", "instance_image", "registry", "local"}
	reportImageTypes   = []string{"private_image", "shared_image", "local_image", "instance_image", "harbor", "jfrog", "cicd"}
	reportTypes        = []string{"vulnerability", "risk-config", "malwares", "apps", "files", "sensitive-info", "non-compliant-app", "build-command-risks"}
)

const maxInt32 = 2147483647

var epSpec = spec{kind: kString, minLen: 1, maxLen: 256}

var baselineQuery = map[string]spec{
	"enterprise_project_id": epSpec,
	"image_type":            {kind: kString, required: true, enum: baselineImageTypes},
	"namespace":             {kind: kString, maxLen: 65535},
	"image_name":            {kind: kString, maxLen: 65535},
	"image_version":         {kind: kString, maxLen: 65535},
	"instance_id":           {kind: kString, maxLen: 128},
	"image_id":              {kind: kString, maxLen: 128},
}

var reportQuery = map[string]spec{
	"enterprise_project_id": epSpec,
	"security_report_type":  {kind: kString, required: true, enum: reportTypes},
}

var exportQuery = map[string]spec{
	"enterprise_project_id": epSpec,
	"export_size":           {kind: kInt, required: true, min: 0, max: maxInt32, checkMax: true},
}

var plainQuery = map[string]spec{"enterprise_project_id": epSpec}

// filterBody is the body of the security-report statistic and the baseline
// export, as documented (the 2,147,483,547 upper bound of the time fields is
// not enforced: millisecond timestamps of this century are far above it).
var filterBody = map[string]spec{
	"image_id_list":              {kind: kStringList, maxLen: 128},
	"operate_all":                {kind: kBool},
	"image_type":                 {kind: kString, enum: reportImageTypes},
	"vul_type":                   {kind: kString, enum: []string{"linux_vul", "app_vul"}},
	"scan_status":                {kind: kString, enum: []string{"unscan", "success", "scanning", "failed", "download_failed", "image_oversized"}},
	"namespace":                  {kind: kString, maxLen: 65535},
	"image_name":                 {kind: kString, maxLen: 65535},
	"image_version":              {kind: kString, maxLen: 65535},
	"image_id":                   {kind: kString, maxLen: 128},
	"latest_version":             {kind: kBool},
	"image_size":                 {kind: kInt, min: 0, max: 2147483547, checkMax: true},
	"start_latest_update_time":   {kind: kInt, min: 0},
	"end_latest_update_time":     {kind: kInt, min: 0},
	"start_latest_scan_time":     {kind: kInt, min: 0},
	"end_latest_scan_time":       {kind: kInt, min: 0},
	"has_malicious_file":         {kind: kBool},
	"has_vul":                    {kind: kBool},
	"has_unsafe_setting":         {kind: kBool},
	"risky":                      {kind: kBool},
	"severity_level":             {kind: kString, enum: []string{"Security", "Low", "Medium", "High"}},
	"instance_name":              {kind: kString, maxLen: 128},
	"instance_id":                {kind: kString, maxLen: 128},
	"cicd_name":                  {kind: kString, maxLen: 128},
	"build_command_risk_level":   {kind: kString, enum: []string{"critical", "high", "medium", "low"}},
	"build_command_risk_name":    {kind: kString, minLen: 1, maxLen: 128},
	"build_command_rule_id_list": {kind: kStringList, minLen: 1, maxLen: 200},
	"has_container":              {kind: kBool},
	"vul_id_list":                {kind: kStringList, maxItems: 2048, maxLen: 256},
}

// params is what was sent, decoded and checked: strings, bools, integers
// and string lists by name.
type params struct {
	str   map[string]string
	bools map[string]bool
	ints  map[string]int64
	lists map[string][]string
}

func newParams() *params {
	return &params{str: map[string]string{}, bools: map[string]bool{}, ints: map[string]int64{}, lists: map[string][]string{}}
}

func (p *params) has(name string) bool {
	_, s := p.str[name]
	_, b := p.bools[name]
	_, i := p.ints[name]
	_, l := p.lists[name]
	return s || b || i || l
}

// parseQuery checks a query string against its documented parameters.
func parseQuery(q url.Values, specs map[string]spec) (*params, error) {
	p := newParams()
	for name, vs := range q {
		sp, ok := specs[name]
		if !ok {
			return nil, fmt.Errorf("unknown query parameter %q", name)
		}
		if len(vs) != 1 {
			return nil, fmt.Errorf("query parameter %q is given %d times", name, len(vs))
		}
		v := vs[0]
		switch sp.kind {
		case kInt:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%s must be an integer, got %q", name, v)
			}
			if err := sp.checkInt(name, n); err != nil {
				return nil, err
			}
			p.ints[name] = n
		default:
			if err := sp.checkString(name, v); err != nil {
				return nil, err
			}
			p.str[name] = v
		}
	}
	return p, checkRequired(p, specs)
}

// parseBody checks a JSON object against its documented fields: unknown
// fields and wrong types are errors, as on HSS.
func parseBody(body []byte, specs map[string]spec) (*params, error) {
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&fields); err != nil || fields == nil {
		return nil, fmt.Errorf("the request body must be a JSON object")
	}
	p := newParams()
	for name, raw := range fields {
		sp, ok := specs[name]
		if !ok {
			return nil, fmt.Errorf("unknown field %q in the request body", name)
		}
		switch sp.kind {
		case kBool:
			var b bool
			if err := json.Unmarshal(raw, &b); err != nil {
				return nil, fmt.Errorf("%s must be a boolean", name)
			}
			p.bools[name] = b
		case kInt:
			var n int64
			if err := json.Unmarshal(raw, &n); err != nil {
				return nil, fmt.Errorf("%s must be an integer", name)
			}
			if err := sp.checkInt(name, n); err != nil {
				return nil, err
			}
			p.ints[name] = n
		case kStringList:
			var l []string
			if err := json.Unmarshal(raw, &l); err != nil || l == nil {
				return nil, fmt.Errorf("%s must be an array of strings", name)
			}
			if sp.maxItems > 0 && len(l) > sp.maxItems {
				return nil, fmt.Errorf("%s has %d items, at most %d are allowed", name, len(l), sp.maxItems)
			}
			for _, item := range l {
				if err := sp.checkString(name+" item", item); err != nil {
					return nil, err
				}
			}
			p.lists[name] = l
		default:
			var v string
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, fmt.Errorf("%s must be a string", name)
			}
			if err := sp.checkString(name, v); err != nil {
				return nil, err
			}
			p.str[name] = v
		}
	}
	return p, checkRequired(p, specs)
}

func checkRequired(p *params, specs map[string]spec) error {
	for name, sp := range specs {
		if sp.required && !p.has(name) {
			return fmt.Errorf("%s is required", name)
		}
	}
	return nil
}

func (sp spec) checkString(name, v string) error {
	if sp.enum != nil && !slices.Contains(sp.enum, v) {
		return fmt.Errorf("%s must be one of %s, got %q", name, strings.Join(sp.enum, ", "), v)
	}
	n := utf8.RuneCountInString(v)
	if n < sp.minLen || (sp.maxLen > 0 && n > sp.maxLen) {
		return fmt.Errorf("%s must be %d to %d characters long, got %d", name, sp.minLen, sp.maxLen, n)
	}
	return nil
}

func (sp spec) checkInt(name string, n int64) error {
	if n < sp.min || (sp.checkMax && n > sp.max) {
		if sp.checkMax {
			return fmt.Errorf("%s must be from %d to %d, got %d", name, sp.min, sp.max, n)
		}
		return fmt.Errorf("%s must be at least %d, got %d", name, sp.min, n)
	}
	return nil
}

// checkHeaders applies the documented header constraints.
func checkHeaders(r *http.Request, regionRequired bool) error {
	region := r.Header.Get("Region")
	if regionRequired && region == "" {
		return fmt.Errorf("the region header is required")
	}
	if len(region) > 128 {
		return fmt.Errorf("the region header must be at most 128 characters")
	}
	if len(r.Header.Get("X-Auth-Token")) > 32768 {
		return fmt.Errorf("X-Auth-Token must be at most 32,768 characters")
	}
	return nil
}
