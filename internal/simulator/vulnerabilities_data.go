package simulator

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"time"
)

// Advisory is what HSS knows of one vulnerability id tenant-wide: the
// global list's row and its CVEs (ListVulnerabilityCve). Findings (Vuln)
// take their package, version, path, severity and texts from it unless
// they say otherwise.
type Advisory struct {
	ID   string
	Name string // vul_name of the global list
	// RepairNecessity as HSS sends it: immediate_repair, delay_repair or
	// not_needed_repair, or the vulnerability-centric vocabulary Critical,
	// High, Medium or Low (both are seen under this name, note §0.2); empty
	// leaves the field out.
	RepairNecessity string
	Description     string
	Solution        string
	URL             string
	// The package of a finding that names none.
	AppName string
	Version string
	AppPath string // only app_vul findings show a path
	CVEs    []CVE
}

// CVE is one CVE of an advisory.
type CVE struct {
	ID          string
	CVSS        float64
	Published   int64 // ms since the epoch
	Description string
}

// Names of the vulnerability data set (namespace "vulns", added to
// DefaultImages after listImages, so no existing record id moves).
const (
	// VulnsNamespace holds clean:1.0 (no finding), app:1.0 (3 findings)
	// and monolith:3.0 (MonolithFindings findings).
	VulnsNamespace = "vulns"
	// MonolithFindings is how many rows vulns/monolith:3.0's per-image list
	// has: three pages at limit 200. By type and handle status:
	// linux_vul 263 unhandled + 37 handled, app_vul 129 unhandled + 21
	// handled; 401 distinct vul_ids (49 app vulnerabilities are found at two
	// paths).
	MonolithFindings = 450
	// NoCveVulID is the one vulnerability without CVEs (ListVulnerabilityCve
	// answers total_num 0). vulns/app:1.0 marks it handled, monolith does not.
	NoCveVulID = "HSS-2025-0042"
	// ManyCveVulID has 12 CVEs (two pages at limit 10).
	ManyCveVulID = "DLA-9000-1"
)

func date(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).UnixMilli()
}

