# Terraform 1.14+. The gate at plan (the data source) judges the image and
# records its digest; the action judges it again just before the
# deployment is created or updated, and fails the apply when the tag moved
# since plan, the scan is no longer fresh enough, or the image no longer
# passes the policy (an exception lapsed).
data "hss_image_gate" "web" {
  image_type    = "private_image"
  namespace     = "shop"
  image_name    = "web"
  image_version = var.release
  max_scan_age  = "168h"
  wait_for_scan = "90s" # within the provider's read_timeout (2m by default), which bounds it too

  policy = {
    fail_on = "high"
  }
}

action "hss_image_gate" "web" {
  config {
    image_type      = "private_image"
    namespace       = "shop"
    image_name      = "web"
    image_version   = var.release
    expected_digest = data.hss_image_gate.web.image.digest
    max_scan_age    = "168h"

    policy = {
      fail_on = "high"
    }
  }
}

# Stands for whatever deploys the image: deploy it by digest, the one the
# gate judged.
resource "terraform_data" "deployment" {
  input = "swr.cn-north-4.myhuaweicloud.com/shop/web@${data.hss_image_gate.web.image.digest}"

  lifecycle {
    action_trigger {
      events  = [before_create, before_update]
      actions = [action.hss_image_gate.web]
    }
  }
}

variable "release" {
  type = string
}
