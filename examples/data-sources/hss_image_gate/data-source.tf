# Gate the release of shop/web:2.0 while 1.9 runs: only what 2.0 adds can
# fail, the xz backdoor fails whatever else the policy says, and one
# accepted risk lapses at the end of the year. A failing image fails the
# plan, the error listing the violations.
data "hss_image_gate" "web" {
  image_type    = "private_image"
  namespace     = "shop"
  image_name    = "web"
  image_version = "2.0"

  policy = {
    fail_on      = "high"
    max_cvss     = 9.0
    grace_period = "168h"
    deny         = ["CVE-2024-3094"]
    exceptions = [
      {
        id      = "CVE-2024-45337"
        reason  = "PublicKeyCallback is not used; rebuilt with x/crypto v0.31.0 next sprint"
        expires = "2026-12-31"
        package = "golang.org/x/crypto"
      },
    ]
    new_only_against  = "1.9"
    max_report_counts = { malwares = 1, sensitive-info = 2 }
  }
}

# The verdict without failing the plan: a report for a pull request and a
# SARIF log for code scanning.
data "hss_image_gate" "app" {
  image_type    = "private_image"
  namespace     = "vulns"
  image_name    = "app"
  image_version = "1.0"
  enforce       = false
}

output "app_passed" {
  value = data.hss_image_gate.app.passed
}

output "app_report" {
  value = data.hss_image_gate.app.report_markdown
}

output "app_sarif" {
  value = data.hss_image_gate.app.sarif
}
