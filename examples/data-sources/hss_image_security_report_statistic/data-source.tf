# High-severity Linux vulnerabilities in the latest versions of the shop images.
data "hss_image_security_report_statistic" "shop_linux_vulns" {
  security_report_type = "vulnerability"
  operate_all          = true
  image_type           = "private_image"
  namespace            = "shop"
  latest_version       = true
  vul_type             = "linux_vul"
}

# Critical build-instruction risks in CI/CD images of one pipeline.
data "hss_image_security_report_statistic" "pipeline_build_risks" {
  security_report_type     = "build-command-risks"
  image_type               = "cicd"
  cicd_name                = "main-pipeline"
  build_command_risk_level = "critical"
}

output "shop_linux_vulnerabilities" {
  value = data.hss_image_security_report_statistic.shop_linux_vulns.total_num
}
