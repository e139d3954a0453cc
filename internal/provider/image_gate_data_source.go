package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
	"github.com/cloudsec/terraform-provider-hss/internal/gate"
	"github.com/cloudsec/terraform-provider-hss/internal/images"
)

var (
	_ datasource.DataSource                   = (*imageGateDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*imageGateDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*imageGateDataSource)(nil)
)

// NewImageGateDataSource is the hss_image_gate data source.
func NewImageGateDataSource() datasource.DataSource {
	return &imageGateDataSource{}
}

type imageGateDataSource struct {
	data *providerData
}

type imageGateModel struct {
	findingsImageModel
	Policy             types.Object `tfsdk:"policy"`
	Enforce            types.Bool   `tfsdk:"enforce"`
	Passed             types.Bool   `tfsdk:"passed"`
	Violations         types.List   `tfsdk:"violations"`
	Excepted           types.List   `tfsdk:"excepted"`
	LapsedExceptions   types.List   `tfsdk:"lapsed_exceptions"`
	ExpiringExceptions types.List   `tfsdk:"expiring_exceptions"`
	UnusedExceptions   types.List   `tfsdk:"unused_exceptions"`
	ReportMarkdown     types.String `tfsdk:"report_markdown"`
	SARIF              types.String `tfsdk:"sarif"`
}

func (d *imageGateDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_image_gate"
}

func (d *imageGateDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := verdictAttributes()
	attrs["policy"] = policyAttribute()
	attrs["enforce"] = schema.BoolAttribute{
		Optional: true, Computed: true,
		Description: "Fail the read (and so the plan) when the image fails the policy, the error holding the first 20 violations and their total. " +
			"Default `true`; `false` reads the verdict without failing (`passed = false`), for reports and `check` blocks.",
	}
	attrs["sarif"] = schema.StringAttribute{
		Computed: true,
		Description: "The violations as a SARIF 2.1.0 log (JSON) for code-scanning uploads: one result per violation, " +
			"one rule per vulnerability, levels by severity (`high`: error, `medium`: warning, `low`: note).",
	}
	findingsImageAttributes(attrs)
	resp.Schema = schema.Schema{
		Description: "A release gate on one image's vulnerability findings: the findings of `hss_image_vulnerabilities` judged against a policy " +
			"(the lowest severity that fails, a CVSS limit, a grace period for new CVEs, denied ids, HSS's handled flag, report counts, " +
			"exceptions that expire, and a ratchet against the version deployed now), with the verdict, a Markdown report for a pull request and a SARIF log. " +
			"With `enforce` (the default) a failing image fails the plan; lapsed exceptions, exceptions that expire within `warn_before` " +
			"and exceptions that match no finding are warnings. The image is selected as `hss_image` selects it and the read fails closed " +
			"as `hss_image_security_summary`'s does (unknown, several, unscanned, failed scan, older than `max_scan_age`): " +
			"an image with no finding passes only when HSS scanned it successfully. " +
			"The verdict is the one `provider::hss::evaluate_vulnerabilities` gives for the same findings, policy and time (here, the time of the read). " +
			findingsPathIDNote + " " + filterTextNote,
		Attributes: attrs,
	}
}

