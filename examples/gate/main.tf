# The deployment gate: the image a release deploys, and every HSS number
# about it, read during plan. examples/policy/image_risk.rego evaluates the
# saved plan; the postcondition and the check blocks are the same gate in
# plain Terraform.
#
# The summary fails the plan when HSS does not know the image, or has not
# scanned it successfully: a count of an unscanned image is a zero that
# proves nothing. A release of many images is gated with hss_images: one
# list call per 200 images. hss_image_gate judges each vulnerability
# finding against a policy with exceptions that expire; tests/ proves it
# offline (terraform test, make gate-test).
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

variable "enforce_gate" {
  description = "Fail the plan at the vulnerability gate's read when the image fails its policy (true), or keep the verdict in the plan for the check block and examples/policy to judge (false: how a pull-request job still gets the report of a failing image)."
  type        = bool
  default     = true
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

# The vulnerability policy: no high-severity finding, except the accepted
# risks below. Each names why and until when; a lapsed one no longer
# applies, and the read warns about it (and about exceptions that expire
# within 14 days, or match no finding) until it is renewed or removed.
locals {
  # A real policy writes its dates; this example computes the active one,
  # 90 days after the plan, so that it never goes stale.
  in_90_days = formatdate("YYYY-MM-DD", timeadd(plantimestamp(), "2160h"))

  vulnerability_policy = {
    fail_on = "high"
    exceptions = [
      {
        id      = "CVE-2024-6387"
        reason  = "sshd is installed but never started in this image; the base image without openssh-server ships next sprint (SEC-1234)."
        expires = local.in_90_days
      },
      {
        id      = "CVE-2024-3094"
        reason  = "Accepted while the xz-utils rebuild was tested; the rebuilt base image was due in January."
        expires = "2026-01-31"
      },
    ]
  }
}

# Every finding HSS lists for the image, each with its CVEs, judged against
# the policy. With enforce_gate (the default) an image that fails stops the
# plan here, the error listing the violations; report_markdown and sarif
# are the verdict for a pull-request comment and for code scanning.
data "hss_image_gate" "deploy" {
  image_type    = "private_image"
  namespace     = local.image.namespace
  image_name    = local.image.image_name
  image_version = local.image.image_version

  policy  = local.vulnerability_policy
  enforce = var.enforce_gate
}

# With enforce_gate = false the verdict is judged here (a warning) and by
# examples/policy (a deny).
check "vulnerability_gate" {
  assert {
    condition     = data.hss_image_gate.deploy.passed
    error_message = "${var.image} fails the vulnerability gate: ${join(", ", [for v in data.hss_image_gate.deploy.violations : v.report_type == null ? v.vul_id : "report ${v.report_type}"])}."
  }
}

# The image's findings, and the same engine through the function: the
# policy read back from the gate, with medium findings failing too. Warns,
# does not block.
data "hss_image_vulnerabilities" "deploy" {
  image_type    = "private_image"
  namespace     = local.image.namespace
  image_name    = local.image.image_name
  image_version = local.image.image_version
}

locals {
  medium_verdict = provider::hss::evaluate_vulnerabilities(
    data.hss_image_vulnerabilities.deploy.vulnerabilities,
    merge(data.hss_image_gate.deploy.policy, { fail_on = "medium" }),
    plantimestamp(),
  )
}

check "no_medium_vulnerability" {
  assert {
    condition     = local.medium_verdict.passed
    error_message = "${var.image} has ${length(local.medium_verdict.violations)} finding(s) of medium severity or higher that no exception covers: ${join(", ", [for v in local.medium_verdict.violations : v.vul_id])}."
  }
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

output "gate_report" {
  description = "The vulnerability gate's report, for a pull-request comment."
  value       = data.hss_image_gate.deploy.report_markdown
}

output "gate_sarif" {
  description = "The vulnerability gate's violations as SARIF 2.1.0, for code scanning."
  value       = data.hss_image_gate.deploy.sarif
}