// DefaultAdvisories is the catalogue behind DefaultImages' findings. Scores
// and dates of real CVE ids are close to the published ones but only
// illustrative; DSA-9901-1, HSS-2025-0042, the DLA-9xxx-1 and GHSA ids and
// CVE-2025-0001 and CVE-2025-2xxxx are made up.
func DefaultAdvisories() []Advisory {
	one := func(id string, cvss float64, published int64, desc string) []CVE {
		return []CVE{{ID: id, CVSS: cvss, Published: published, Description: desc}}
	}
	nvd := func(id string) string { return "https://nvd.nist.gov/vuln/detail/" + id }
	out := []Advisory{
		{
			ID: "CVE-2024-3094", Name: "xz-utils: backdoor in liblzma", RepairNecessity: "immediate_repair",
			Description: "Malicious code in the upstream xz tarballs modifies liblzma.",
			Solution:    "Upgrade xz-utils and liblzma5 to 5.6.1+really5.4.5-1 or later.", URL: nvd("CVE-2024-3094"),
			AppName: "liblzma5", Version: "5.6.0-0.2", AppPath: "/usr/lib/x86_64-linux-gnu/liblzma.so.5",
			CVEs: one("CVE-2024-3094", 10.0, date(2024, 3, 29), "Malicious code was discovered in the upstream tarballs of xz, starting with version 5.6.0."),
		},
		{
			ID: "CVE-2023-4863", Name: "libwebp: heap buffer overflow", RepairNecessity: "immediate_repair",
			Description: "Heap buffer overflow in libwebp allows an out of bounds write.",
			Solution:    "Upgrade libwebp7 to 1.2.4-0.2+deb12u1 or later.", URL: nvd("CVE-2023-4863"),
			AppName: "libwebp7", Version: "1.2.4-0.2", AppPath: "/usr/lib/x86_64-linux-gnu/libwebp.so.7",
			CVEs: one("CVE-2023-4863", 8.8, date(2023, 9, 12), "Heap buffer overflow in libwebp allows a remote attacker to perform an out of bounds memory write via a crafted HTML page."),
		},
		{
			ID: "CVE-2024-6387", Name: "OpenSSH: regreSSHion signal handler race", RepairNecessity: "immediate_repair",
			Description: "A signal handler race condition in sshd allows unauthenticated remote code execution.",
			Solution:    "Upgrade openssh-server to 1:9.2p1-2+deb12u3 or later.", URL: nvd("CVE-2024-6387"),
			AppName: "openssh-server", Version: "1:9.2p1-2+deb12u2", AppPath: "/usr/sbin/sshd",
			CVEs: one("CVE-2024-6387", 8.1, date(2024, 7, 1), "A security regression (CVE-2006-5051) was discovered in OpenSSH's server (sshd)."),
		},
		{
			ID: "CVE-2023-44487", Name: "HTTP/2 rapid reset", RepairNecessity: "delay_repair",
			Description: "HTTP/2 request cancellation can reset many streams quickly (denial of service).",
			Solution:    "Upgrade libnghttp2-14 to 1.52.0-1+deb12u1 or later.", URL: nvd("CVE-2023-44487"),
			AppName: "libnghttp2-14", Version: "1.52.0-1", AppPath: "/usr/lib/x86_64-linux-gnu/libnghttp2.so.14",
			CVEs: one("CVE-2023-44487", 7.5, date(2023, 10, 10), "The HTTP/2 protocol allows a denial of service because request cancellation can reset many streams quickly."),
		},
		{
			ID: "CVE-2024-45337", Name: "golang.org/x/crypto/ssh: misuse of PublicKeyCallback", RepairNecessity: "immediate_repair",
			Description: "Applications misusing ServerConfig.PublicKeyCallback may be vulnerable to an authorization bypass.",
			Solution:    "Rebuild with golang.org/x/crypto v0.31.0 or later.", URL: nvd("CVE-2024-45337"),
			AppName: "golang.org/x/crypto", Version: "v0.29.0", AppPath: "/app/bin/server",
			CVEs: one("CVE-2024-45337", 9.1, date(2024, 12, 12), "Applications and libraries which misuse connection.serverAuthenticate (via callback field ServerConfig.PublicKeyCallback) may be susceptible to an authorization bypass."),
		},
		{
			ID: "CVE-2024-24790", Name: "Go net/netip: IPv4-mapped IPv6 addresses misclassified", RepairNecessity: "Critical",
			Description: "The Is methods of netip.Addr return false for IPv4-mapped IPv6 addresses.",
			Solution:    "Rebuild with Go 1.22.4 or later.", URL: nvd("CVE-2024-24790"),
			AppName: "stdlib", Version: "go1.22.3", AppPath: "/app/bin/gateway",
			CVEs: one("CVE-2024-24790", 9.8, date(2024, 6, 5), "The various Is methods (IsPrivate, IsLoopback, etc) did not work as expected for IPv4-mapped IPv6 addresses."),
		},
		{
			ID: "CVE-2024-2511", Name: "OpenSSL: unbounded memory growth with TLSv1.3 sessions", RepairNecessity: "not_needed_repair",
			Description: "Session handling in TLSv1.3 can grow memory without bound (denial of service).",
			Solution:    "Upgrade libssl3 to 3.1.4-r6 or later.", URL: nvd("CVE-2024-2511"),
			AppName: "libssl3", Version: "3.1.4-r5", AppPath: "/lib/libssl.so.3",
			CVEs: one("CVE-2024-2511", 5.9, date(2024, 4, 8), "Some non-default TLS server configurations can cause unbounded memory growth when processing TLSv1.3 sessions."),
		},
		{
			ID: "CVE-2024-7347", Name: "nginx: ngx_http_mp4_module over-read", RepairNecessity: "delay_repair",
			Description: "A crafted mp4 file can make the mp4 module over-read worker memory.",
			Solution:    "Upgrade nginx to 1.27.1 or later.", URL: nvd("CVE-2024-7347"),
			AppName: "nginx", Version: "1.27.0-1~bookworm", AppPath: "/usr/sbin/nginx",
			CVEs: one("CVE-2024-7347", 4.7, date(2024, 8, 14), "NGINX Open Source and NGINX Plus have a vulnerability in the ngx_http_mp4_module."),
		},
		{
			ID: "CVE-2025-0001", Name: "libexample: simulated low-severity finding", RepairNecessity: "Low",
			Description: "A made-up finding of the simulator.", Solution: "Upgrade libexample to 1.0.1 or later.", URL: nvd("CVE-2025-0001"),
			AppName: "libexample", Version: "1.0.0", AppPath: "/usr/lib/libexample.so.1",
			CVEs: one("CVE-2025-0001", 3.1, date(2025, 1, 2), "A made-up CVE of the simulator."),
		},
		{
			ID: "DSA-9901-1", Name: "openssl security update", RepairNecessity: "immediate_repair",
			Description: "Several vulnerabilities were found in OpenSSL.",
			Solution:    "Upgrade libssl3 to 3.0.15-1~deb12u1 or later.", URL: "https://security-tracker.debian.org/tracker/DSA-9901-1",
			AppName: "libssl3", Version: "3.0.11-1~deb12u2", AppPath: "/usr/lib/x86_64-linux-gnu/libssl.so.3",
			CVEs: []CVE{
				{ID: "CVE-2024-5535", CVSS: 9.1, Published: date(2024, 6, 27), Description: "Calling SSL_select_next_proto with an empty supported client protocols buffer may cause a crash or memory contents to be sent to the peer."},
				{ID: "CVE-2024-4741", CVSS: 7.5, Published: date(2024, 11, 13), Description: "Calling SSL_free_buffers may cause memory to be accessed that was previously freed."},
			},
		},
		{
			ID: "GHSA-q2c3-9v6h-w5mr", Name: "netty-codec-http2: HTTP/2 rapid reset", RepairNecessity: "High",
			Description: "netty's HTTP/2 codec is affected by the HTTP/2 rapid reset attack.",
			Solution:    "Upgrade io.netty:netty-codec-http2 to 4.1.100.Final or later.", URL: "https://github.com/advisories/GHSA-q2c3-9v6h-w5mr",
			AppName: "netty-codec-http2", Version: "4.1.97.Final", AppPath: "/app/lib/netty-codec-http2-4.1.97.Final.jar",
			// The same CVE as vulnerability CVE-2023-44487 of the shop images.
			CVEs: one("CVE-2023-44487", 7.5, date(2023, 10, 10), "The HTTP/2 protocol allows a denial of service because request cancellation can reset many streams quickly."),
		},
		{
			ID: NoCveVulID, Name: "busybox: telnetd enabled in the default configuration", RepairNecessity: "not_needed_repair",
			Description: "busybox is built with telnetd; HSS knows no CVE for this finding.",
			Solution:    "Remove busybox from the image if it is not needed.",
			AppName:     "busybox", Version: "1:1.35.0-4", AppPath: "/bin/busybox",
		},
	}
	k := 0 // generated CVEs so far
	for i := range monolithLinux {
		out = append(out, genLinuxAdvisory(i, &k))
	}
	for j := range monolithApps {
		out = append(out, genAppAdvisory(j, &k))
	}
	return out
}

