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
    # Every image the release deploys is listed, and every copy HSS lists
    # of it (HSS may list one image in several registries) was scanned
    # successfully, by every signal (scan_problem): one good copy does not
    # vouch for a failed one, and an image HSS does not know fails too.
    postcondition {
      condition = alltrue([for ref, w in local.wanted :
        anytrue([for i in self.images : i.image_name == w.image_name && i.image_version == w.image_version]) &&
        alltrue([for i in self.images : i.scan_problem == null if i.image_name == w.image_name && i.image_version == w.image_version])
      ])
      error_message = join("\n", concat(
        [for ref, w in local.wanted : "${ref}: HSS does not list it." if !anytrue([
          for i in self.images : i.image_name == w.image_name && i.image_version == w.image_version
        ])],
        flatten([for ref, w in local.wanted : [
          for i in self.images : "${ref} in registry ${coalesce(i.registry_name, "(none)")}: ${i.scan_problem}"
          if i.image_name == w.image_name && i.image_version == w.image_version && i.scan_problem != null
        ]]),
      ))
    }
  }
}

# One list per image: HSS may list an image more than once.
output "release_vulnerabilities" {
  value = {
    for i in data.hss_images.release.images : "${i.image_name}:${i.image_version}" => i.vul_num...
    if contains([for w in local.wanted : "${w.image_name}:${w.image_version}"], "${i.image_name}:${i.image_version}")
  }
}
