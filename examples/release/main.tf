# The CI release flow in one configuration: have HSS scan exactly the image
# CI just pushed, wait for a fresh result, gate it, and deploy it only if
# the tag still names the digest CI pushed.
#
#   hss_image_scan.release       synchronises the registry if HSS does not
#                                list the image yet, asks for one scan, and
#                                waits until HSS's latest_scan_time is later
#                                than it was before the request
#   data.hss_image_gate.release  read during apply, after the scan
#                                (depends_on), its policy judging the fresh
#                                findings; a postcondition checks the digest
#   terraform_data.deployment    stands for what deploys the image
#                                (actions.tf): the hss_image_gate action
#                                re-checks digest, scan age and policy right
#                                before it is created or updated
#
# Terraform 1.14+ (actions): this directory as it is.
# OpenTofu, or Terraform 1.11 to 1.13: replace actions.tf with
# without-actions/deploy.tf (no action block may be in the directory). Everything in this file works there: the gate
# read depends_on the scan, so it is read during apply, and its
# postcondition on the digest fails the apply when the tag moved; the
# deployment depends_on the gate read.
#
#   terraform apply -var image=swr.../shop/web:2.1 -var expected_digest=sha256:...
#
# The plan-time flow, for an OPA/conftest policy over the plan (the policy
# must see the verdict in the plan, so nothing may be deferred to apply):
# scan first with the hss_image_scan action (actions.tf), which keeps
# nothing in state, then plan without the scan resource, so the gate is
# read during plan:
#
#   terraform apply -invoke=action.hss_image_scan.release -var scan_at_apply=false
#   terraform plan -var scan_at_apply=false -var enforce_gate=false -out=tfplan
#   terraform show -json tfplan > plan.json
#   conftest test --policy ../policy plan.json        # or opa eval, see examples/policy
#   terraform apply tfplan                            # the gate action still runs before the deployment
#
# A read deferred to apply is an unknown in the plan, which examples/policy
# denies: an unknown verdict is never a pass.
terraform {
  required_providers {
    hss = {
      source = "cloudsec/hss"
    }
  }
}

provider "hss" {}

variable "image" {
  description = "The image reference CI just pushed, as the deployment names it."
  type        = string
  # An image the simulator's -demo-release flag adds: pushed, but not yet
  # synchronised into HSS, and never scanned.
  default = "swr.cn-north-4.myhuaweicloud.com/shop/web:2.1"
}

variable "expected_digest" {
  description = "The digest CI pushed (docker push prints it): the deployment goes ahead only while the tag names exactly this content."
  type        = string
  default     = "sha256:a09518d26a6297fa6da37a51c52f535c5980ceea365d2dd58541e05289b3fcd2"
}

variable "scan_at_apply" {
  description = "Scan with the hss_image_scan resource during apply (true), or not at all here because the hss_image_scan action already did (false: the plan-time flow above)."
  type        = bool
  default     = true
}

variable "enforce_gate" {
  description = "Fail at the gate read when the image fails its policy (true), or keep the verdict in the plan for a policy over the plan to judge (false)."
  type        = bool
  default     = true
}

locals {
  ref = provider::hss::parse_image_ref(var.image)
  image = {
    image_type    = "private_image"
    namespace     = local.ref.namespace
    image_name    = local.ref.image_name
    image_version = local.ref.image_version
  }
  # What the gate accepts; the hss_image_gate action (actions.tf) applies
  # the same policy again right before the deployment.
  policy = {
    fail_on = "high"
    deny    = ["CVE-2024-3094"]
  }
}

# One scan of exactly this image, asked for once per pushed digest. Plan
# never scans; an apply that runs out of time keeps the request in state
# and the next apply resumes the wait instead of asking again (scans can be
# billed per scan).
resource "hss_image_scan" "release" {
  count = var.scan_at_apply ? 1 : 0

  images      = [local.image]
  synchronize = true

  triggers = {
    digest = var.expected_digest
  }

  timeouts {
    create = "30m"
  }
}

# Read during apply, after the scan: depends_on a resource with changes
# pending defers the read. With nothing left to scan (the scan resource
# unchanged, or scan_at_apply = false) it is read during plan.
data "hss_image_gate" "release" {
  image_type    = local.image.image_type
  namespace     = local.image.namespace
  image_name    = local.image.image_name
  image_version = local.image.image_version
  max_scan_age  = "24h"
  enforce       = var.enforce_gate
  policy        = local.policy

  depends_on = [hss_image_scan.release]

  lifecycle {
    postcondition {
      condition     = self.image.digest == var.expected_digest
      error_message = "The tag ${var.image} names ${self.image.digest} in HSS, not the pushed ${var.expected_digest}: the tag moved, so what would be deployed is not what was built and scanned."
    }
  }
}

output "scan" {
  value = [for r in one(hss_image_scan.release[*].results) == null ? [] : one(hss_image_scan.release[*].results) : {
    image               = "${r.namespace}/${r.image_name}:${r.image_version}"
    digest              = r.digest
    scan_status         = r.scan_status
    scanned_at          = r.scanned_at
    previous_scanned_at = r.previous_scanned_at
  }]
}

output "gate" {
  value = {
    digest     = data.hss_image_gate.release.image.digest
    scanned_at = data.hss_image_gate.release.image.scanned_at
    passed     = data.hss_image_gate.release.passed
    violations = [for v in data.hss_image_gate.release.violations : v.vul_id]
  }
}