// How many generated vulnerabilities vulns/monolith:3.0 has.
const (
	monolithLinux = 296
	monolithApps  = 100
	monolithTwice = 49 // app vulnerabilities found at two paths
)

var (
	linuxPkgs = []string{"libc6", "zlib1g", "libxml2", "curl", "libcurl4", "libssh2-1", "libgnutls30", "libsqlite3-0", "perl-base",
		"libexpat1", "tar", "gzip", "bash", "libpcre2-8-0", "libtiff6", "libpng16-16", "libjpeg62-turbo", "libkrb5-3", "libldap-2.5-0", "systemd"}
	appPkgs = []string{"jackson-databind", "spring-web", "log4j-core", "snakeyaml", "commons-text", "guava", "tomcat-embed-core",
		"protobuf-java", "okhttp", "commons-compress"}
	linuxSeverities = []string{"immediate_repair", "delay_repair", "not_needed_repair", "delay_repair"}
	appSeverities   = []string{"Critical", "High", "Medium", "Low"}
)

// genCVEs makes n CVEs with scores in the band of a severity.
func genCVEs(n int, k *int, severity, subject string) []CVE {
	lo := map[string]float64{"immediate_repair": 7.0, "Critical": 9.0, "High": 7.0, "delay_repair": 4.0, "Medium": 4.0}[severity]
	width := 30
	if severity == "Critical" {
		width = 10
	}
	if lo == 0 {
		lo = 0.1 // not_needed_repair, Low
	}
	var out []CVE
	for range n {
		score := float64(int(lo*10)+(*k*37)%width) / 10
		out = append(out, CVE{
			ID:          fmt.Sprintf("CVE-2025-%d", 20000+*k),
			CVSS:        score,
			Published:   date(2024, 1, 1) + int64((*k*7919)%730)*86400000,
			Description: fmt.Sprintf("A made-up vulnerability in %s.", subject),
		})
		*k++
	}
	return out
}

