# Every number about the image a deployment is about to run. The read fails
# unless HSS knows exactly one such image and its last scan succeeded less
# than a week ago: counts of an image HSS has not scanned prove nothing.
locals {
  image = provider::hss::parse_image_ref("swr.cn-north-4.myhuaweicloud.com/release/checkout:4.0")
}

data "hss_image_security_summary" "checkout" {
  image_type    = "private_image"
  namespace     = local.image.namespace
  image_name    = local.image.image_name
  image_version = local.image.image_version
  max_scan_age  = "168h"

  lifecycle {
    postcondition {
      condition     = self.report_counts["malwares"] == 0
      error_message = "${local.image.image_name}:${local.image.image_version} contains ${self.report_counts["malwares"]} malicious file(s)."
    }
  }
}

output "checkout_scanned_at" {
  value = data.hss_image_security_summary.checkout.image.scanned_at
}

output "checkout_vulnerabilities" {
  value = data.hss_image_security_summary.checkout.report_counts["vulnerability"]
}

output "checkout_weak_passwords" {
  value = data.hss_image_security_summary.checkout.baseline.image_weak_pwd
}
