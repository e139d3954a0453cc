package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// Severities HSS gives a vulnerability (repair_necessity), in its two
// vocabularies: the per-image and tenant-wide lists say immediate_repair,
// delay_repair or not_needed_repair; HSS's vulnerability-centric APIs say
// Critical, High, Medium or Low. The client keeps the value as HSS spelt
// it; any other value, in any other letter case too, is an error.
const (
	SeverityImmediateRepair = "immediate_repair"
	SeverityDelayRepair     = "delay_repair"
	SeverityNotNeededRepair = "not_needed_repair"
	SeverityCritical        = "Critical"
	SeverityHigh            = "High"
	SeverityMedium          = "Medium"
	SeverityLow             = "Low"
)

// KnownSeverities are the severities above, in that order.
var KnownSeverities = []string{
	SeverityImmediateRepair, SeverityDelayRepair, SeverityNotNeededRepair,
	SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow,
}

// KnownSeverity reports whether s is one of KnownSeverities, spelt exactly.
func KnownSeverity(s string) bool { return slices.Contains(KnownSeverities, s) }

// Vulnerability types and handle states: the values of the per-image
// list's type and handle_status filters. HSS's rows carry neither, so the
// client reads the list once per pair and labels each row with its pass.
const (
	VulTypeLinux          = "linux_vul"
	VulTypeApp            = "app_vul"
	HandleStatusUnhandled = "unhandled"
	HandleStatusHandled   = "handled"
)

// vulPasses are the four passes of ListImageVulnerabilities, in the order
// its answer lists their rows.
var vulPasses = []vulPass{
	{VulTypeLinux, HandleStatusUnhandled}, {VulTypeLinux, HandleStatusHandled},
	{VulTypeApp, HandleStatusUnhandled}, {VulTypeApp, HandleStatusHandled},
}

type vulPass struct{ typ, handleStatus string }

func (p vulPass) String() string { return "type=" + p.typ + " handle_status=" + p.handleStatus }

// ImageVulnerabilityQuery selects the image of ListImageVulnerabilities.
// HSS requires image_type, namespace, image_name and tag_name: all four are
// always sent, namespace even when empty.
type ImageVulnerabilityQuery struct {
	// ImageID goes in the path: the id the image's own list record gives
	// for its image type, as HSS documents for an export's image_id_list
	// (../shared/api/vulnerabilities-and-scans.md §6): a repository
	// image's numeric record id (ImageRecord.ID of ListRegistryImages, in
	// decimal), a CI/CD image's image_id (ListCicdImages). Whether this
	// path wants the same is not verified against a live account;
	// ImageRecord.VulnerabilityQuery is the one place the choice is made.
	ImageID    string
	ImageType  string // required: private_image, shared_image, instance_image, cicd, harbor or jfrog
	Namespace  string
	ImageName  string // required
	TagName    string // required: the image's version (tag)
	InstanceID *string
}

// VulnerabilityQuery is the ImageVulnerabilityQuery of the image r, a
// record of ListRegistryImages or ListCicdImages: the one place the id in
// the path is chosen (r.ID in decimal for a repository image, r.ImageID
// for a CI/CD one). ImageType is r.ImageType: callers that filtered the
// list by type and got records without one set it first. Local images
// (ListImageLocal) have no such list: the query is refused when sent.
func (r ImageRecord) VulnerabilityQuery() ImageVulnerabilityQuery {
	id := r.ImageID
	if r.ImageType != "cicd" && r.ImageType != "local_image" {
		id = ""
		if r.ID > 0 {
			id = strconv.FormatInt(r.ID, 10)
		}
	}
	q := ImageVulnerabilityQuery{ImageID: id, ImageType: r.ImageType, Namespace: r.Namespace, ImageName: r.ImageName, TagName: r.ImageVersion}
	if r.InstanceID != "" {
		q.InstanceID = &r.InstanceID
	}
	return q
}

// label names the image for errors: namespace/name:tag.
func (q ImageVulnerabilityQuery) label() string {
	s := q.ImageName + ":" + q.TagName
	if q.Namespace != "" {
		s = q.Namespace + "/" + s
	}
	return s
}

