# Turn the image a Kubernetes manifest deploys into HSS filters.
locals {
  image = provider::hss::parse_image_ref("swr.cn-north-4.myhuaweicloud.com/shop/web:2.0")
  # => {
  #   registry      = "swr.cn-north-4.myhuaweicloud.com"
  #   namespace     = "shop"
  #   image_name    = "web"
  #   image_version = "2.0"
  #   digest        = null
  # }
}

data "hss_image_baseline_statistic" "deployed" {
  image_type    = "private_image"
  namespace     = local.image.namespace
  image_name    = local.image.image_name
  image_version = local.image.image_version
}
