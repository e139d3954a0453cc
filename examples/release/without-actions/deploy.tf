# OpenTofu, or Terraform 1.11 to 1.13 (no actions): delete ../actions.tf
# and copy this file next to main.tf. The re-check at apply is then
# data.hss_image_gate.release in main.tf: it depends_on the scan, so it is
# read during apply, and its postcondition fails the apply when the tag no
# longer names var.expected_digest. The deployment depends_on that read.
#
# The difference from the action: when nothing is scanned in this apply
# (the scan resource unchanged, or scan_at_apply = false), the gate is read
# during plan, and nothing checks the tag again between plan and apply.
# Keep plan and apply in one job there, or bump the scan's triggers.
resource "terraform_data" "deployment" {
  input = "${var.image}@${var.expected_digest}"

  depends_on = [data.hss_image_gate.release]
}
