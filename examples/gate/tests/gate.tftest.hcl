# The vulnerability gate of examples/gate, offline: mock_provider "hss"
# answers every read (no endpoint, no credentials, no simulator). Terraform
# still takes the provider's schema, its validation of the configuration
# and its functions from the real provider: run with `make gate-test`
# (scripts/gate-test.sh builds and installs it).
#
# Functions are not mocked: provider::hss::evaluate_vulnerabilities is the
# policy engine hss_image_gate runs. So each run judges findings against
# the configuration's own policy (data.hss_image_gate.deploy.policy, read
# back as written) and asserts the engine's verdict, and override_data
# gives the gate's read the verdict the provider would give, to prove what
# the configuration does with it. (override_data cannot give a list of
# nested objects before Terraform 1.17, hashicorp/terraform#37939: the
# findings are test variables handed to the function instead.)
#
# The policy (main.tf): fail_on high; CVE-2024-6387 excepted until 90 days
# after the plan (active), CVE-2024-3094 until 2026-01-31 (lapsed).

mock_provider "hss" {
  # The summary's count check reads report_counts["vulnerability"].
  mock_data "hss_image_security_summary" {
    defaults = {
      report_counts = { vulnerability = 0 }
    }
  }
}

variables {
  image = "swr.cn-north-4.myhuaweicloud.com/shop/web:2.0"

  # Findings as hss_image_vulnerabilities lists them.
  openssh = {
    vul_id   = "CVE-2024-6387", cve_ids = ["CVE-2024-6387"], severity = "high", hss_severity = "immediate_repair",
    max_cvss = 8.1, published_at = "2024-07-01T00:00:00Z", type = "linux_vul", handled = false,
    package  = "openssh-server", version = "1:9.2p1-2+deb12u2", path = null, layer = null, solution = null, url = null
  }
  xz = {
    vul_id   = "CVE-2024-3094", cve_ids = ["CVE-2024-3094"], severity = "high", hss_severity = "immediate_repair",
    max_cvss = 10, published_at = "2024-03-29T00:00:00Z", type = "linux_vul", handled = false,
    package  = "liblzma5", version = "5.6.0-0.2", path = null, layer = null, solution = null, url = null
  }
  openssl = {
    vul_id   = "DSA-9901-1", cve_ids = ["CVE-2024-4741", "CVE-2024-5535"], severity = "high", hss_severity = "immediate_repair",
    max_cvss = 9.1, published_at = "2024-06-27T00:00:00Z", type = "linux_vul", handled = false,
    package  = "libssl3", version = "3.0.11-1~deb12u2", path = null, layer = null, solution = null, url = null
  }
  busybox = {
    vul_id   = "HSS-2025-0042", cve_ids = [], severity = "low", hss_severity = "not_needed_repair",
    max_cvss = null, published_at = null, type = "linux_vul", handled = true,
    package  = "busybox", version = "1:1.35.0-4", path = null, layer = null, solution = null, url = null
  }
  # A CVE, but no CVSS from HSS.
  unscored = {
    vul_id   = "USN-7000-1", cve_ids = ["CVE-2024-7000"], severity = "low", hss_severity = "not_needed_repair",
    max_cvss = null, published_at = null, type = "linux_vul", handled = false,
    package  = "libexample", version = "1.0.0", path = null, layer = null, solution = null, url = null
  }
}

# Pass: the one high finding is covered by the active exception, the low
# one is below fail_on; the gate's passing verdict passes every check (a
# failing check would fail the run).
run "passes_with_the_active_exception" {
  command = plan

  override_data {
    target = data.hss_image_gate.deploy
    values = { passed = true }
  }

  assert {
    condition     = provider::hss::evaluate_vulnerabilities([var.openssh, var.busybox], data.hss_image_gate.deploy.policy, plantimestamp()).passed
    error_message = "The policy must pass a high finding its active exception covers."
  }
  assert {
    condition = [
      for x in provider::hss::evaluate_vulnerabilities([var.openssh, var.busybox], data.hss_image_gate.deploy.policy, plantimestamp()).excepted :
      [x.vul_id, [for e in x.exceptions : [e.id, e.reason]]]
      ] == [
      ["CVE-2024-6387", [["CVE-2024-6387", "sshd is installed but never started in this image; the base image without openssh-server ships next sprint (SEC-1234)."]]]
    ]
    error_message = "The excepted finding must name the exception that covers it, with its reason."
  }
  assert {
    condition     = [for e in provider::hss::evaluate_vulnerabilities([var.openssh, var.busybox], data.hss_image_gate.deploy.policy, plantimestamp()).lapsed_exceptions : e.id] == ["CVE-2024-3094"]
    error_message = "The exception that expired on 2026-01-31 must be reported as lapsed."
  }
}

# Deny: a high finding no exception covers fails the policy, and the gate's
# failing verdict fails the vulnerability_gate check (with enforce_gate,
# the default, the provider fails the read itself).
run "denies_a_high_finding" {
  command = plan

  override_data {
    target = data.hss_image_gate.deploy
    values = { passed = false }
  }
  expect_failures = [check.vulnerability_gate]

  assert {
    condition = [
      for v in provider::hss::evaluate_vulnerabilities([var.openssh, var.openssl], data.hss_image_gate.deploy.policy, plantimestamp()).violations :
      [v.vul_id, join(" ", v.cve_ids), v.severity, join("; ", v.reasons)]
    ] == [["DSA-9901-1", "CVE-2024-4741 CVE-2024-5535", "high", "severity high ≥ fail_on high"]]
    error_message = "The policy must fail DSA-9901-1, and only it, on its severity, naming its CVE ids."
  }
  assert {
    condition     = strcontains(provider::hss::evaluate_vulnerabilities([var.openssh, var.openssl], data.hss_image_gate.deploy.policy, plantimestamp()).report_markdown, "failed, 1 violation")
    error_message = "The report must give the verdict."
  }
}

