# The deployment gate: the image a release deploys, and every HSS number
# about it, read during plan. examples/policy/image_risk.rego evaluates the
# saved plan; the postcondition and the check block are the same gate in
# plain Terraform.
terraform {
  required_providers {
    hss = {
      source = "cloudsec/hss"
    }
  }
}

provider "hss" {}

variable "image" {
  description = "Image reference the release deploys, as in its Kubernetes manifest."
  type        = string
}

variable "defer_read" {
  description = "Add a read that depends on a resource this plan creates, so it is deferred to apply (shows that the gate fails closed)."
  type        = bool
  default     = false
}

locals {
  image = provider::hss::parse_image_ref(var.image)
}

resource "terraform_data" "release" {
  input = var.image
}

data "hss_image_security_summary" "deploy" {
  image_type    = "private_image"
  namespace     = local.image.namespace
  image_name    = local.image.image_name
  image_version = local.image.image_version
}

data "hss_image_baseline_statistic" "deploy" {
  image_type    = "private_image"
  namespace     = local.image.namespace
  image_name    = local.image.image_name
  image_version = local.image.image_version
}

data "hss_image_security_report_statistic" "linux_vulns" {
  security_report_type = "vulnerability"
  operate_all          = true
  image_type           = "private_image"
  namespace            = local.image.namespace
  image_name           = local.image.image_name
  image_version        = local.image.image_version
  vul_type             = "linux_vul"
}

# Depends on a change this plan makes, so Terraform reads it only at apply:
# the plan has no numbers for it, and the policy denies.
data "hss_image_baseline_statistic" "after_release" {
  count      = var.defer_read ? 1 : 0
  depends_on = [terraform_data.release]

  image_type    = "private_image"
  namespace     = local.image.namespace
  image_name    = local.image.image_name
  image_version = local.image.image_version
}

# Warns, does not block.
check "no_high_vulnerability_count" {
  assert {
    condition     = data.hss_image_security_summary.deploy.report_counts["vulnerability"] <= 3
    error_message = "${var.image} has ${data.hss_image_security_summary.deploy.report_counts["vulnerability"]} vulnerabilities."
  }
}

output "summary" {
  value = {
    baseline      = data.hss_image_security_summary.deploy.baseline
    report_counts = data.hss_image_security_summary.deploy.report_counts
  }
}
