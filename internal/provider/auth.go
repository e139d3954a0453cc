package provider

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

// Environment variables of the sign-in sources, the names users of the
// huaweicloud provider and KooCLI already know.
const (
	envAuthURL          = "HW_AUTH_URL"
	envCloud            = "HW_CLOUD"
	envSTSEndpoint      = "HW_STS_ENDPOINT"
	envSharedConfigFile = "HW_SHARED_CONFIG_FILE"
	envProfile          = "HW_PROFILE"
	envAgencyName       = "HW_ASSUME_ROLE_AGENCY_NAME"
	envAgencyDomainName = "HW_ASSUME_ROLE_DOMAIN_NAME"
	envAgencyDomainID   = "HW_ASSUME_ROLE_DOMAIN_ID"
	envAgencyDuration   = "HW_ASSUME_ROLE_DURATION"
	envIdpID            = "HW_ASSUME_ROLE_IDP_ID"
	envIDToken          = "HW_ASSUME_ROLE_ID_TOKEN"
	envIDTokenFile      = "HW_ASSUME_ROLE_ID_TOKEN_FILE"
	// envTestMetadataEndpoint moves the ECS metadata service off
	// 169.254.169.254, for tests only.
	envTestMetadataEndpoint = "HW_TEST_METADATA_ENDPOINT"
)

type assumeRoleModel struct {
	AgencyName types.String `tfsdk:"agency_name"`
	DomainName types.String `tfsdk:"domain_name"`
	DomainID   types.String `tfsdk:"domain_id"`
	Duration   types.Int64  `tfsdk:"duration"`
}

type oidcModel struct {
	AgencyName  types.String `tfsdk:"agency_name"`
	DomainID    types.String `tfsdk:"domain_id"`
	IdpID       types.String `tfsdk:"idp_id"`
	IDToken     types.String `tfsdk:"id_token"`
	IDTokenFile types.String `tfsdk:"id_token_file"`
	Duration    types.Int64  `tfsdk:"duration"`
}

// signIn is where the credentials come from, as the client takes it.
type signIn struct {
	// source is the level that chose the mode, mode what it is; neither
	// holds a secret.
	source, mode string
	creds        client.Credentials
	oidc         *client.OIDCSource
	metadata     *client.MetadataSource
	assumeRole   *client.AssumeRole
	// From a profile: its region and project, used when neither argument
	// nor environment gives one.
	region, projectID string
	// tried lists, for the error when nothing signs in, what was looked at.
	tried []string
}

// authError is a configuration error, attached to an attribute when one is
// to blame.
type authError struct {
	attr    path.Path
	summary string
	detail  string
}

func (e *authError) Error() string { return e.summary + ": " + e.detail }

const orderHelp = "The provider takes its credentials from the first of these that is set, as a whole: " +
	"1. provider arguments (access_key + secret_key [+ security_token], token, assume_role_with_oidc, profile / shared_config_file); " +
	"2. environment variables (" + envAccessKey + " + " + envSecretKey + " [+ " + envSecurityToken + "], " + envToken + ", " +
	envIdpID + " + " + envIDToken + " or " + envIDTokenFile + "); " +
	"3. a KooCLI profile (" + envProfile + ", " + envSharedConfigFile + ", default " + client.DefaultSharedConfigFile + "); " +
	"4. the ECS metadata service (the agency attached to the instance). " +
	"assume_role (or " + envAgencyName + ") then assumes an agency with them."

