# Terraform 1.14+: the actions. OpenTofu and Terraform < 1.14 have none:
# use without-actions/deploy.tf instead of this file (main.tf explains).

# The scan of main.tf on demand, keeping nothing in state (progress is
# shown as it waits): the plan-time flow.
#   terraform apply -invoke=action.hss_image_scan.release -var scan_at_apply=false
action "hss_image_scan" "release" {
  config {
    images  = [local.image]
    timeout = "30m"
  }
}

# The gate again, at apply, bound to the digest: it resolves the image once
# more and fails the apply when the tag no longer names expected_digest
# (moved since plan), the scan is older than max_scan_age or failed, or the
# image no longer passes the policy (an exception lapsed since plan).
#
# Its selector is read from data.hss_image_gate.release (the same values
# main.tf gave it) so that the action runs after that read, and so after the
# scan: Terraform starts a before_create action as soon as the action's own
# configuration is known, whatever the triggering resource depends_on.
action "hss_image_gate" "release" {
  config {
    image_type      = data.hss_image_gate.release.image_type
    namespace       = data.hss_image_gate.release.namespace
    image_name      = data.hss_image_gate.release.image_name
    image_version   = data.hss_image_gate.release.image_version
    expected_digest = var.expected_digest
    max_scan_age    = "24h"
    policy          = local.policy
  }
}

# Stands for what deploys the image (a Helm release, a Kubernetes
# deployment, a CCE workload). It is created, or updated when the image or
# digest changes, only after the gate action passed.
resource "terraform_data" "deployment" {
  input = "${var.image}@${var.expected_digest}"

  depends_on = [data.hss_image_gate.release]

  lifecycle {
    action_trigger {
      events  = [before_create, before_update]
      actions = [action.hss_image_gate.release]
    }
  }
}
