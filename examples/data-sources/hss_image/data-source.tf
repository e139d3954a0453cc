# Exactly one image, as HSS knows it: does it exist, was it scanned, how
# did the scan end. The read fails when no image or several match.
locals {
  image = provider::hss::parse_image_ref(var.image_ref)
}

data "hss_image" "deploy" {
  image_type    = "private_image"
  namespace     = local.image.namespace
  image_name    = local.image.image_name
  image_version = local.image.image_version

  lifecycle {
    # scan_problem is null only when every signal HSS gives says the last
    # scan succeeded: scan_status alone is not enough (a "success" may
    # carry a scan_failed_code, a multi-architecture image may list no
    # architecture, a scan time may lie in the future).
    postcondition {
      condition     = self.scan_problem == null
      error_message = "HSS's numbers about ${var.image_ref} cannot be trusted: ${self.scan_problem == null ? "" : self.scan_problem}"
    }
    postcondition {
      condition     = timecmp(coalesce(self.scanned_at, "1970-01-01T00:00:00Z"), timeadd(plantimestamp(), "-168h")) >= 0
      error_message = "HSS last scanned ${var.image_ref} at ${self.scanned_at}, more than a week ago."
    }
  }
}

variable "image_ref" {
  type    = string
  default = "swr.cn-north-4.myhuaweicloud.com/release/checkout:4.0"
}

# A local image (one record per host in HSS, one image here) and a CI/CD
# image by its id.
data "hss_image" "nginx" {
  image_type    = "local_image"
  image_name    = "nginx"
  image_version = "1.27"
}

data "hss_image" "runner" {
  image_type = "cicd"
  image_id   = "img-cicd-ci"
}

output "scanned_at" {
  value = data.hss_image.deploy.scanned_at
}

output "nginx_hosts" {
  value = data.hss_image.nginx.hosts
}
