// Package provider implements the hss Terraform provider.
package provider

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

var (
	_ provider.Provider              = (*hssProvider)(nil)
	_ provider.ProviderWithFunctions = (*hssProvider)(nil)
	_ provider.ProviderWithActions   = (*hssProvider)(nil)
)

// New returns a provider factory for the given version.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &hssProvider{version: version}
	}
}

type hssProvider struct {
	version string

	// One keep-alive transport per TLS setting for the provider's lifetime,
	// however often Terraform configures it.
	mu         sync.Mutex
	transports map[string]*http.Transport
}

type providerModel struct {
	Region              types.String `tfsdk:"region"`
	ProjectID           types.String `tfsdk:"project_id"`
	AccessKey           types.String `tfsdk:"access_key"`
	SecretKey           types.String `tfsdk:"secret_key"`
	SecurityToken       types.String `tfsdk:"security_token"`
	Token               types.String `tfsdk:"token"`
	Endpoint            types.String `tfsdk:"endpoint"`
	EnterpriseProjectID types.String `tfsdk:"enterprise_project_id"`
	Insecure            types.Bool   `tfsdk:"insecure"`
	CACertFile          types.String `tfsdk:"cacert_file"`
	MaxRetries          types.Int64  `tfsdk:"max_retries"`
	RequestTimeout      types.String `tfsdk:"request_timeout"`
	ReadTimeout         types.String `tfsdk:"read_timeout"`

	AuthURL          types.String     `tfsdk:"auth_url"`
	Cloud            types.String     `tfsdk:"cloud"`
	STSEndpoint      types.String     `tfsdk:"sts_endpoint"`
	SharedConfigFile types.String     `tfsdk:"shared_config_file"`
	Profile          types.String     `tfsdk:"profile"`
	AssumeRole       *assumeRoleModel `tfsdk:"assume_role"`
	OIDC             *oidcModel       `tfsdk:"assume_role_with_oidc"`
}

// Environment variables, the names users of the huaweicloud provider
// already export.
const (
	envRegion              = "HW_REGION_NAME"
	envProjectID           = "HW_PROJECT_ID"
	envAccessKey           = "HW_ACCESS_KEY"
	envSecretKey           = "HW_SECRET_KEY"
	envSecurityToken       = "HW_SECURITY_TOKEN"
	envToken               = "HW_AUTH_TOKEN"
	envEndpoint            = "HW_HSS_ENDPOINT"
	envEnterpriseProjectID = "HW_ENTERPRISE_PROJECT_ID"
	envInsecure            = "HW_INSECURE"
	envCACertFile          = "HW_CACERT_FILE"
	envMaxRetries          = "HW_MAX_RETRIES"
	envRequestTimeout      = "HW_REQUEST_TIMEOUT"
	envReadTimeout         = "HW_READ_TIMEOUT"
)

func (p *hssProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "hss"
	resp.Version = p.version
}