// resolveSignIn picks the sign-in mode: the first level (arguments,
// environment, profile, metadata) that sets any of it decides the mode as a
// whole. The agency step applies on top.
func resolveSignIn(m providerModel) (*signIn, error) {
	s := &signIn{}
	argModes := map[string]bool{
		"access_key/secret_key": !m.AccessKey.IsNull() || !m.SecretKey.IsNull() || !m.SecurityToken.IsNull(),
		"token":                 !m.Token.IsNull(),
		"assume_role_with_oidc": m.OIDC != nil,
		"profile":               !m.Profile.IsNull() || !m.SharedConfigFile.IsNull(),
	}
	envModes := map[string]bool{
		envAccessKey + "/" + envSecretKey: os.Getenv(envAccessKey) != "" || os.Getenv(envSecretKey) != "" || os.Getenv(envSecurityToken) != "",
		envToken:                          os.Getenv(envToken) != "",
		envIdpID:                          os.Getenv(envIdpID) != "",
	}
	if mode, err := only("provider arguments", argModes); err != nil {
		return nil, err
	} else if mode != "" {
		s.source = "provider arguments"
		switch mode {
		case "access_key/secret_key":
			s.creds = client.Credentials{AccessKey: m.AccessKey.ValueString(), SecretKey: m.SecretKey.ValueString(), SecurityToken: m.SecurityToken.ValueString()}
			if err := validateKeys(s.creds); err != nil {
				return nil, credentialsError(err, "access_key and secret_key")
			}
		case "token":
			s.creds = client.Credentials{Token: m.Token.ValueString()}
		case "assume_role_with_oidc":
			if err := s.fromOIDC(m.OIDC); err != nil {
				return nil, err
			}
		case "profile":
			if _, err := s.fromProfile(m, false); err != nil {
				return nil, err
			}
		}
		s.mode = mode
	} else if mode, err := only("environment variables", envModes); err != nil {
		return nil, err
	} else if mode != "" {
		s.source, s.mode = "environment variables", mode
		switch mode {
		case envToken:
			s.creds = client.Credentials{Token: os.Getenv(envToken)}
		case envIdpID:
			if err := s.fromOIDC(&oidcModel{}); err != nil {
				return nil, err
			}
		default:
			s.creds = client.Credentials{AccessKey: os.Getenv(envAccessKey), SecretKey: os.Getenv(envSecretKey), SecurityToken: os.Getenv(envSecurityToken)}
			if err := validateKeys(s.creds); err != nil {
				return nil, credentialsError(err, envAccessKey+" and "+envSecretKey)
			}
		}
	} else {
		s.tried = []string{"provider arguments: none of access_key, secret_key, token, assume_role_with_oidc, profile, shared_config_file is set",
			"environment variables: none of " + envAccessKey + ", " + envSecretKey + ", " + envToken + ", " + envIdpID + " is set"}
		// KooCLI's default file is passed over only when it is not there
		// at all. One that is there and broken (a link to nothing, a
		// link loop, a directory, a pipe, too large) is an error, never
		// a quiet move on to the metadata service.
		if used, err := s.fromProfile(m, true); err != nil {
			return nil, err
		} else if used {
			s.source = "shared config file"
		} else {
			s.tried = append(s.tried, "KooCLI profile: "+envProfile+" and "+envSharedConfigFile+" are not set and "+client.DefaultSharedConfigFile+" does not exist")
			endpoint := os.Getenv(envTestMetadataEndpoint)
			if endpoint == "" {
				endpoint = client.DefaultMetadataEndpoint
			}
			s.source, s.mode = "ECS metadata", "metadata"
			s.metadata = &client.MetadataSource{Endpoint: endpoint}
		}
	}
	return s, s.agency(m)
}

// only returns the one mode set at a level, or an error naming them all.
func only(level string, modes map[string]bool) (string, error) {
	var set []string
	for name, on := range modes {
		if on {
			set = append(set, name)
		}
	}
	switch len(set) {
	case 0:
		return "", nil
	case 1:
		return set[0], nil
	}
	slices.Sort(set)
	return "", &authError{summary: "Conflicting HSS credentials",
		detail: "The " + level + " set more than one way to sign in: " + strings.Join(set, " and ") + ". Set exactly one. " + orderHelp}
}

func validateKeys(c client.Credentials) error {
	if c.AccessKey == "" && c.SecretKey == "" {
		return errors.New("a security token is set without the access key pair it belongs to")
	}
	return c.Validate()
}

func credentialsError(err error, pair string) error {
	return &authError{summary: "Invalid HSS credentials",
		detail: "The provider authenticates in exactly one way: " + err.Error() + ". Set " + pair + " together, with the security token for temporary keys. " + orderHelp}
}

