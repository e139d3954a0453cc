# Every number about the image a deployment is about to run.
locals {
  image = provider::hss::parse_image_ref("swr.cn-north-4.myhuaweicloud.com/shop/web:2.0")
}

data "hss_image_security_summary" "web" {
  image_type    = "private_image"
  namespace     = local.image.namespace
  image_name    = local.image.image_name
  image_version = local.image.image_version

  lifecycle {
    postcondition {
      condition     = self.report_counts["malwares"] == 0
      error_message = "${local.image.image_name}:${local.image.image_version} contains ${self.report_counts["malwares"]} malicious file(s)."
    }
  }
}

output "web_vulnerabilities" {
  value = data.hss_image_security_summary.web.report_counts["vulnerability"]
}

output "web_weak_passwords" {
  value = data.hss_image_security_summary.web.baseline.image_weak_pwd
}