func (p *hssProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	nonEmpty := []validator.String{stringvalidator.LengthAtLeast(1)}
	resp.Schema = schema.Schema{
		Description: "Reads container-image security data from Huawei Cloud Host Security Service (HSS) and triggers baseline exports. " +
			"Credentials come from the first of: provider arguments, environment variables, a KooCLI profile, the ECS metadata service; an agency can be assumed on top.",
		Attributes: map[string]schema.Attribute{
			"region": schema.StringAttribute{
				Optional:    true,
				Validators:  regionValidators(),
				Description: "Region of the HSS service, such as `cn-north-4`. Sent as the `region` header and used for the default endpoint. Required here or in `" + envRegion + "`.",
			},
			"project_id": schema.StringAttribute{
				Optional:    true,
				Validators:  []validator.String{text(), stringvalidator.LengthBetween(1, 256)},
				Description: "ID of the IAM project in `region` whose assets are queried. Can also come from `" + envProjectID + "` or the profile. Unset, the provider asks IAM for the project named after the region (with a token: the token's own project), once per region; a data source whose `region` differs gets that region's project the same way.",
			},
			"access_key": schema.StringAttribute{
				Optional:    true,
				Sensitive:   true,
				Validators:  nonEmpty,
				Description: "Access key ID for AK/SK request signing (SDK-HMAC-SHA256). Can also come from `" + envAccessKey + "`. Goes with `secret_key`; conflicts with `token`.",
			},
			"secret_key": schema.StringAttribute{
				Optional:    true,
				Sensitive:   true,
				Validators:  nonEmpty,
				Description: "Secret access key that signs requests. It is never sent. Can also come from `" + envSecretKey + "`.",
			},
			"security_token": schema.StringAttribute{
				Optional:    true,
				Sensitive:   true,
				Validators:  nonEmpty,
				Description: "Security token of a temporary access key pair, sent as `X-Security-Token`. Can also come from `" + envSecurityToken + "`.",
			},
			"token": schema.StringAttribute{
				Optional:   true,
				Sensitive:  true,
				Validators: nonEmpty,
				Description: "IAM user token, sent as `X-Auth-Token`. Can also come from `" + envToken + "`. Conflicts with `access_key`/`secret_key`. " +
					"Prefer the environment variable: a value passed as `var.x`, even a sensitive variable, is written in plain text to `terraform show -json` of a saved plan (`variables.x.value`).",
			},
			"endpoint": schema.StringAttribute{
				Optional:    true,
				Validators:  nonEmpty,
				Description: "Base URL of the HSS API. Defaults to `https://hss.{region}.{cloud}`. Can also come from `" + envEndpoint + "`.",
			},
			"auth_url": schema.StringAttribute{
				Optional:    true,
				Validators:  nonEmpty,
				Description: "IAM v3 endpoint, for the project lookup, agencies and OIDC. Defaults to `https://iam.{region}.{cloud}/v3`. Can also come from `" + envAuthURL + "`.",
			},
			"cloud": schema.StringAttribute{
				Optional:    true,
				Validators:  []validator.String{cloudValidator{}},
				Description: "Domain of every default endpoint. Defaults to `myhuaweicloud.com`, or `myhuaweicloud.eu` for regions whose name starts with `eu-west-1`. Can also come from `" + envCloud + "`.",
			},
			"sts_endpoint": schema.StringAttribute{
				Optional:    true,
				Validators:  nonEmpty,
				Description: "STS endpoint, for `assume_role` by `domain_id` and for `assume_role_with_oidc`. Defaults to `https://sts.{region}.{cloud}`. Can also come from `" + envSTSEndpoint + "`.",
			},
			"shared_config_file": schema.StringAttribute{
				Optional:    true,
				Validators:  nonEmpty,
				Description: "KooCLI configuration file to take the profile from. Defaults to `" + client.DefaultSharedConfigFile + "`. Can also come from `" + envSharedConfigFile + "`.",
			},
			"profile": schema.StringAttribute{
				Optional:    true,
				Validators:  nonEmpty,
				Description: "KooCLI profile (AKSK or SSO mode) to sign in with; its region and project are used when none is configured. Defaults to the file's current profile. Can also come from `" + envProfile + "`.",
			},
			"enterprise_project_id": schema.StringAttribute{
				Optional:    true,
				Validators:  enterpriseProjectIDValidators(),
				Description: "Default enterprise project for every data source, resource and action that takes `enterprise_project_id`; `0` is the default project and `all_granted_eps` means every project you may see. Can also come from `" + envEnterpriseProjectID + "`. Unset, HSS uses the default project.",
			},
			"insecure": schema.BoolAttribute{
				Optional:    true,
				Description: "Skip TLS certificate verification, for self-signed test endpoints only. Can also come from `" + envInsecure + "`. Defaults to `false`.",
			},
			"cacert_file": schema.StringAttribute{
				Optional:    true,
				Validators:  nonEmpty,
				Description: "Path of a PEM bundle of extra CA certificates to trust. Can also come from `" + envCACertFile + "`.",
			},
			"max_retries": schema.Int64Attribute{
				Optional:    true,
				Validators:  []validator.Int64{int64validator.Between(0, 20)},
				Description: "How many times a throttled (429) request is retried, and a read that failed with 500, 502, 503 or 504 or got no response, with exponential backoff that honours `Retry-After`. An export is retried only where HSS cannot have started it. Can also come from `" + envMaxRetries + "`. Defaults to `5`.",
			},
			"request_timeout": schema.StringAttribute{
				Optional:    true,
				Validators:  []validator.String{positiveDuration{}},
				Description: "Longest wait for one HTTP request, from sending it to reading its whole answer, such as `30s`; a read that times out is retried (see `max_retries`). Can also come from `" + envRequestTimeout + "`. Defaults to `30s`.",
			},
			"read_timeout": schema.StringAttribute{
				Optional:    true,
				Validators:  []validator.String{positiveDuration{}},
				Description: "Longest time one read from HSS may take, its retries and every wait between them included, such as `2m`. A data source read is one such read (`hss_image_security_summary` makes one per report, at most 4 at a time); an export makes one per status poll and download. It bounds a data source's whole `wait_for_scan` as well. Once 3 requests in a row got no answer at all, HSS is taken as unreachable and the other reads of the run fail at once with that cause. Can also come from `" + envReadTimeout + "`. Defaults to `2m`.",
			},
		},
		Blocks: map[string]schema.Block{
			"assume_role":           assumeRoleBlock(),
			"assume_role_with_oidc": oidcBlock(),
		},
	}
}