# A lapsed exception no longer applies: the finding it accepted fails
# again, and the exception is reported as lapsed, with its expiry.
run "lapsed_exception_no_longer_applies" {
  command = plan

  override_data {
    target = data.hss_image_gate.deploy
    values = { passed = false }
  }
  expect_failures = [check.vulnerability_gate]

  assert {
    condition     = [for v in provider::hss::evaluate_vulnerabilities([var.xz], data.hss_image_gate.deploy.policy, plantimestamp()).violations : v.vul_id] == ["CVE-2024-3094"]
    error_message = "The finding of the lapsed exception must fail."
  }
  assert {
    condition     = length(provider::hss::evaluate_vulnerabilities([var.xz], data.hss_image_gate.deploy.policy, plantimestamp()).excepted) == 0
    error_message = "A lapsed exception must except nothing."
  }
  assert {
    condition     = [for e in provider::hss::evaluate_vulnerabilities([var.xz], data.hss_image_gate.deploy.policy, plantimestamp()).lapsed_exceptions : [e.id, e.expires]] == [["CVE-2024-3094", "2026-01-31"]]
    error_message = "The lapsed exception must be named, with its expiry."
  }
}

# The active exception has an end too: near it, it is reported as
# expiring; after it, the finding it covers fails. The function takes the
# time to judge at, so the future is one argument away.
run "active_exception_expires" {
  command = plan

  override_data {
    target = data.hss_image_gate.deploy
    values = { passed = true }
  }

  assert {
    condition     = [for e in provider::hss::evaluate_vulnerabilities([var.openssh], data.hss_image_gate.deploy.policy, timeadd(plantimestamp(), "1920h")).expiring_exceptions : e.id] == ["CVE-2024-6387"]
    error_message = "80 days after the plan the exception expires within 14 days: it must be reported as expiring."
  }
  assert {
    condition     = provider::hss::evaluate_vulnerabilities([var.openssh], data.hss_image_gate.deploy.policy, timeadd(plantimestamp(), "1920h")).passed
    error_message = "An expiring exception still applies."
  }
  assert {
    condition     = !provider::hss::evaluate_vulnerabilities([var.openssh], data.hss_image_gate.deploy.policy, timeadd(plantimestamp(), "2400h")).passed
    error_message = "100 days after the plan the exception has lapsed: the finding must fail."
  }
}

# Fail closed: a gate read that gives no verdict does not pass. The mock
# gives `passed` its default, false, and no violation: the check reads
# `passed`, not an empty list of violations.
run "fails_closed_without_a_verdict" {
  command = plan

  expect_failures = [check.vulnerability_gate]
}

# Fail closed: what the policy cannot prove harmless fails, and a policy it
# cannot read is an error, never a pass.
run "fails_closed_on_what_it_cannot_prove" {
  command = plan

  override_data {
    target = data.hss_image_gate.deploy
    values = { passed = true }
  }

  # An exception of one of its two CVE ids does not except DSA-9901-1.
  assert {
    condition = [for v in provider::hss::evaluate_vulnerabilities(
      [var.openssl],
      merge(data.hss_image_gate.deploy.policy, { exceptions = [{ id = "CVE-2024-5535", reason = "ALPN is not used.", expires = "2099-12-31" }] }),
      plantimestamp(),
    ).violations : v.vul_id] == ["DSA-9901-1"]
    error_message = "An exception of one of a finding's two CVE ids must not except it."
  }
  # A CVSS HSS did not give is not below max_cvss: the low finding with a
  # CVE but no score fails, the one without a CVE does not.
  assert {
    condition = [for v in provider::hss::evaluate_vulnerabilities(
      [var.unscored, var.busybox],
      merge(data.hss_image_gate.deploy.policy, { max_cvss = 7 }),
      plantimestamp(),
    ).violations : v.vul_id] == ["USN-7000-1"]
    error_message = "A finding with a CVE but no CVSS must fail max_cvss."
  }
  # An exception lapses at its expiry instant, not after it.
  assert {
    condition = [for e in provider::hss::evaluate_vulnerabilities(
      [var.openssl],
      merge(data.hss_image_gate.deploy.policy, { exceptions = [{ id = "DSA-9901-1", reason = "Until the rebuild.", expires = "2026-12-01T00:00:00Z" }] }),
      "2026-12-01T00:00:00Z",
    ).lapsed_exceptions : e.id] == ["DSA-9901-1"]
    error_message = "An exception must have lapsed at its expiry instant."
  }
  assert {
    condition = !can(provider::hss::evaluate_vulnerabilities(
      [var.openssl],
      merge(data.hss_image_gate.deploy.policy, { exceptions = [{ id = "DSA-9901-1", reason = " ", expires = "2026-12-31" }] }),
      plantimestamp(),
    ))
    error_message = "A blank exception reason must be an error."
  }
  assert {
    condition     = !can(provider::hss::evaluate_vulnerabilities([var.openssl], merge(data.hss_image_gate.deploy.policy, { fail_on = "critical" }), plantimestamp()))
    error_message = "An unknown severity must be an error."
  }
}
