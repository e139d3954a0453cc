# Terraform 1.14+. Run on demand, before a plan whose policy reads the scan:
#   terraform apply -invoke=action.hss_image_scan.release
action "hss_image_scan" "release" {
  config {
    images = [
      {
        image_type    = "private_image"
        namespace     = "shop"
        image_name    = "web"
        image_version = var.release
      },
    ]
    timeout = "30m"
  }
}

# Or before the deployment is created: the apply fails if the scan fails.
resource "terraform_data" "deployment" {
  input = var.release

  lifecycle {
    action_trigger {
      events  = [before_create, before_update]
      actions = [action.hss_image_scan.release]
    }
  }
}

variable "release" {
  type = string
}