func profileFile(m providerModel) (string, bool) {
	if !m.SharedConfigFile.IsNull() {
		return m.SharedConfigFile.ValueString(), true
	}
	if f := os.Getenv(envSharedConfigFile); f != "" {
		return f, true
	}
	explicit := !m.Profile.IsNull() || os.Getenv(envProfile) != ""
	return client.DefaultSharedConfigFile, explicit
}

// fromProfile signs in with the KooCLI profile. With optional, a default
// file (neither named nor a profile asked for) that is not there at all,
// or that cannot be there because there is no home directory, is no error:
// it reports false, and the next source is tried.
func (s *signIn) fromProfile(m providerModel, optional bool) (bool, error) {
	file, explicit := profileFile(m)
	optional = optional && !explicit
	expanded, err := client.ExpandHome(file)
	if err != nil {
		if optional {
			return false, nil
		}
		return false, &authError{attr: path.Root("shared_config_file"), summary: "Cannot read the shared config file", detail: err.Error()}
	}
	name := fromEnv(m.Profile, envProfile)
	p, err := client.LoadProfile(expanded, name)
	if err != nil {
		if optional && errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, &authError{attr: path.Root("profile"), summary: "Cannot use the KooCLI profile", detail: err.Error()}
	}
	s.creds, s.region, s.projectID = p.Credentials, p.Region, p.ProjectID
	s.mode = "profile " + p.Name
	if p.AgencyName != "" && p.AgencyDomainName != "" {
		s.assumeRole = &client.AssumeRole{AgencyName: p.AgencyName, DomainName: p.AgencyDomainName}
	}
	return true, nil
}

func (s *signIn) fromOIDC(o *oidcModel) error {
	cfg := &client.OIDCSource{
		IdpID:       fromEnv(o.IdpID, envIdpID),
		IDToken:     fromEnv(o.IDToken, envIDToken),
		IDTokenFile: fromEnv(o.IDTokenFile, envIDTokenFile),
		AgencyName:  fromEnv(o.AgencyName, envAgencyName),
		DomainID:    fromEnv(o.DomainID, envAgencyDomainID),
	}
	if o.IDToken.IsNull() != o.IDTokenFile.IsNull() { // one given as an argument wins over both variables
		if o.IDToken.IsNull() {
			cfg.IDToken = ""
		} else {
			cfg.IDTokenFile = ""
		}
	}
	var missing []string
	for _, f := range []struct{ v, arg, env string }{
		{cfg.IdpID, "idp_id", envIdpID}, {cfg.AgencyName, "agency_name", envAgencyName}, {cfg.DomainID, "domain_id", envAgencyDomainID},
	} {
		if f.v == "" {
			missing = append(missing, f.arg+" ("+f.env+")")
		}
	}
	if cfg.IDToken == "" && cfg.IDTokenFile == "" {
		missing = append(missing, "id_token ("+envIDToken+") or id_token_file ("+envIDTokenFile+")")
	}
	if cfg.IDToken != "" && cfg.IDTokenFile != "" {
		return &authError{attr: path.Root("assume_role_with_oidc"), summary: "Conflicting OIDC id token",
			detail: "Both " + envIDToken + " and " + envIDTokenFile + " are set; set one."}
	}
	if len(missing) > 0 {
		return &authError{attr: path.Root("assume_role_with_oidc"), summary: "Incomplete OIDC configuration",
			detail: "Signing in with an OIDC id token needs " + strings.Join(missing, ", ") + "."}
	}
	d, err := durationFrom(o.Duration, 3600)
	if err != nil {
		return err
	}
	cfg.Duration = d
	s.oidc = cfg
	return nil
}

// durationFrom reads a duration in seconds from the argument or
// HW_ASSUME_ROLE_DURATION; 0 means the default.
func durationFrom(v types.Int64, limit int64) (time.Duration, error) {
	if !v.IsNull() {
		return time.Duration(v.ValueInt64()) * time.Second, nil
	}
	env := os.Getenv(envAgencyDuration)
	if env == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(env, 10, 64)
	if err != nil || n < 900 || n > limit {
		return 0, &authError{summary: "Invalid " + envAgencyDuration,
			detail: fmt.Sprintf("%s must be a whole number of seconds from 900 to %d, got %q.", envAgencyDuration, limit, env)}
	}
	return time.Duration(n) * time.Second, nil
}