// providerData is what every data source, resource and action receives.
type providerData struct {
	client                     *client.Client
	defaultEnterpriseProjectID string
	// unknown names the provider arguments whose values were not known
	// when Terraform configured the provider; client is nil then.
	unknown []string
	// pending: export tasks to resume, see export_resume.go.
	pending pendingExports
	// scans: image scans to resume, see image_scan_resource.go.
	scans pendingScans
	// version is the provider's version (the gate's SARIF names it).
	version string
	// readTimeout is the provider's read_timeout: it bounds a data
	// source's wait_for_scan as well (image_lookup.go).
	readTimeout time.Duration
}

func (p *hssProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}

	// An argument derived from a resource that does not exist yet is
	// unknown during plan. Terraform configures the provider again with
	// known values before apply; until then, nothing can be read.
	if unknown := unknownArguments(m); len(unknown) > 0 {
		if req.ClientCapabilities.DeferralAllowed {
			resp.Deferred = &provider.Deferred{Reason: provider.DeferredReasonProviderConfigUnknown}
			return
		}
		p.share(resp, &providerData{unknown: unknown})
		return
	}

	sign, err := resolveSignIn(m)
	if err != nil {
		addAuthError(&resp.Diagnostics, err)
		return
	}
	validateEnvironment(m, &resp.Diagnostics)
	region := fromEnv(m.Region, envRegion)
	if region == "" {
		region = sign.region
	}
	projectID := fromEnv(m.ProjectID, envProjectID)
	if projectID == "" && sign.projectID != "" && region == sign.region && sign.assumeRole == nil {
		// A profile's project is its own region's, in its own account.
		projectID = sign.projectID
	}
	switch {
	case region == "":
		resp.Diagnostics.AddAttributeError(path.Root("region"), "Missing HSS region",
			"Set the provider argument region or the environment variable "+envRegion+" (or the profile's region), for example cn-north-4.")
	case region == sign.region && fromEnv(m.Region, envRegion) == "":
		// The argument and the variable are checked already; a profile's
		// region builds URLs just the same.
		if err := checkRegion(region); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("region"), "Invalid region in the profile", "The profile's region "+err.Error()+".")
		}
	}

	insecure, err := boolFromEnv(m.Insecure, envInsecure)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("insecure"), "Invalid "+envInsecure, err.Error())
	}
	maxRetries, err := int64FromEnv(m.MaxRetries, envMaxRetries, client.DefaultMaxRetries)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("max_retries"), "Invalid "+envMaxRetries, err.Error())
	}
	requestTimeout, err := durationFromEnv(m.RequestTimeout, envRequestTimeout, client.DefaultRequestTimeout)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("request_timeout"), "Invalid request_timeout", err.Error())
	}
	readTimeout, err := durationFromEnv(m.ReadTimeout, envReadTimeout, client.DefaultReadTimeout)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("read_timeout"), "Invalid read_timeout", err.Error())
	}
	var caPEM []byte
	if file := fromEnv(m.CACertFile, envCACertFile); file != "" {
		if caPEM, err = os.ReadFile(file); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("cacert_file"), "Cannot read the CA bundle", err.Error())
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}

	transport, err := p.transport(insecure, caPEM)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("cacert_file"), "Invalid CA bundle", err.Error())
		return
	}
	c, err := client.New(client.Config{
		Endpoint:    fromEnv(m.Endpoint, envEndpoint),
		Region:      region,
		ProjectID:   projectID,
		Credentials: sign.creds,
		Metadata:    sign.metadata,
		OIDC:        sign.oidc,
		AssumeRole:  sign.assumeRole,
		AuthURL:     fromEnv(m.AuthURL, envAuthURL),
		STSEndpoint: fromEnv(m.STSEndpoint, envSTSEndpoint),
		Cloud:       fromEnv(m.Cloud, envCloud),
		MaxRetries:  int(maxRetries),
		HTTPClient:  &http.Client{Transport: transport}, // RequestTimeout bounds each attempt
		UserAgent:   "terraform-provider-hss/" + p.version,
		Logger:      tflogLogger{},

		RequestTimeout: requestTimeout,
		ReadTimeout:    readTimeout,
	})
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Invalid HSS provider configuration", err.Error())
		return
	}
	if err := sign.checkCredentials(ctx, c); err != nil {
		if _, ok := asAuthError(err); ok {
			addAuthError(&resp.Diagnostics, err)
		} else {
			resp.Diagnostics.AddError("Cannot sign in to Huawei Cloud", "The provider signs in with "+sign.describe()+": "+err.Error())
		}
		return
	}
	tflog.Debug(ctx, "HSS provider configured", map[string]any{"region": region, "auth": sign.describe()})
	p.share(resp, &providerData{client: c, defaultEnterpriseProjectID: fromEnv(m.EnterpriseProjectID, envEnterpriseProjectID), readTimeout: readTimeout})
}

