# Have HSS scan the image CI just pushed, once per release, and wait for a
# scan that ended after the request. A new tag HSS does not list yet makes
# the provider synchronise the registry first (synchronize defaults to true).
variable "release" {
  type = string
}

resource "hss_image_scan" "release" {
  images = [
    {
      image_type    = "private_image"
      namespace     = "shop"
      image_name    = "web"
      image_version = var.release
    },
  ]

  # A new value scans again (scans can be billed per scan).
  triggers = {
    release = var.release
  }

  timeouts {
    create = "30m"
  }
}

output "scan" {
  value = {
    requested_at = hss_image_scan.release.requested_at
    digest       = hss_image_scan.release.results[0].digest
    scanned_at   = hss_image_scan.release.results[0].scanned_at
  }
}