// agency adds the assume_role step: the block, else the HW_ASSUME_ROLE_*
// variables, else a profile's agency.
func (s *signIn) agency(m providerModel) error {
	a := m.AssumeRole
	envSet := os.Getenv(envAgencyName) != ""
	if a == nil && (!envSet || s.oidc != nil) {
		return nil // OIDC reads the HW_ASSUME_ROLE_* variables itself
	}
	if s.oidc != nil {
		return &authError{attr: path.Root("assume_role"), summary: "Conflicting agency configuration",
			detail: "assume_role_with_oidc already assumes an agency; remove the assume_role block."}
	}
	if a == nil {
		a = &assumeRoleModel{}
	}
	cfg := &client.AssumeRole{
		AgencyName: fromEnv(a.AgencyName, envAgencyName),
		DomainName: fromEnv(a.DomainName, envAgencyDomainName),
		DomainID:   fromEnv(a.DomainID, envAgencyDomainID),
	}
	if !a.DomainName.IsNull() || !a.DomainID.IsNull() { // the block's domain wins over both variables
		cfg.DomainName, cfg.DomainID = a.DomainName.ValueString(), a.DomainID.ValueString()
	}
	switch {
	case cfg.AgencyName == "":
		return &authError{attr: path.Root("assume_role").AtName("agency_name"), summary: "Missing agency name",
			detail: "assume_role needs agency_name (or " + envAgencyName + ")."}
	case (cfg.DomainName == "") == (cfg.DomainID == ""):
		return &authError{attr: path.Root("assume_role"), summary: "Agency domain",
			detail: "assume_role needs exactly one of domain_name (" + envAgencyDomainName + "), for IAM, and domain_id (" + envAgencyDomainID + "), for STS."}
	}
	limit := int64(86400)
	if cfg.DomainID != "" {
		limit = 43200
	}
	d, err := durationFrom(a.Duration, limit)
	if err != nil {
		return err
	}
	if cfg.DomainID != "" && d > 43200*time.Second {
		return &authError{attr: path.Root("assume_role").AtName("duration"), summary: "Invalid agency duration",
			detail: "STS (assume_role by domain_id) grants at most 43200 seconds."}
	}
	cfg.Duration = d
	s.assumeRole = cfg
	return nil
}

// describe is the sign-in for logs: where from and how, never a value.
func (s *signIn) describe() string {
	d := s.mode + " from " + s.source
	if s.assumeRole != nil {
		d += ", then agency " + s.assumeRole.AgencyName
	}
	return d
}

// nothingSignsIn is the error when even the metadata service fails.
func (s *signIn) nothingSignsIn(err error) error {
	tried := append(append([]string(nil), s.tried...), "ECS metadata service: "+err.Error())
	return &authError{summary: "No HSS credentials found",
		detail: "The provider found no credentials. It tried, in order:\n- " + strings.Join(tried, "\n- ") +
			"\nSet access_key and secret_key (" + envAccessKey + ", " + envSecretKey + "), token (" + envToken + "), " +
			"assume_role_with_oidc (" + envIdpID + ", " + envIDToken + "), or profile (" + envProfile + ")."}
}

func asAuthError(err error) (*authError, bool) {
	var ae *authError
	ok := errors.As(err, &ae)
	return ae, ok
}

// checkCredentials obtains temporary credentials at configure time, so a
// sign-in that cannot work fails once, here, not in every read.
func (s *signIn) checkCredentials(ctx context.Context, c *client.Client) error {
	if s.metadata == nil && s.oidc == nil && s.assumeRole == nil {
		return nil
	}
	err := c.CheckCredentials(ctx)
	var me *client.MetadataError
	if s.metadata != nil && errors.As(err, &me) {
		return s.nothingSignsIn(err)
	}
	return err
}

func addAuthError(diags *diag.Diagnostics, err error) {
	if ae, ok := asAuthError(err); ok {
		if len(ae.attr.Steps()) > 0 {
			diags.AddAttributeError(ae.attr, ae.summary, ae.detail)
		} else {
			diags.AddError(ae.summary, ae.detail)
		}
		return
	}
	diags.AddError("Invalid HSS credentials", err.Error())
}