func (d *imageGateDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig checks the selector and every policy attribute at plan
// time, each mistake at its attribute; values not known yet are checked
// when the read runs.
func (d *imageGateDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m imageGateModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.validate(&resp.Diagnostics)
	pr := readPolicy(m.Policy)
	addPolicyErrors(&resp.Diagnostics, pr.mistakes())
	validateRatchet(&resp.Diagnostics, m.ImageVersion, pr)
}

// validateRatchet checks new_only_against: a tag, not this image's own
// (imageVersion).
func validateRatchet(diags *diag.Diagnostics, imageVersion types.String, pr *policyRead) {
	if !pr.ratchet {
		return
	}
	v := pr.newOnlyAgainst
	at := path.Root("policy").AtName("new_only_against")
	if msg := textProblem(v); msg != "" {
		diags.AddAttributeError(at, "Invalid policy.new_only_against", "policy.new_only_against "+msg+
			". Name the tag (image_version) of the version deployed now, or leave it unset for no ratchet.")
		return
	}
	if !imageVersion.IsUnknown() && !imageVersion.IsNull() && imageVersion.ValueString() == v {
		diags.AddAttributeError(at, "Invalid policy.new_only_against",
			fmt.Sprintf("policy.new_only_against %q is the image's own image_version: the ratchet compares against another version of the repository, the one deployed now "+
				"(against itself every finding would be old and pass).", v))
	}
}

// deployedTrust is what the gate says when the deployed image of the
// ratchet cannot be trusted.
var deployedTrust = scanTrust{
	unscanned: "It is the deployed version the ratchet (policy.new_only_against) compares against, and HSS's list of findings for an image it has not " +
		"scanned successfully proves nothing, so this read fails instead of passing findings as old.",
}

func (d *imageGateDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m imageGateModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	c := d.data.configuredClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() || c == nil {
		return
	}
	pr := readGatePolicy(m.Policy, m.ImageVersion, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	selector := selectorQuery(m.ImageType, m.Namespace, m.ImageName, m.ImageVersion, m.InstanceID, m.RegistryName, m.ImageID)
	scope := d.data.scope(m.Region, m.EnterpriseProjectID)
	found, now, ok := m.resolve(ctx, d.data, c, scope, &resp.Diagnostics)
	if !ok {
		return
	}
	r, ok := evaluateGate(ctx, c, scope, selector, found, pr, now, &resp.Diagnostics)
	if !ok {
		return
	}
	sarif, err := gate.SARIF(r, d.data.version)
	if err != nil {
		resp.Diagnostics.AddError("Cannot render the SARIF log", err.Error())
		return
	}
	v := verdictOf(r, &resp.Diagnostics)
	m.Passed, m.Violations, m.Excepted = v.passed, v.violations, v.excepted
	m.LapsedExceptions, m.ExpiringExceptions, m.UnusedExceptions = v.lapsed, v.expiring, v.unused
	m.ReportMarkdown = v.reportMarkdown
	m.SARIF = types.StringValue(string(sarif))
	enforce := m.Enforce.IsNull() || m.Enforce.ValueBool()
	m.Enforce = types.BoolValue(enforce)
	m.ID = m.id("image_gate", c.ProjectID(), scope, found)

	exceptionWarnings(&resp.Diagnostics, r)
	if !r.Passed {
		detail := gateFailureDetail(found, now, r) + "\nThe full report is in report_markdown."
		if enforce {
			resp.Diagnostics.AddError("Image fails the vulnerability gate", detail+
				" Fix the findings, or accept a risk with a reviewed exception (policy.exceptions: id, reason, expires); enforce = false reads the verdict without failing.")
		} else {
			resp.Diagnostics.AddWarning("Image fails the vulnerability gate (enforce = false)", detail)
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// readGatePolicy reads the policy of the gate (data source or action) and
// reports its mistakes, the ratchet's among them, and values not known
// yet (the gate is judged once every value is known).
func readGatePolicy(policy types.Object, imageVersion types.String, diags *diag.Diagnostics) *policyRead {
	pr := readPolicy(policy)
	addPolicyErrors(diags, pr.mistakes())
	validateRatchet(diags, imageVersion, pr)
	if len(pr.unknown) > 0 {
		diags.AddAttributeError(path.Root("policy"), "Policy not known", "The policy holds values not known yet: "+andList(pr.unknown)+".")
	}
	return pr
}

// gateFailureDetail says why found fails the policy: the first
// violations and their total.
func gateFailureDetail(found *images.Image, now time.Time, r *gate.Result) string {
	return fmt.Sprintf("%s (digest %s) fails the policy at %s: %s",
		found.Label(), orUnknownText(found.ImageDigest), now.UTC().Format(time.RFC3339), gate.ErrorTable(r))
}

// evaluateGate judges found, an image resolved and trusted, against the
// policy at now: its findings, the deployed version's findings for the
// ratchet and the report counts of max_report_counts are read
// concurrently (the first failure cancels the rest, and fails the
// verdict), then gate.Evaluate. The hss_image_gate data source and
// action both judge with it.
func evaluateGate(ctx context.Context, c *client.Client, scope client.Scope, selector images.Query, found *images.Image, pr *policyRead, now time.Time, diags *diag.Diagnostics) (*gate.Result, bool) {
	var (
		findings []gate.Finding
		baseline *gate.Baseline
		reports  map[string]gate.ReportCount
		jobDiags [2]diag.Diagnostics
		// cancelled: the job failed because another one had (its own
		// error would only say "context canceled").
		cancelled [2]bool
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		var err error
		if findings, err = images.Findings(gctx, c, scope, found); err != nil {
			cancelled[0] = gctx.Err() != nil
			addFindingsError(&jobDiags[0], found, err)
		}
		return err
	})
	if pr.ratchet {
		g.Go(func() error {
			var err error
			if baseline, err = deployedFindings(gctx, c, scope, found, pr.newOnlyAgainst, now, &jobDiags[1]); err != nil {
				cancelled[1] = gctx.Err() != nil
			}
			return err
		})
	}
	if len(pr.policy.MaxReportCounts) > 0 {
		g.Go(func() error {
			reports = gateReportCounts(gctx, c, scope, selector, found, pr.policy.MaxReportCounts)
			return nil
		})
	}
	err := g.Wait()
	genuine := false
	for i, d := range jobDiags {
		genuine = genuine || d.HasError() && !cancelled[i]
	}
	failed := false
	for i, d := range jobDiags {
		failed = failed || d.HasError()
		if !genuine || !cancelled[i] {
			diags.Append(d...)
		}
	}
	if err != nil || failed {
		if !diags.HasError() {
			msg := "a read failed"
			if err != nil {
				msg = err.Error()
			}
			diags.AddError("Cannot read the image's vulnerabilities", msg)
		}
		return nil, false
	}

	policy := pr.policy
	policy.NewOnlyAgainst = baseline
	r, err := gate.Evaluate(findings, policy, now, images.GateImage(found), reports)
	if err != nil {
		diags.AddError("Cannot evaluate the vulnerability gate", fmt.Sprintf("%s: %v", found.Label(), err))
		return nil, false
	}
	return &r, true
}

func orUnknownText(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// deployedFindings resolves the ratchet's deployed version of found's
// repository (tag version) with the same fail-closed lookup, and reads its
// findings. max_scan_age does not apply to it: an older scan of the
// deployed image can only know fewer findings, and so excuse fewer.
func deployedFindings(ctx context.Context, c *client.Client, scope client.Scope, found *images.Image, version string, now time.Time, diags *diag.Diagnostics) (*gate.Baseline, error) {
	at := path.Root("policy").AtName("new_only_against")
	base, err := images.LookupDeployed(ctx, c, scope, found, version)
	if err != nil {
		var le *images.LookupError
		if errors.As(err, &le) {
			diags.AddAttributeError(at, le.Summary+" (policy.new_only_against)", le.Detail+
				"\n\npolicy.new_only_against names the version deployed now; the ratchet needs its findings, so this read fails.")
		} else {
			diags.AddAttributeError(at, "Cannot list HSS images", apiErrorDetail("image list (policy.new_only_against)", err))
		}
		return nil, err
	}
	if base.ImageVersion == found.ImageVersion && base.ImageID == found.ImageID {
		diags.AddAttributeError(at, "Invalid policy.new_only_against", fmt.Sprintf("policy.new_only_against %q names the image itself, not the version deployed now.", version))
		return nil, errors.New("the deployed image is the image itself")
	}
	if !trustScan(diags, base, types.StringNull(), now, deployedTrust) {
		return nil, errors.New("the deployed image's scan cannot be trusted")
	}
	fs, err := images.Findings(ctx, c, scope, base)
	if err != nil {
		addFindingsError(diags, base, err)
		return nil, err
	}
	return &gate.Baseline{Image: images.GateImage(base), Findings: fs}, nil
}

// gateReportCounts reads the report counts of max_report_counts as
// hss_image_security_summary reads its report_counts: narrowed by the
// selector, and, when registry_name chose the image, by its image_id
// (which must then select it alone). A count that cannot be read is kept
// with its error: the gate fails on it.
func gateReportCounts(ctx context.Context, c *client.Client, scope client.Scope, selector images.Query, found *images.Image, maxCounts map[string]int64) map[string]gate.ReportCount {
	reportTypes := make([]string, 0, len(maxCounts))
	for t := range maxCounts {
		reportTypes = append(reportTypes, t)
	}
	slices.Sort(reportTypes)
	q := client.BaselineStatisticQuery{
		ImageType: selector.ImageType, Namespace: selector.Namespace, ImageName: selector.ImageName, ImageVersion: selector.ImageVersion,
		InstanceID: selector.InstanceID, ImageID: selector.ImageID,
	}
	if selector.RegistryName != nil {
		id, err := countableByImageID(ctx, c, scope, selector, found)
		if err != nil {
			out := map[string]gate.ReportCount{}
			for _, t := range reportTypes {
				out[t] = gate.ReportCount{Err: err}
			}
			return out
		}
		q.ImageID = id
	}
	return readReportCounts(ctx, c, scope, q, reportTypes)
}