func (p *hssProvider) share(resp *provider.ConfigureResponse, d *providerData) {
	d.version = p.version
	resp.DataSourceData = d
	resp.ResourceData = d
	resp.ActionData = d
}

func (p *hssProvider) transport(insecure bool, caPEM []byte) (*http.Transport, error) {
	key := fmt.Sprintf("%t/%x", insecure, sha256.Sum256(caPEM))
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.transports[key]; ok {
		return t, nil
	}
	t, err := client.NewTransport(client.TransportOptions{Insecure: insecure, CACert: caPEM})
	if err != nil {
		return nil, err
	}
	if p.transports == nil {
		p.transports = map[string]*http.Transport{}
	}
	p.transports[key] = t
	return t, nil
}

func unknownArguments(m providerModel) []string {
	var out []string
	values := map[string]attr.Value{
		"region": m.Region, "project_id": m.ProjectID, "access_key": m.AccessKey, "secret_key": m.SecretKey,
		"security_token": m.SecurityToken, "token": m.Token, "endpoint": m.Endpoint,
		"enterprise_project_id": m.EnterpriseProjectID, "insecure": m.Insecure, "cacert_file": m.CACertFile,
		"max_retries": m.MaxRetries, "auth_url": m.AuthURL, "cloud": m.Cloud, "sts_endpoint": m.STSEndpoint,
		"shared_config_file": m.SharedConfigFile, "profile": m.Profile,
		"request_timeout": m.RequestTimeout, "read_timeout": m.ReadTimeout,
	}
	if a := m.AssumeRole; a != nil {
		values["assume_role.agency_name"], values["assume_role.domain_name"] = a.AgencyName, a.DomainName
		values["assume_role.domain_id"], values["assume_role.duration"] = a.DomainID, a.Duration
	}
	if o := m.OIDC; o != nil {
		values["assume_role_with_oidc.agency_name"], values["assume_role_with_oidc.domain_id"] = o.AgencyName, o.DomainID
		values["assume_role_with_oidc.idp_id"], values["assume_role_with_oidc.id_token"] = o.IdpID, o.IDToken
		values["assume_role_with_oidc.id_token_file"], values["assume_role_with_oidc.duration"] = o.IDTokenFile, o.Duration
	}
	for name, v := range values {
		if v.IsUnknown() {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func fromEnv(v types.String, env string) string {
	if !v.IsNull() {
		return v.ValueString()
	}
	return os.Getenv(env)
}

func boolFromEnv(v types.Bool, env string) (bool, error) {
	if !v.IsNull() {
		return v.ValueBool(), nil
	}
	s := os.Getenv(env)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("%s must be true or false, got %q", env, s)
	}
	return b, nil
}

func int64FromEnv(v types.Int64, env string, def int64) (int64, error) {
	if !v.IsNull() {
		return v.ValueInt64(), nil
	}
	s := os.Getenv(env)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > 20 {
		return 0, fmt.Errorf("%s must be a whole number from 0 to 20, got %q", env, s)
	}
	return n, nil
}

// configuredClient returns the client, or adds an error saying why there is
// none.
func (d *providerData) configuredClient(diags *diag.Diagnostics) *client.Client {
	switch {
	case d == nil:
		diags.AddError("Provider not configured", "The hss provider was not configured. This is a bug in the provider; please report it.")
	case d.client == nil:
		diags.AddError("Provider configuration not known yet",
			"The hss provider arguments "+strings.Join(d.unknown, ", ")+" depend on values that are not known until apply, "+
				"so nothing can be read from HSS during this plan. Configure the provider from values known at plan time "+
				"(variables, environment variables), or apply the resources it depends on first (terraform apply -target=...).")
	default:
		return d.client
	}
	return nil
}

// scope resolves per-call region and enterprise project: the argument if
// set, else the provider's default.
func (d *providerData) scope(region, enterpriseProjectID types.String) client.Scope {
	s := client.Scope{Region: region.ValueString(), EnterpriseProjectID: enterpriseProjectID.ValueString()}
	if enterpriseProjectID.IsNull() || enterpriseProjectID.IsUnknown() {
		s.EnterpriseProjectID = d.defaultEnterpriseProjectID
	}
	if s.Region == "" && d.client != nil {
		s.Region = d.client.Region()
	}
	return s
}

func (p *hssProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewImageBaselineExportResource,
		NewImageScanResource,
	}
}

func (p *hssProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewImageBaselineStatisticDataSource,
		NewImageSecurityReportStatisticDataSource,
		NewImageSecuritySummaryDataSource,
		NewImageDataSource,
		NewImagesDataSource,
		NewImageVulnerabilitiesDataSource,
		NewImageGateDataSource,
	}
}

func (p *hssProvider) Functions(context.Context) []func() function.Function {
	return []func() function.Function{
		NewParseImageRefFunction,
		NewEvaluateVulnerabilitiesFunction,
	}
}

func (p *hssProvider) Actions(context.Context) []func() action.Action {
	return []func() action.Action{
		NewImageBaselineExportAction,
		NewImageGateAction,
		NewImageScanAction,
	}
}

type tflogLogger struct{}

func (tflogLogger) Debug(ctx context.Context, msg string, fields map[string]any) {
	tflog.Debug(ctx, msg, fields)
}
