# Every finding HSS has for one image, with its CVEs, CVSS and publish
# time. The read fails unless HSS knows exactly one such image and scanned
# it successfully: an empty list of an unscanned image proves nothing.
data "hss_image_vulnerabilities" "app" {
  image_type    = "private_image"
  namespace     = "vulns"
  image_name    = "app"
  image_version = "1.0"
  max_scan_age  = "168h"
}

output "app_counts" {
  value = data.hss_image_vulnerabilities.app.counts # { high = 2, medium = 0, low = 1 }
}

output "app_critical_cves" {
  value = flatten([
    for v in data.hss_image_vulnerabilities.app.vulnerabilities : v.cve_ids if coalesce(v.max_cvss, 0) >= 9
  ])
}

# Only application dependencies of high severity; counts still count all.
data "hss_image_vulnerabilities" "app_high" {
  image_type    = "private_image"
  namespace     = "vulns"
  image_name    = "app"
  image_version = "1.0"
  min_severity  = "high"
  type          = "app_vul"
}
