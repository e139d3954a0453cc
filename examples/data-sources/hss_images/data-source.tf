# Gate a release of many images in a few requests: one list call per 200
# images, instead of nine statistic calls per image.
variable "release_images" {
  description = "The image references a release deploys."
  type        = list(string)
  default = [
    "swr.cn-north-4.myhuaweicloud.com/release/checkout:4.0",
  ]
}

locals {
  wanted = { for ref in var.release_images : ref => provider::hss::parse_image_ref(ref) }
}

data "hss_images" "release" {
  image_type = "private_image"
  namespace  = "release"

  lifecycle {
    # Every image the release deploys is listed, and its last scan (every
    # architecture's) succeeded: an image HSS does not know fails too.
    postcondition {
      condition = alltrue([for ref, w in local.wanted : anytrue([
        for i in self.images : i.image_name == w.image_name && i.image_version == w.image_version &&
        i.scan_status == "success" && alltrue([for a in i.architectures : a.scan_status == "success"])
      ])])
      error_message = "Not in HSS or not scanned successfully: ${jsonencode([
        for ref, w in local.wanted : ref if !anytrue([
          for i in self.images : i.image_name == w.image_name && i.image_version == w.image_version &&
          i.scan_status == "success" && alltrue([for a in i.architectures : a.scan_status == "success"])
        ])
      ])}."
    }
  }
}

output "release_vulnerabilities" {
  value = {
    for i in data.hss_images.release.images : "${i.image_name}:${i.image_version}" => i.vul_num
    if contains([for w in local.wanted : "${w.image_name}:${w.image_version}"], "${i.image_name}:${i.image_version}")
  }
}
