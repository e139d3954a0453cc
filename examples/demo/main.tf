# The demo: read baseline numbers of a few images from the local HSS
# simulator. `make demo` starts the simulator and exports the HW_*
# variables the provider reads, so the provider block stays empty.
terraform {
  required_providers {
    hss = {
      source = "cloudsec/hss"
    }
  }
}

provider "hss" {}

# Every repository image in the default enterprise project.
data "hss_image_baseline_statistic" "registry" {
  image_type = "registry"
}

# One image, named the way it is pushed: shop/web:2.0.
data "hss_image_baseline_statistic" "web" {
  image_type    = "private_image"
  namespace     = "shop"
  image_name    = "web"
  image_version = "2.0"
}

# Names with spaces, '+' and '/' are sent exactly as written.
data "hss_image_baseline_statistic" "edge" {
  image_type    = "private_image"
  namespace     = "shop"
  image_name    = "api gateway+edge"
  image_version = "v1/beta"
}

output "registry_baseline" {
  value = {
    weak_passwords  = data.hss_image_baseline_statistic.registry.image_weak_pwd
    password_policy = data.hss_image_baseline_statistic.registry.pwd_policy
    config_checks   = data.hss_image_baseline_statistic.registry.security_check
  }
}

output "shop_web_2_0_baseline" {
  value = {
    weak_passwords  = data.hss_image_baseline_statistic.web.image_weak_pwd
    password_policy = data.hss_image_baseline_statistic.web.pwd_policy
    config_checks   = data.hss_image_baseline_statistic.web.security_check
  }
}

output "edge_config_checks" {
  value = data.hss_image_baseline_statistic.edge.security_check
}

# Every number about the image a release deploys, in one object. The read
# fails unless HSS knows exactly this image and scanned it successfully.
locals {
  deployed = provider::hss::parse_image_ref("swr.cn-north-4.myhuaweicloud.com/shop/web:2.0")
}

data "hss_image_security_summary" "deployed" {
  image_type    = "private_image"
  namespace     = local.deployed.namespace
  image_name    = local.deployed.image_name
  image_version = local.deployed.image_version
}

output "deployed_image_summary" {
  value = {
    image         = "${local.deployed.namespace}/${local.deployed.image_name}:${local.deployed.image_version}"
    scan_status   = data.hss_image_security_summary.deployed.image.scan_status
    scanned_at    = data.hss_image_security_summary.deployed.image.scanned_at
    baseline      = data.hss_image_security_summary.deployed.baseline
    report_counts = data.hss_image_security_summary.deployed.report_counts
  }
}

# One baseline export of the shop images, kept in state: HSS runs the task,
# the provider waits for it and downloads the ZIP next to the configuration.
resource "hss_image_baseline_export" "shop" {
  export_size = 1000
  operate_all = true
  image_type  = "private_image"
  namespace   = "shop"
  output_path = "${path.module}/shop-baseline.zip"

  triggers = {
    release = "2026.11"
  }
}

output "baseline_export" {
  value = {
    task_id          = hss_image_baseline_export.shop.task_id
    record_total_num = hss_image_baseline_export.shop.record_total_num
    file_name        = hss_image_baseline_export.shop.file_name
    output_path      = hss_image_baseline_export.shop.output_path
    output_sha256    = hss_image_baseline_export.shop.output_sha256
  }
}

# The vulnerability gate: every finding HSS lists for vulns/app:1.0, each
# with its CVEs, judged against a policy with two exceptions. One is
# active; the other expired on 30 June, so the finding it accepted fails
# again and the plan warns that it lapsed. enforce = false keeps the
# verdict in the plan instead of failing it, so that the demo can show the
# report; a deployment gate keeps the default, true.
locals {
  # A real policy writes its dates; the demo computes the active one, 90
  # days after the plan, so that it never goes stale.
  in_90_days = formatdate("YYYY-MM-DD", timeadd(plantimestamp(), "2160h"))
}

data "hss_image_gate" "release" {
  image_type    = "private_image"
  namespace     = "vulns"
  image_name    = "app"
  image_version = "1.0"
  enforce       = false

  policy = {
    fail_on = "high"
    exceptions = [
      {
        id      = "DSA-9901-1"
        reason  = "libssl3 3.0.15 comes with the rebuilt base image next sprint; the service terminates no TLS itself (SEC-2041)."
        expires = local.in_90_days
      },
      {
        id      = "CVE-2023-44487"
        reason  = "HTTP/2 was turned off at the ingress until netty-codec-http2 4.1.100 was released."
        expires = "2026-06-30"
      },
    ]
  }
}

output "gate" {
  value = {
    passed            = data.hss_image_gate.release.passed
    violations        = [for v in data.hss_image_gate.release.violations : "${v.vul_id}: ${join("; ", v.reasons)}"]
    excepted          = [for x in data.hss_image_gate.release.excepted : x.vul_id]
    lapsed_exceptions = [for e in data.hss_image_gate.release.lapsed_exceptions : "${e.id} (expired ${e.expires})"]
  }
}

# What a reviewer reads in the pull request (make demo prints it).
output "gate_report" {
  value = data.hss_image_gate.release.report_markdown
}
