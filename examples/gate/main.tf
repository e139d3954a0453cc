# The deployment gate: the image a release deploys, and every HSS number
# about it, read during plan. examples/policy/image_risk.rego evaluates the
# saved plan; the postcondition and the check block are the same gate in
# plain Terraform.
#
# The summary fails the plan when HSS does not know the image, or has not
# scanned it successfully: a count of an unscanned image is a zero that
# proves nothing. A release of many images is gated with hss_images: one
# list call per 200 images.
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

variable "release_images" {
  description = "Every image reference the release deploys (gated through hss_images, one list per namespace and tag)."
  type        = list(string)
  default     = []
}

locals {
  image   = provider::hss::parse_image_ref(var.image)
  release = [for ref in var.release_images : provider::hss::parse_image_ref(ref)]
  # A release usually tags all its images alike: one hss_images per
  # namespace and tag lists exactly the release's images.
  release_groups = {
    for g in distinct([for r in local.release : { namespace = r.namespace, image_version = r.image_version }]) :
    "${g.namespace}:${g.image_version}" => g
  }
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

data "hss_images" "release" {
  for_each = local.release_groups

  image_type    = "private_image"
  namespace     = each.value.namespace
  image_version = each.value.image_version

  lifecycle {
    # An image the release deploys but HSS does not list fails the plan:
    # it may not be synchronised yet, and is certainly not scanned.
    postcondition {
      condition = alltrue([
        for r in local.release : contains([for i in self.images : i.image_name], r.image_name)
        if r.namespace == each.value.namespace && r.image_version == each.value.image_version
      ])
      error_message = "HSS does not list every image of the release in ${each.key}: it lists ${jsonencode([for i in self.images : i.image_name])}."
    }
  }
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