func genLinuxAdvisory(i int, k *int) Advisory {
	pkg := linuxPkgs[i%len(linuxPkgs)]
	sev := linuxSeverities[i%len(linuxSeverities)]
	n := 1 + i%3
	if i == 0 {
		n = 12 // ManyCveVulID: a kernel-style advisory
	}
	id := fmt.Sprintf("DLA-%d-1", 9000+i)
	a := Advisory{
		ID: id, Name: pkg + " security update", RepairNecessity: sev,
		Description: fmt.Sprintf("Vulnerabilities were found in %s.", pkg),
		Solution:    fmt.Sprintf("Upgrade %s to %s or later.", pkg, linuxFixed(i)),
		URL:         "https://security-tracker.debian.org/tracker/" + id,
		AppName:     pkg, Version: linuxVersion(i), AppPath: "/usr/lib/x86_64-linux-gnu/" + pkg,
		CVEs: genCVEs(n, k, sev, pkg),
	}
	if i%25 == 24 {
		// Low by HSS's rating, critical by CVSS: only max_cvss catches it.
		a.RepairNecessity = "not_needed_repair"
		a.CVEs[0].CVSS = 9.8
	}
	return a
}

func linuxVersion(i int) string { return fmt.Sprintf("%d.%d.%d-1+deb12u%d", 1+i%4, i%10, i%7, 1+i%3) }
func linuxFixed(i int) string   { return fmt.Sprintf("%d.%d.%d-1+deb12u%d", 1+i%4, i%10, i%7, 4+i%3) }

func genAppAdvisory(j int, k *int) Advisory {
	pkg := appPkgs[j%len(appPkgs)]
	sev := appSeverities[j%len(appSeverities)]
	id := ghsaID(j)
	return Advisory{
		ID: id, Name: pkg + ": made-up vulnerability", RepairNecessity: sev,
		Description: fmt.Sprintf("A made-up vulnerability in %s.", pkg),
		Solution:    fmt.Sprintf("Upgrade %s to %s or later.", pkg, appFixed(j)),
		URL:         "https://github.com/advisories/" + id,
		AppName:     pkg, Version: appVersion(j), AppPath: fmt.Sprintf("/app/lib/%s-%s.jar", pkg, appVersion(j)),
		CVEs: genCVEs(1, k, sev, pkg),
	}
}

