package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// DefaultSharedConfigFile is KooCLI's configuration file, ~ expanded by
// ExpandHome.
const DefaultSharedConfigFile = "~/.hcloud/config.json"

// Profile is what the provider takes from a KooCLI profile.
type Profile struct {
	Name             string
	Credentials      Credentials
	Region           string
	ProjectID        string
	DomainID         string
	AgencyName       string
	AgencyDomainName string
}

func (Profile) String() string   { return "client.Profile{redacted}" }
func (Profile) GoString() string { return "client.Profile{redacted}" }

// ExpandHome replaces a leading ~ with the user's home directory.
func ExpandHome(path string) (string, error) {
	if path != "~" && !strings.HasPrefix(path, "~/") {
		return path, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cannot expand ~ in %s: %w", path, err)
	}
	return filepath.Join(home, strings.TrimPrefix(path, "~")), nil
}

type koocliKeys struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	SecurityToken   string `json:"securityToken"`
}

type koocliFile struct {
	Current  string `json:"current"`
	Profiles []struct {
		Name string `json:"name"`
		Mode string `json:"mode"`
		koocliKeys
		Region           string `json:"region"`
		ProjectID        string `json:"projectId"`
		DomainID         string `json:"domainId"`
		AgencyName       string `json:"agencyName"`
		AgencyDomainName string `json:"agencyDomainName"`
		SSOAuth          *struct {
			STSToken *koocliKeys `json:"stsToken"`
		} `json:"ssoAuth"`
	} `json:"profiles"`
}

// LoadProfile reads profile name (empty: the file's current one) from a
// KooCLI configuration file. Errors name the file and the profile, never a
// key. The file must be a regular file (links to one are followed) of at
// most MaxProfileFileSize bytes; it is read without ever blocking (see
// readSignInFile). Only a file that is not there at all gives an error
// that wraps fs.ErrNotExist: a link to nothing, a link loop, a directory
// or a pipe is there, and broken.
func LoadProfile(file, name string) (Profile, error) {
	b, err := readSignInFile("the shared config file", file, MaxProfileFileSize)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Profile{}, fmt.Errorf("%w (create it with KooCLI: hcloud configure init)", err)
		}
		return Profile{}, err
	}
	var f koocliFile
	if err := json.Unmarshal(b, &f); err != nil {
		return Profile{}, fmt.Errorf("the shared config file %s is not KooCLI JSON (if KooCLI encrypted it, run `hcloud configure set --cli-auth-encrypt=false` and try again)", file)
	}
	wanted := name
	if wanted == "" {
		wanted = f.Current
	}
	if wanted == "" {
		return Profile{}, fmt.Errorf("the shared config file %s names no current profile; set profile (or HW_PROFILE)", file)
	}
	names := make([]string, 0, len(f.Profiles))
	for _, p := range f.Profiles {
		names = append(names, p.Name)
		if p.Name != wanted {
			continue
		}
		keys := p.koocliKeys
		if strings.EqualFold(p.Mode, "SSO") {
			if p.SSOAuth == nil || p.SSOAuth.STSToken == nil {
				return Profile{}, fmt.Errorf("profile %q in %s is an SSO profile without ssoAuth.stsToken; sign in again with KooCLI (hcloud configure sso)", wanted, file)
			}
			keys = *p.SSOAuth.STSToken
		}
		if keys.AccessKeyID == "" || keys.SecretAccessKey == "" {
			return Profile{}, fmt.Errorf("profile %q in %s has no access key pair (mode %q); the provider reads AKSK and SSO profiles", wanted, file, p.Mode)
		}
		if looksEncrypted(keys) {
			return Profile{}, fmt.Errorf("profile %q in %s holds no plain access key id: KooCLI encrypts keys unless told not to. "+
				"Run `hcloud configure set --cli-auth-encrypt=false`, configure the profile again, and try again", wanted, file)
		}
		return Profile{
			Name:             wanted,
			Credentials:      Credentials{AccessKey: keys.AccessKeyID, SecretKey: keys.SecretAccessKey, SecurityToken: keys.SecurityToken},
			Region:           p.Region,
			ProjectID:        p.ProjectID,
			DomainID:         p.DomainID,
			AgencyName:       p.AgencyName,
			AgencyDomainName: p.AgencyDomainName,
		}, nil
	}
	return Profile{}, fmt.Errorf("the shared config file %s has no profile %q (it has: %s)", file, wanted, strings.Join(names, ", "))
}

// looksEncrypted: an access key id is 16 to 40 upper-case letters and
// digits (20 today). Anything else in that field is what KooCLI writes when
// it encrypts the keys, its default since 5.2.7.
func looksEncrypted(k koocliKeys) bool {
	ak := k.AccessKeyID
	if len(ak) < 16 || len(ak) > 40 {
		return ak != ""
	}
	for _, r := range ak {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return true
		}
	}
	return false
}