func assumeRoleBlock() schema.SingleNestedBlock {
	return schema.SingleNestedBlock{
		Description: "Assume an IAM agency with the credentials found (for example to read HSS of another account): by `domain_name` through IAM, or by `domain_id` through STS. " +
			"Each argument can also come from its `HW_ASSUME_ROLE_*` variable, which are read even without this block. The agency's temporary keys are refreshed before they expire.",
		Attributes: map[string]schema.Attribute{
			"agency_name": schema.StringAttribute{
				Optional:    true,
				Validators:  []validator.String{stringvalidator.LengthAtLeast(1)},
				Description: "Name of the agency. Can also come from `" + envAgencyName + "`.",
			},
			"domain_name": schema.StringAttribute{
				Optional: true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1),
					stringvalidator.ConflictsWith(path.MatchRelative().AtParent().AtName("domain_id"))},
				Description: "Name of the account (domain) that owns the agency; the agency is assumed through IAM (`/v3.0/OS-CREDENTIAL/securitytokens`). Can also come from `" + envAgencyDomainName + "`. Conflicts with `domain_id`.",
			},
			"domain_id": schema.StringAttribute{
				Optional:    true,
				Validators:  []validator.String{stringvalidator.LengthAtLeast(1)},
				Description: "ID of the account (domain) that owns the agency; the agency is assumed through STS (`/v5/agencies/assume`). Can also come from `" + envAgencyDomainID + "`.",
			},
			"duration": schema.Int64Attribute{
				Optional:    true,
				Validators:  []validator.Int64{int64validator.Between(900, 86400)},
				Description: "Lifetime of the agency's temporary keys in seconds: 900 to 86400 through IAM, at most 43200 through STS (3600 when the base credentials are temporary themselves). Can also come from `" + envAgencyDuration + "`. Defaults to 3600.",
			},
		},
	}
}

func oidcBlock() schema.SingleNestedBlock {
	return schema.SingleNestedBlock{
		Description: "Sign in with an OpenID Connect id token, such as a CI system's: the id token becomes an unscoped IAM token, that token temporary keys, and those the agency's keys. " +
			"Each argument can also come from its variable. The keys are refreshed before they expire, reading `id_token_file` again. See the CI guide.",
		Attributes: map[string]schema.Attribute{
			"agency_name": schema.StringAttribute{
				Optional:    true,
				Validators:  []validator.String{stringvalidator.LengthAtLeast(1)},
				Description: "Agency the identity provider's users may assume. Can also come from `" + envAgencyName + "`.",
			},
			"domain_id": schema.StringAttribute{
				Optional:    true,
				Validators:  []validator.String{stringvalidator.LengthAtLeast(1)},
				Description: "ID of the account (domain) of the agency. Can also come from `" + envAgencyDomainID + "`.",
			},
			"idp_id": schema.StringAttribute{
				Optional:    true,
				Validators:  []validator.String{stringvalidator.LengthAtLeast(1)},
				Description: "ID of the IAM identity provider that trusts the id token's issuer. Can also come from `" + envIdpID + "`.",
			},
			"id_token": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1),
					stringvalidator.ConflictsWith(path.MatchRelative().AtParent().AtName("id_token_file"))},
				Description: "The id token (a JWT). Can also come from `" + envIDToken + "`. Prefer `id_token_file`: it is read again whenever the keys are refreshed.",
			},
			"id_token_file": schema.StringAttribute{
				Optional:    true,
				Validators:  []validator.String{stringvalidator.LengthAtLeast(1)},
				Description: "File holding the id token, read again on every refresh (CI systems rotate it). A regular file (a link to one is followed) of at most 64 KiB: a pipe, a directory or a link to nothing is an error naming it. Can also come from `" + envIDTokenFile + "`.",
			},
			"duration": schema.Int64Attribute{
				Optional:    true,
				Validators:  []validator.Int64{int64validator.Between(900, 3600)},
				Description: "Lifetime of the temporary keys in seconds, 900 to 3600 (STS's limit for temporary callers). Can also come from `" + envAgencyDuration + "`. Defaults to 3600.",
			},
		},
	}
}
