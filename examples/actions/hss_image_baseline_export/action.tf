# Terraform 1.14+. Run on demand:
#   terraform apply -invoke=action.hss_image_baseline_export.shop
action "hss_image_baseline_export" "shop" {
  config {
    export_size = 10000
    operate_all = true
    image_type  = "private_image"
    namespace   = "shop"
    output_path = "${path.module}/shop-baseline.zip"

    timeouts {
      invoke = "20m"
    }
  }
}

# Or after every release: the export runs when terraform_data.release is
# created (after_create) and each time var.release changes, which updates it
# in place (after_update).
resource "terraform_data" "release" {
  input = var.release

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.hss_image_baseline_export.shop]
    }
  }
}

variable "release" {
  type = string
}
