# The gate's verdict computed in a check block: a failing image is a
# warning in the plan, not an error. Under terraform test, give the
# findings with override_data and the function judges them offline.
data "hss_image_vulnerabilities" "web" {
  image_type    = "private_image"
  namespace     = "shop"
  image_name    = "web"
  image_version = "2.0"
}

locals {
  verdict = provider::hss::evaluate_vulnerabilities(
    data.hss_image_vulnerabilities.web.vulnerabilities,
    {
      fail_on = "medium"
      exceptions = [
        { id = "CVE-2023-44487", reason = "no HTTP/2 listener", expires = "2026-12-31" },
      ]
    },
    plantimestamp(),
  )
}

check "web_vulnerabilities" {
  assert {
    condition     = local.verdict.passed
    error_message = "shop/web:2.0 fails the gate: ${join(", ", [for v in local.verdict.violations : v.vul_id])}"
  }
}