func appVersion(j int) string { return fmt.Sprintf("%d.%d.%d", 2+j%3, j%12, j%5) }
func appFixed(j int) string   { return fmt.Sprintf("%d.%d.%d", 2+j%3, j%12, 5+j%5) }

// ghsaID is a GitHub advisory id made from j: GHSA-xxxx-xxxx-xxxx over
// GitHub's alphabet.
func ghsaID(j int) string {
	const alphabet = "23456789cfghjmpqrvwx"
	sum := sha256.Sum256([]byte(fmt.Sprintf("simulated-ghsa-%d", j)))
	var b strings.Builder
	b.WriteString("GHSA")
	for g := range 3 {
		b.WriteByte('-')
		for c := range 4 {
			b.WriteByte(alphabet[int(sum[g*4+c])%len(alphabet)])
		}
	}
	return b.String()
}

// vulnImages is the vulnerability data set: an image without findings,
// one with three and one with MonolithFindings, sharing vulnerabilities
// with each other and with the shop images, with handled findings, a
// vulnerability without CVEs and both severity vocabularies.
func vulnImages() []Image {
	const t0 = 1767225600000 // 2026-01-01T00:00:00Z in ms
	const day = 86400000
	img := func(id, name, version, severity string, vulns []Vuln) Image {
		return Image{
			ID: id, Type: "private_image", EnterpriseProjectID: "0", Namespace: VulnsNamespace, Name: name, Version: version,
			RegistryName: "SWR", ScanStatus: "success", SeverityLevel: severity, SizeBytes: 120000000,
			LatestUpdateTime: t0 + 100*day, ScanAge: FreshScanAge, LatestVersion: true, Vulns: vulns,
		}
	}
	shared := []Vuln{
		{ID: "DSA-9901-1", Type: "linux_vul"},
		{ID: "GHSA-q2c3-9v6h-w5mr", Type: "app_vul"},
	}
	app := append(append([]Vuln(nil), shared...), Vuln{ID: NoCveVulID, Type: "linux_vul", Handled: true})

	var linux, apps []Vuln
	for i := range monolithLinux {
		linux = append(linux, Vuln{ID: fmt.Sprintf("DLA-%d-1", 9000+i), Type: "linux_vul", Handled: i%8 == 7})
	}
	for j := range monolithApps {
		// HSS handles an image's vulnerability, not one path of it: both
		// findings of a vulnerability found twice share the state.
		handled := j%7 == 6
		apps = append(apps, Vuln{ID: ghsaID(j), Type: "app_vul", Handled: handled})
		if j < monolithTwice {
			pkg := appPkgs[j%len(appPkgs)]
			apps = append(apps, Vuln{ID: ghsaID(j), Type: "app_vul", Handled: handled,
				AppPath: fmt.Sprintf("/app/plugins/p%02d/%s-%s.jar", j, pkg, appVersion(j))})
		}
	}
	monolith := append(append([]Vuln(nil), shared...),
		Vuln{ID: NoCveVulID, Type: "linux_vul"},
		Vuln{ID: "CVE-2024-3094", Type: "linux_vul"},
		Vuln{ID: "CVE-2024-6387", Type: "linux_vul"},
	)
	// Two Linux findings, then one application finding, and so on: every
	// page mixes types and handle states.
	for len(linux) > 0 || len(apps) > 0 {
		for range 2 {
			if len(linux) > 0 {
				monolith, linux = append(monolith, linux[0]), linux[1:]
			}
		}
		if len(apps) > 0 {
			monolith, apps = append(monolith, apps[0]), apps[1:]
		}
	}
	return []Image{
		img("img-vulns-clean-10", "clean", "1.0", "Security", nil),
		img("img-vulns-app-10", "app", "1.0", "High", app),
		img("img-vulns-monolith-30", "monolith", "3.0", "High", monolith),
	}
}