// ImageVulnerability is one row of an image's vulnerability list: one
// vulnerability in one package (app) at one path in one layer. Type and
// Handled come from the pass that listed it; HSS gives no CVE ids, CVSS
// or fixed version here (see VulnerabilityCVEs).
type ImageVulnerability struct {
	VulID       string // required
	Severity    string // repair_necessity as HSS spelt it: one of KnownSeverities
	Type        string // VulTypeLinux or VulTypeApp
	Handled     bool   // listed under handle_status=handled (ignored, whitelisted or repaired in HSS)
	Description string
	Position    string // the image layer
	AppName     string // the package
	AppPath     string // app_vul only
	Version     string // the installed version
	Solution    string
	URL         string
}

// ListImageVulnerabilities returns every vulnerability row HSS lists for
// one image (GET /v5/{project_id}/image/{image_id}/vulnerabilities). It
// reads the list four times, once per type (linux_vul, app_vul) and
// handle_status (unhandled, handled), each pass every page (limit 200) as
// one snapshot (see listAll), the passes concurrently, and labels each row
// with its pass. A row without vul_id or repair_necessity, an unknown
// severity, a field of the wrong type, or one row (same vul_id, package,
// version, path and layer) listed by two passes is an error naming the
// field or the row and the image; no row is ever skipped or given a lower
// severity. Rows are in pass order (linux_vul unhandled, linux_vul
// handled, app_vul unhandled, app_vul handled), each pass in HSS's order.
// Local images have no such list in HSS; their type is refused.
func (c *Client) ListImageVulnerabilities(ctx context.Context, scope Scope, q ImageVulnerabilityQuery) ([]ImageVulnerability, error) {
	switch {
	case q.ImageType == "":
		return nil, errors.New("listing an image's vulnerabilities: image_type is empty")
	case q.ImageType == "local_image" || q.ImageType == "local":
		return nil, fmt.Errorf("listing the vulnerabilities of %s: HSS keeps no per-image vulnerability list for local images", q.label())
	case q.ImageID == "":
		return nil, fmt.Errorf("listing the vulnerabilities of %s (%s): its list record has no id for it", q.label(), q.ImageType)
	case q.ImageName == "" || q.TagName == "":
		return nil, fmt.Errorf("listing the vulnerabilities of image_id %s: image_name and tag_name are both required, got %q and %q", q.ImageID, q.ImageName, q.TagName)
	}
	segments := c.projectPath("image", q.ImageID, "vulnerabilities")
	base := []param{{"image_type", q.ImageType}, {"namespace", q.Namespace}, {"image_name", q.ImageName}, {"tag_name", q.TagName}}
	base = appendStrings(base, []namedString{{"instance_id", q.InstanceID}})
	image := q.label()

	rows := make([][]ImageVulnerability, len(vulPasses))
	g, gctx := errgroup.WithContext(ctx)
	for i, p := range vulPasses {
		g.Go(func() error {
			query := append(slices.Clone(base), param{"type", p.typ}, param{"handle_status", p.handleStatus})
			var err error
			rows[i], err = listAll(gctx, c, scope, segments, query, decodeImageVulnerability(image, p), imageVulnerabilityIdentity)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	var out []ImageVulnerability
	listedBy := map[string]vulPass{}
	for i, p := range vulPasses {
		for _, v := range rows[i] {
			id := imageVulnerabilityIdentity(v)
			if first, ok := listedBy[id]; ok {
				what := "type " + first.typ + " and type " + p.typ
				if first.handleStatus != p.handleStatus {
					what = "handle_status " + first.handleStatus + " and handle_status " + p.handleStatus
				}
				return nil, fmt.Errorf("%s %s (image %s): HSS lists %s under both %s (passes %s and %s): a row has one of each, so this answer contradicts itself; not read",
					http.MethodGet, c.path(&request{segments: segments}), image, id, what, first, p)
			}
			listedBy[id] = p
			out = append(out, v)
		}
	}
	return out, nil
}

// imageVulnerabilityIdentity is what makes a row one row of an image's
// list: HSS documents no key, and a vulnerability is listed once per
// package, version, path and layer it is found in.
func imageVulnerabilityIdentity(v ImageVulnerability) string {
	return fmt.Sprintf("vul_id %q (package %q version %q path %q layer %q)", v.VulID, v.AppName, v.Version, v.AppPath, v.Position)
}

func decodeImageVulnerability(image string, p vulPass) func(*fields) (ImageVulnerability, error) {
	return func(f *fields) (ImageVulnerability, error) {
		f.subject = "image " + image + ", " + p.String()
		v := ImageVulnerability{
			VulID:       f.str("vul_id", true),
			Severity:    f.severity("repair_necessity", true),
			Type:        p.typ,
			Handled:     p.handleStatus == HandleStatusHandled,
			Description: f.str("description", false),
			Position:    f.str("position", false),
			AppName:     f.str("app_name", false),
			AppPath:     f.str("app_path", false),
			Version:     f.str("version", false),
			Solution:    f.str("solution", false),
			URL:         f.str("url", false),
		}
		return v, f.err
	}
}

// severity reads a repair_necessity: one of KnownSeverities, kept as
// spelt.
func (f *fields) severity(name string, required bool) string {
	s := f.str(name, required)
	if s != "" && !KnownSeverity(s) {
		f.fail(name, fmt.Errorf("%q is not a severity HSS documents (%s)", abbreviate(s), strings.Join(KnownSeverities, ", ")))
		return ""
	}
	return s
}

// CVE is one CVE of a vulnerability.
type CVE struct {
	ID          string  // cve_id, required
	CVSS        float64 // cvss_score: 0 to 10
	PublishTime int64   // publish_time, ms since the epoch; 0 when HSS gives none
	Description string
}

// EarliestPlausibleCVETime is the floor of CVE publish times:
// 1980-01-01T00:00:00Z. CVEs of the 1980s and 1990s are real (the scan-time
// floor, EarliestPlausibleTime, would refuse Heartbleed, published in
// 2014); a time sent in seconds still lands in 1970 and is refused, and so
// is one after now plus MaxClockSkew.
var EarliestPlausibleCVETime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

var cveTimes = timeFloor{EarliestPlausibleCVETime, "a time a CVE could have been published"}

// ListVulnerabilityCve returns the CVEs of one vulnerability
// (GET /v5/{project_id}/image/vulnerability/{vul_id}/cve), every page as
// one snapshot. A CVE's cve_id is required; its cvss_score must be a
// number (or a string holding one) from 0 to 10, and its publish_time
// plausible milliseconds (absent, null and 0 mean none; see
// EarliestPlausibleCVETime): anything else is an error naming the field and
// the vulnerability. Answers are kept for the client's lifetime and
// identical calls in flight share one request: a vulnerability shared by
// 50 images is asked for once.
func (c *Client) ListVulnerabilityCve(ctx context.Context, scope Scope, vulID string) ([]CVE, error) {
	if vulID == "" {
		return nil, errors.New("listing a vulnerability's CVEs: vul_id is empty")
	}
	cves, err := listAll(ctx, c, scope, c.projectPath("image", "vulnerability", vulID, "cve"), nil,
		func(f *fields) (CVE, error) {
			f.subject = "vulnerability " + vulID
			return f.cve(), f.err
		}, cveIdentity)
	return slices.Clone(cves), err
}

func cveIdentity(c CVE) string { return fmt.Sprintf("cve_id %q", c.ID) }

// cve reads a CVE item.
func (f *fields) cve() CVE {
	return CVE{
		ID:          f.str("cve_id", true),
		CVSS:        f.score("cvss_score"),
		PublishTime: f.millisSince("publish_time", cveTimes),
		Description: f.str("description", false),
	}
}

// jsonNumber is the JSON number grammar: no NaN, Inf, hex, underscores
// or leading plus, which strconv.ParseFloat would take.
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// score reads a required CVSS score: a JSON number, or a string holding
// one, from 0 to 10. Missing, null, a word, or a number outside the CVSS
// range (a score scaled to 100 would read as a wrong number) is an error.
func (f *fields) score(name string) float64 {
	raw := bytes.TrimSpace(f.raw[name])
	text := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		if json.Unmarshal(raw, &text) != nil {
			text = ""
		}
	}
	switch {
	case len(raw) == 0:
		f.fail(name, errors.New("missing"))
		return 0
	case !jsonNumber.MatchString(text):
		f.fail(name, fmt.Errorf("want a CVSS score, a number from 0 to 10 or a string holding one, got %s", abbreviate(string(raw))))
		return 0
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil || v < 0 || v > 10 {
		f.fail(name, fmt.Errorf("%s is not a CVSS score (0 to 10)", abbreviate(string(raw))))
		return 0
	}
	return v
}

// GlobalVulnerabilityQuery filters ListGlobalVulnerabilities. Nil fields
// are not sent. HSS matches VulID as a substring.
type GlobalVulnerabilityQuery struct {
	RepairNecessity *string
	VulID           *string
	Type            *string
}

// GlobalVulnerability is one row of the tenant-wide vulnerability list.
type GlobalVulnerability struct {
	VulID         string // required
	VulName       string
	Severity      string // repair_necessity as spelt; "" when HSS gives none
	Description   string // HSS spells the field "decription"
	Solution      string
	URL           string
	HistoryNumber *int64 // images affected; nil when HSS gives no number
	UndealNumber  *int64 // images affected and unhandled; nil when HSS gives no number
	CVEs          []CVE  // checked as ListVulnerabilityCve checks them
	// CVEsListed is whether the row carries its CVE list (data_list), an
	// empty one included. Without it, CVEs is unknown, not none.
	CVEsListed bool
}

// ListGlobalVulnerabilities returns every row of the tenant-wide image
// vulnerability list (GET /v5/{project_id}/image/vulnerabilities), each
// with its CVEs, every page as one snapshot. A row needs its vul_id; a
// repair_necessity, when given, must be one of KnownSeverities; its CVEs
// are checked as ListVulnerabilityCve checks them.
func (c *Client) ListGlobalVulnerabilities(ctx context.Context, scope Scope, q GlobalVulnerabilityQuery) ([]GlobalVulnerability, error) {
	query := appendStrings(nil, []namedString{{"repair_necessity", q.RepairNecessity}, {"vul_id", q.VulID}, {"type", q.Type}})
	rows, err := listAll(ctx, c, scope, c.projectPath("image", "vulnerabilities"), query, decodeGlobalVulnerability, globalVulnerabilityIdentity)
	return slices.Clone(rows), err
}

func globalVulnerabilityIdentity(v GlobalVulnerability) string {
	return fmt.Sprintf("vul_id %q", v.VulID)
}

func decodeGlobalVulnerability(f *fields) (GlobalVulnerability, error) {
	v := GlobalVulnerability{VulID: f.str("vul_id", true)}
	if v.VulID != "" {
		f.subject = "vulnerability " + v.VulID
	}
	v.VulName = f.str("vul_name", false)
	v.Severity = f.severity("repair_necessity", false)
	v.Description = f.str("decription", false)
	if v.Description == "" {
		v.Description = f.str("description", false)
	}
	v.Solution = f.str("solution", false)
	v.URL = f.str("url", false)
	v.HistoryNumber = f.count("history_number")
	v.UndealNumber = f.count("undeal_number")
	if raw, ok := f.raw["data_list"]; ok && string(bytes.TrimSpace(raw)) != "null" {
		v.CVEsListed = true
		items, err := rawList(raw, true)
		if err != nil {
			f.fail("data_list", err)
		}
		seen := map[string]int{}
		for i, item := range items {
			name := fmt.Sprintf("data_list[%d]", i)
			cf, err := decodeFields(item)
			if err != nil {
				f.fail(name, err)
				break
			}
			sub := &fields{raw: cf, prefix: f.prefix + name + ".", o: f.o, now: f.now, subject: f.subject}
			cve := sub.cve()
			if sub.err != nil {
				if f.err == nil {
					f.err = sub.err
				}
				break
			}
			if first, ok := seen[cve.ID]; ok {
				f.fail(name+".cve_id", fmt.Errorf("%s is listed twice (data_list[%d] and [%d])", cve.ID, first, i))
				break
			}
			seen[cve.ID] = i
			v.CVEs = append(v.CVEs, cve)
		}
	}
	return v, f.err
}

// How VulnerabilityCVEs reads CVEs: at most vulnerabilityCVEWorkers calls
// of ListVulnerabilityCve at once per caller.
const vulnerabilityCVEWorkers = 10

// VulnerabilityCVEs returns the CVEs of each of vulIDs (duplicates and
// order do not matter), each vulnerability's read once per client (per
// provider process) and shared by every caller. For the V distinct
// vulnerabilities not read yet it takes the cheaper of two ways:
//
//   - one ListVulnerabilityCve call each: V requests;
//   - the tenant-wide list (ListGlobalVulnerabilities), whose rows carry
//     their CVEs: listReadCost(G) requests for its G rows, ⌈G/200⌉ for
//     most G (its pages overlap by one record, see readList).
//
// When V is 3 or more, the tenant-wide list's first page (offset 0,
// limit 200) is read once per client and scope, and kept: it tells G,
// its rows' CVEs are used whichever way is taken, and it is the first
// page of a walk of the whole list. From there the rest of the list costs
// listReadCost(G) − 1 requests and the other way one request for each
// vulnerability the page did not name; the cheaper is taken, calls on a
// tie. So the CVEs of V vulnerabilities cost at most min(V, listReadCost(G))
// requests, one more only the first time, when V < listReadCost(G) and
// the first page named none of them. A row that names its vulnerability
// but carries no CVE list (data_list missing or null) is not taken to
// have none: that vulnerability is asked for on its own, as is one the
// tenant-wide list does not name, and every one when the tenant-wide list
// kept changing while it was read. An empty CVE list is HSS saying there
// are none, as ListVulnerabilityCve's total_num 0 would. An error names
// the vulnerability and the field.
func (c *Client) VulnerabilityCVEs(ctx context.Context, scope Scope, vulIDs []string) (map[string][]CVE, error) {
	ids := slices.Clone(vulIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) > 0 && ids[0] == "" {
		return nil, errors.New("reading CVEs: a vul_id is empty")
	}
	if err := c.cvesFromTenantList(ctx, scope, ids); err != nil {
		return nil, err
	}

	out := make(map[string][]CVE, len(ids))
	results := make([][]CVE, len(ids))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(vulnerabilityCVEWorkers)
	for i, id := range ids {
		g.Go(func() error {
			v, err := c.answers.get(vulnerabilityCVEKey(scope, id), func() (any, error) {
				return c.ListVulnerabilityCve(gctx, scope, id)
			})
			if err != nil {
				return err
			}
			cves, ok := v.([]CVE)
			if !ok { // only this file keeps answers under these keys
				return fmt.Errorf("reading the CVEs of vulnerability %s: internal error: the kept answer is a %T", id, v)
			}
			results[i] = slices.Clone(cves)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for i, id := range ids {
		out[id] = results[i]
	}
	return out, nil
}

// cvesFromTenantList keeps, as the answers of vulnerabilityCVEKey, the
// CVEs the tenant-wide list gives for those of ids not read yet, reading
// as much of that list as VulnerabilityCVEs says.
func (c *Client) cvesFromTenantList(ctx context.Context, scope Scope, ids []string) error {
	pending := c.unread(scope, ids)
	if len(pending) == 0 {
		return nil
	}
	if c.answers.known(globalCVEsKey(scope)) { // read already, or being read: no request
		byID, err := c.globalCVEs(ctx, scope, nil)
		if err != nil {
			return err
		}
		return c.keepCVEs(scope, pending, byID)
	}
	if len(pending) < 3 && !c.answers.known(globalFirstPageKey(scope)) {
		return nil // V ≤ 2 calls: the first page might save one, or cost one more
	}
	first, err := c.globalFirstPage(ctx, scope)
	if err != nil || first.page == nil {
		return err
	}
	if err := c.keepCVEs(scope, pending, first.cves); err != nil {
		return err
	}
	pending = c.unread(scope, pending)
	if len(pending) == 0 || first.total <= ListPageSize || listReadCost(first.total)-1 >= int64(len(pending)) {
		return nil // the first page was the whole list, or calls cost no more
	}
	byID, err := c.globalCVEs(ctx, scope, first.page)
	if err != nil {
		return err
	}
	return c.keepCVEs(scope, pending, byID)
}

// unread is those of ids whose CVEs this client has not read, nor is
// reading.
func (c *Client) unread(scope Scope, ids []string) []string {
	var out []string
	for _, id := range ids {
		if !c.answers.known(vulnerabilityCVEKey(scope, id)) {
			out = append(out, id)
		}
	}
	return out
}

// keepCVEs keeps byID's CVEs (vul_id → CVEs) for each of ids it names;
// the others are left unread. The first answer for an id is kept: a
// caller that read it another way meanwhile wins.
func (c *Client) keepCVEs(scope Scope, ids []string, byID map[string][]CVE) error {
	for _, id := range ids {
		if cves, ok := byID[id]; ok {
			if _, err := c.answers.get(vulnerabilityCVEKey(scope, id), func() (any, error) { return cves, nil }); err != nil {
				return err
			}
		}
	}
	return nil
}

func vulnerabilityCVEKey(scope Scope, vulID string) string {
	return "CVES " + vulID + "|" + scope.Region + "|" + scope.EnterpriseProjectID
}

func globalFirstPageKey(scope Scope) string {
	return "GLOBAL VULNERABILITIES PAGE 1|" + scope.Region + "|" + scope.EnterpriseProjectID
}

func globalCVEsKey(scope Scope) string {
	return "GLOBAL VULNERABILITY CVES|" + scope.Region + "|" + scope.EnterpriseProjectID
}

// tenantListPage is the tenant-wide list's first page: as HSS sent it,
// its total_num, and its rows' CVEs (rows that carry a CVE list only).
type tenantListPage struct {
	page  *object
	total int64
	cves  map[string][]CVE
}

// globalFirstPage reads the tenant-wide list's first page once per client
// and scope.
func (c *Client) globalFirstPage(ctx context.Context, scope Scope) (*tenantListPage, error) {
	v, err := c.answers.get(globalFirstPageKey(scope), func() (any, error) {
		o, err := c.listPages(scope, c.projectPath("image", "vulnerabilities"), nil)(ctx, 0)
		if err != nil {
			return nil, err
		}
		// One page, checked as a walk checks it. A page that contradicts
		// itself is kept as none: every vulnerability is then asked for on
		// its own.
		w := newListWalk(c, decodeGlobalVulnerability, globalVulnerabilityIdentity)
		_, change, err := w.page(o)
		if err != nil {
			return nil, err
		}
		if change != "" {
			c.debug(ctx, "HSS's tenant-wide vulnerability list contradicted itself on its first page: reading each vulnerability's CVEs on its own", map[string]any{"change": change})
			return &tenantListPage{}, nil
		}
		return &tenantListPage{page: o, total: w.total, cves: cveMap(w.records)}, nil
	})
	if err != nil {
		return nil, err
	}
	p, ok := v.(*tenantListPage)
	if !ok {
		return nil, fmt.Errorf("reading the tenant-wide vulnerability list: internal error: the kept answer is a %T", v)
	}
	return p, nil
}

// globalCVEs is the whole tenant-wide list as vul_id → CVEs (rows that
// carry a CVE list only), read once per client and scope; its first walk
// starts from first when that is not nil. A list that kept changing while
// it was read names no vulnerability: each is then asked for on its own.
func (c *Client) globalCVEs(ctx context.Context, scope Scope, first *object) (map[string][]CVE, error) {
	v, err := c.answers.get(globalCVEsKey(scope), func() (any, error) {
		rows, err := readList(ctx, c, c.listPages(scope, c.projectPath("image", "vulnerabilities"), nil), first,
			decodeGlobalVulnerability, globalVulnerabilityIdentity)
		var changed *ListChangedError
		if errors.As(err, &changed) {
			c.debug(ctx, "HSS's tenant-wide vulnerability list kept changing: reading each vulnerability's CVEs on its own", map[string]any{"error": err.Error()})
			return map[string][]CVE{}, nil
		}
		if err != nil {
			return nil, err
		}
		return cveMap(rows), nil
	})
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string][]CVE)
	if !ok {
		return nil, fmt.Errorf("reading the tenant-wide vulnerability list: internal error: the kept answer is a %T", v)
	}
	return m, nil
}

func cveMap(rows []GlobalVulnerability) map[string][]CVE {
	m := make(map[string][]CVE, len(rows))
	for _, r := range rows {
		if r.CVEsListed {
			m[r.VulID] = r.CVEs
		}
	}
	return m
}

// known reports whether an answer is kept, or being fetched, under key:
// asking for it sends no request of the caller's.
func (m *answerMemo) known(key string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.answers[key]
	return ok
}
