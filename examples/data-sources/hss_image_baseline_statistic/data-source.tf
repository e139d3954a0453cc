# Baseline findings of one private image, shop/web:2.0.
data "hss_image_baseline_statistic" "web" {
  image_type    = "private_image"
  namespace     = "shop"
  image_name    = "web"
  image_version = "2.0"

  lifecycle {
    # Fails the plan when the image has weak passwords.
    postcondition {
      condition     = self.image_weak_pwd == 0
      error_message = "shop/web:2.0 has ${self.image_weak_pwd} weak password(s)."
    }
  }
}

# Every repository image across all enterprise projects you may see.
data "hss_image_baseline_statistic" "all_repositories" {
  image_type            = "registry"
  enterprise_project_id = "all_granted_eps"
}

output "configuration_findings" {
  value = data.hss_image_baseline_statistic.all_repositories.security_check
}
