package hss.image_risk_test

import data.hss.image_risk

thresholds := {"baseline": {"image_weak_pwd": 0, "pwd_policy": 0, "security_check": 3}, "reports": {"vulnerability": 0, "malwares": 0}}

plan(resources) := {"prior_state": {"values": {"root_module": {"resources": resources}}}, "resource_changes": []}

# plan_proven(resources): the plan with an hss_image of shop/web:2.0,
# scanned successfully, read too: counts are trusted only next to a data
# source that proves the image they count exists and was scanned.
plan_proven(resources) := plan(array.concat([proof], resources))

proof := {"address": "data.hss_image.proof", "mode": "data", "type": "hss_image", "values": image_values("success", "2025-12-31T00:00:00Z")}

baseline(address, weak, policy, check) := {
	"address": address, "mode": "data", "type": "hss_image_baseline_statistic",
	"values": {"image_weak_pwd": weak, "pwd_policy": policy, "security_check": check},
}

test_clean_baseline_passes if {
	count(image_risk.deny) == 0 with input as plan_proven([baseline("data.hss_image_baseline_statistic.a", 0, 0, 3)])
		with data.hss.thresholds as thresholds
}

test_baseline_over_threshold_names_address_counter_and_value if {
	denies := image_risk.deny with input as plan_proven([baseline("data.hss_image_baseline_statistic.a", 2, 0, 4)])
		with data.hss.thresholds as thresholds
	denies == {
		"data.hss_image_baseline_statistic.a: image_weak_pwd = 2 exceeds the threshold 0",
		"data.hss_image_baseline_statistic.a: security_check = 4 exceeds the threshold 3",
	}
}

test_report_statistic_uses_its_report_type if {
	r := {"address": "data.hss_image_security_report_statistic.v", "mode": "data", "type": "hss_image_security_report_statistic", "values": {"security_report_type": "vulnerability", "total_num": 5}}
	apps := {"address": "data.hss_image_security_report_statistic.apps", "mode": "data", "type": "hss_image_security_report_statistic", "values": {"security_report_type": "apps", "total_num": 900}}
	denies := image_risk.deny with input as plan_proven([r, apps]) with data.hss.thresholds as thresholds
	denies == {"data.hss_image_security_report_statistic.v: total_num[vulnerability] = 5 exceeds the threshold 0"}
}

test_summary_checks_baseline_and_report_counts if {
	s := {"address": "module.app.data.hss_image_security_summary.s", "mode": "data", "type": "hss_image_security_summary", "values": {
		"report_types": null,
		"baseline": {"image_weak_pwd": 0, "pwd_policy": 1, "security_check": 0},
		"report_counts": {"vulnerability": 0, "malwares": 2, "apps": 10},
		"image": image_values("success", "2025-12-31T00:00:00Z"),
	}}
	p := {"prior_state": {"values": {"root_module": {"child_modules": [{"address": "module.app", "resources": [s]}]}}}, "resource_changes": []}
	denies := image_risk.deny with input as p with data.hss.thresholds as thresholds
	denies == {
		"module.app.data.hss_image_security_summary.s: baseline.pwd_policy = 1 exceeds the threshold 0",
		"module.app.data.hss_image_security_summary.s: report_counts[malwares] = 2 exceeds the threshold 0",
	}
}

test_deferred_read_is_denied if {
	p := {"prior_state": {"values": {"root_module": {}}}, "resource_changes": [{
		"address": "data.hss_image_baseline_statistic.later", "mode": "data", "type": "hss_image_baseline_statistic",
		"change": {"actions": ["read"], "after_unknown": {"image_weak_pwd": true}},
	}]}
	denies := image_risk.deny with input as p with data.hss.thresholds as thresholds
	denies == {"data.hss_image_baseline_statistic.later: read deferred to apply, so its numbers are unknown at plan time and cannot pass the gate"}
}

test_non_number_is_denied if {
	denies := image_risk.deny with input as plan_proven([baseline("data.hss_image_baseline_statistic.a", null, 0, 0)])
		with data.hss.thresholds as thresholds
	denies == {"data.hss_image_baseline_statistic.a: image_weak_pwd is null, not a number; it cannot be checked"}
}

test_other_types_are_ignored if {
	other := {"address": "data.http.x", "mode": "data", "type": "http", "values": {"image_weak_pwd": 99}}
	count(image_risk.deny) == 0 with input as plan([other]) with data.hss.thresholds as thresholds
}

test_summary_missing_a_thresholded_report_is_denied if {
	s := {"address": "data.hss_image_security_summary.s", "mode": "data", "type": "hss_image_security_summary", "values": {
		"report_types": null,
		"baseline": {"image_weak_pwd": 0, "pwd_policy": 0, "security_check": 0},
		"report_counts": {"vulnerability": 0},
		"image": image_values("success", "2025-12-31T00:00:00Z"),
	}}
	denies := image_risk.deny with input as plan([s]) with data.hss.thresholds as thresholds
	denies == {"data.hss_image_security_summary.s: report_counts[malwares] is missing; it cannot be checked"}
}

# Images: every image read during plan must have been scanned successfully,
# recently enough.

now_ns := 1767225600000000000 # 2026-01-01T00:00:00Z

scan_thresholds := object.union(thresholds, {"max_scan_age_hours": 168})

image_values(status, scanned_at) := {
	"image_type": "private_image", "namespace": "shop", "image_name": "web", "image_version": "2.0",
	"scan_status": status, "scan_failed_code": null, "scanned_at": scanned_at, "architectures": [],
	"vul_num": 0, "malicious_file_num": 0, "unsafe_setting_num": 0,
}

hss_image(values) := {"address": "data.hss_image.web", "mode": "data", "type": "hss_image", "values": values}

test_scanned_recent_image_passes if {
	count(image_risk.deny) == 0 with input as plan([hss_image(image_values("success", "2025-12-31T00:00:00Z"))])
		with data.hss.thresholds as scan_thresholds
		with time.now_ns as now_ns
}

test_unscanned_image_is_denied if {
	denies := image_risk.deny with input as plan([hss_image(image_values("unscan", null))])
		with data.hss.thresholds as scan_thresholds
		with time.now_ns as now_ns
	denies == {`data.hss_image.web: scan_status is "unscan", not "success": HSS has not scanned the image successfully, so its numbers prove nothing`}
}

test_failed_scan_is_denied_with_its_code if {
	v := object.union(image_values("failed", null), {"scan_failed_code": "failed_to_scan_vulnerability"})
	denies := image_risk.deny with input as plan([hss_image(v)]) with data.hss.thresholds as scan_thresholds
	denies == {`data.hss_image.web: scan_status is "failed" (scan_failed_code failed_to_scan_vulnerability), not "success": HSS has not scanned the image successfully, so its numbers prove nothing`}
}

test_unknown_scan_status_is_denied if {
	denies := image_risk.deny with input as plan([hss_image(image_values("quarantined", null))]) with data.hss.thresholds as thresholds
	count(denies) == 1
}

test_failed_architecture_is_denied if {
	v := object.union(image_values("success", "2025-12-31T00:00:00Z"), {"architectures": [
		{"image_id": "amd64", "scan_status": "success", "vul_num": 0, "malicious_file_num": 0, "unsafe_setting_num": 0},
		{"image_id": "arm64", "scan_status": "failed", "vul_num": 0, "malicious_file_num": 0, "unsafe_setting_num": 0},
	]})
	denies := image_risk.deny with input as plan([hss_image(v)])
		with data.hss.thresholds as scan_thresholds
		with time.now_ns as now_ns
	denies == {`data.hss_image.web: architecture image arm64 has scan_status "failed", not "success"`}
}

test_old_scan_is_denied if {
	denies := image_risk.deny with input as plan([hss_image(image_values("success", "2025-12-24T00:00:00Z"))])
		with data.hss.thresholds as scan_thresholds
		with time.now_ns as now_ns
	denies == {"data.hss_image.web: last scanned at 2025-12-24T00:00:00Z, 192 hours ago, older than max_scan_age_hours 168"}
}

test_scan_age_unchecked_without_threshold if {
	count(image_risk.deny) == 0 with input as plan([hss_image(image_values("success", "2020-01-01T00:00:00Z"))])
		with data.hss.thresholds as thresholds
		with time.now_ns as now_ns
}

test_summary_image_is_checked if {
	s := {"address": "data.hss_image_security_summary.s", "mode": "data", "type": "hss_image_security_summary", "values": {
		"report_types": null,
		"baseline": {"image_weak_pwd": 0, "pwd_policy": 0, "security_check": 0},
		"report_counts": {"vulnerability": 0, "malwares": 0},
		"image": image_values("scanning", null),
	}}
	denies := image_risk.deny with input as plan([s]) with data.hss.thresholds as thresholds
	denies == {`data.hss_image_security_summary.s.image: scan_status is "scanning", not "success": HSS has not scanned the image successfully, so its numbers prove nothing`}
}

test_images_are_checked_one_by_one if {
	ok := image_values("success", "2025-12-31T00:00:00Z")
	vulnerable := object.union(ok, {"image_name": "cart", "vul_num": 3})
	waiting := object.union(image_values("waiting", null), {"namespace": null, "image_name": "redis", "image_version": "7.2"})
	r := {"address": "data.hss_images.release", "mode": "data", "type": "hss_images", "values": {"images": [ok, vulnerable, waiting]}}
	denies := image_risk.deny with input as plan([r])
		with data.hss.thresholds as scan_thresholds
		with time.now_ns as now_ns
	denies == {
		"data.hss_images.release.images[1] (shop/cart:2.0): vul_num = 3 exceeds the threshold 0",
		`data.hss_images.release.images[2] (redis:7.2): scan_status is "waiting", not "success": HSS has not scanned the image successfully, so its numbers prove nothing`,
	}
}

test_images_count_that_is_not_a_number_is_denied if {
	v := object.union(image_values("success", "2025-12-31T00:00:00Z"), {"malicious_file_num": null})
	r := {"address": "data.hss_images.release", "mode": "data", "type": "hss_images", "values": {"images": [v]}}
	denies := image_risk.deny with input as plan([r]) with data.hss.thresholds as thresholds
	denies == {"data.hss_images.release.images[0] (shop/web:2.0): malicious_file_num is null, not a number; it cannot be checked"}
}

test_deferred_image_read_is_denied if {
	p := {"prior_state": {"values": {"root_module": {}}}, "resource_changes": [{
		"address": "data.hss_images.release", "mode": "data", "type": "hss_images",
		"change": {"actions": ["read"], "after_unknown": {"images": true}},
	}]}
	denies := image_risk.deny with input as p with data.hss.thresholds as thresholds
	denies == {"data.hss_images.release: read deferred to apply, so its numbers are unknown at plan time and cannot pass the gate"}
}

# Every architecture's counts, as the image's own: arm64 with 7
# vulnerabilities and 3 malicious files must not pass because the image's
# own counts are 0.
multi_arch := object.union(image_values("success", "2025-12-31T00:00:00Z"), {"architectures": [
	{"image_id": "img-web-20-amd64", "digest": "sha256:a", "scan_status": "success", "vul_num": 0, "malicious_file_num": 0, "unsafe_setting_num": 0},
	{"image_id": "img-web-20-arm64", "digest": "sha256:b", "scan_status": "success", "vul_num": 7, "malicious_file_num": 3, "unsafe_setting_num": 0},
]})

test_architecture_counts_are_checked if {
	denies := image_risk.deny with input as plan([hss_image(multi_arch)])
		with data.hss.thresholds as scan_thresholds
		with time.now_ns as now_ns
	denies == {
		"data.hss_image.web.architectures[1] (img-web-20-arm64): vul_num = 7 exceeds the threshold 0",
		"data.hss_image.web.architectures[1] (img-web-20-arm64): malicious_file_num = 3 exceeds the threshold 0",
	}
}

test_architecture_counts_of_images_and_summary_are_checked if {
	r := {"address": "data.hss_images.release", "mode": "data", "type": "hss_images", "values": {"images": [multi_arch]}}
	s := summary("data.hss_image_security_summary.s", multi_arch)
	denies := image_risk.deny with input as plan([r, s])
		with data.hss.thresholds as scan_thresholds
		with time.now_ns as now_ns
	denies == {
		"data.hss_images.release.images[0] (shop/web:2.0).architectures[1] (img-web-20-arm64): vul_num = 7 exceeds the threshold 0",
		"data.hss_images.release.images[0] (shop/web:2.0).architectures[1] (img-web-20-arm64): malicious_file_num = 3 exceeds the threshold 0",
		"data.hss_image_security_summary.s.image.architectures[1] (img-web-20-arm64): vul_num = 7 exceeds the threshold 0",
		"data.hss_image_security_summary.s.image.architectures[1] (img-web-20-arm64): malicious_file_num = 3 exceeds the threshold 0",
	}
}

test_architecture_count_that_is_not_a_number_is_denied if {
	v := object.union(image_values("success", "2025-12-31T00:00:00Z"), {"architectures": [
		{"image_id": "img-web-20-arm64", "digest": "sha256:b", "scan_status": "success", "vul_num": null, "malicious_file_num": 0, "unsafe_setting_num": 0},
	]})
	denies := image_risk.deny with input as plan([hss_image(v)])
		with data.hss.thresholds as thresholds
		with time.now_ns as now_ns
	denies == {"data.hss_image.web.architectures[0] (img-web-20-arm64): vul_num is null, not a number; it cannot be checked"}
}

# The summary's image's own list counts are HSS's numbers too.
test_summary_image_counts_are_checked if {
	v := object.union(image_values("success", "2025-12-31T00:00:00Z"), {"vul_num": 5})
	denies := image_risk.deny with input as plan([summary("data.hss_image_security_summary.s", v)])
		with data.hss.thresholds as thresholds
		with time.now_ns as now_ns
	denies == {"data.hss_image_security_summary.s.image: vul_num = 5 exceeds the threshold 0"}
}

# summary(address, image): a clean summary of every report type, of image.
summary(address, image) := {"address": address, "mode": "data", "type": "hss_image_security_summary", "values": {
	"image_type": "private_image", "namespace": "shop", "image_name": "web", "image_version": "2.0",
	"report_types": null,
	"baseline": {"image_weak_pwd": 0, "pwd_policy": 0, "security_check": 0},
	"report_counts": {"vulnerability": 0, "malwares": 0},
	"image": image,
}}

# A threshold whose report type the summary was told not to read is not
# skipped: the count is unknown.
test_summary_narrowed_by_report_types_is_denied_for_what_it_left_out if {
	s := {"address": "data.hss_image_security_summary.s", "mode": "data", "type": "hss_image_security_summary", "values": {
		"report_types": ["vulnerability"],
		"baseline": {"image_weak_pwd": 0, "pwd_policy": 0, "security_check": 0},
		"report_counts": {"vulnerability": 0},
		"image": image_values("success", "2025-12-31T00:00:00Z"),
	}}
	denies := image_risk.deny with input as plan([s]) with data.hss.thresholds as thresholds with time.now_ns as now_ns
	denies == {"data.hss_image_security_summary.s: report_counts[malwares] is missing; it cannot be checked (report_types leaves malwares out, but a threshold is set for it)"}
}

test_summary_narrowed_to_every_thresholded_type_passes if {
	s := {"address": "data.hss_image_security_summary.s", "mode": "data", "type": "hss_image_security_summary", "values": {
		"report_types": ["malwares", "vulnerability"],
		"baseline": {"image_weak_pwd": 0, "pwd_policy": 0, "security_check": 0},
		"report_counts": {"vulnerability": 0, "malwares": 0},
		"image": image_values("success", "2025-12-31T00:00:00Z"),
	}}
	count(image_risk.deny) == 0 with input as plan([s]) with data.hss.thresholds as thresholds with time.now_ns as now_ns
}

# Counts without proof: HSS counts 0 for an image it does not know, so a
# statistic is trusted only when an image it selects was read during plan
# by a data source that proves it exists (and, checked above, was scanned).
web_selector := {"image_type": "private_image", "namespace": "shop", "image_name": "web", "image_version": "2.0", "image_id": null, "instance_id": null}

web_baseline := {"address": "data.hss_image_baseline_statistic.web", "mode": "data", "type": "hss_image_baseline_statistic", "values": object.union(web_selector, {"image_weak_pwd": 0, "pwd_policy": 0, "security_check": 0})}

web_vulns := {"address": "data.hss_image_security_report_statistic.web", "mode": "data", "type": "hss_image_security_report_statistic", "values": object.union(web_selector, {
	"security_report_type": "vulnerability", "operate_all": true, "image_id_list": null, "total_num": 0,
})}

unproven(address, selector) := sprintf("%s: counts of %s, but no image read during plan (hss_image, hss_images, hss_image_security_summary, hss_image_vulnerabilities or hss_image_gate) is selected by it: HSS counts 0 for an image it does not know or has not scanned, so these numbers prove nothing", [address, selector])

web_selector_text := `image_type "private_image", namespace "shop", image_name "web", image_version "2.0"`

test_counts_without_any_proof_are_denied if {
	denies := image_risk.deny with input as plan([web_baseline, web_vulns]) with data.hss.thresholds as thresholds
	denies == {
		unproven("data.hss_image_baseline_statistic.web", web_selector_text),
		unproven("data.hss_image_security_report_statistic.web", web_selector_text),
	}
}

test_counts_of_another_image_are_denied if {
	cart := hss_image(object.union(image_values("success", "2025-12-31T00:00:00Z"), {"image_name": "cart", "image_version": "3.1"}))
	denies := image_risk.deny with input as plan([cart, web_baseline]) with data.hss.thresholds as thresholds with time.now_ns as now_ns
	denies == {unproven("data.hss_image_baseline_statistic.web", web_selector_text)}
}

test_counts_proven_by_hss_image_pass if {
	count(image_risk.deny) == 0 with input as plan([hss_image(image_values("success", "2025-12-31T00:00:00Z")), web_baseline, web_vulns])
		with data.hss.thresholds as thresholds with time.now_ns as now_ns
}

test_counts_proven_by_summary_pass if {
	s := summary("data.hss_image_security_summary.s", object.union(image_values("success", "2025-12-31T00:00:00Z"), {"image_id": "img-web-20"}))
	count(image_risk.deny) == 0 with input as plan([s, web_baseline, web_vulns])
		with data.hss.thresholds as thresholds with time.now_ns as now_ns
}

test_counts_proven_by_an_hss_images_element_pass if {
	cart := object.union(image_values("success", "2025-12-31T00:00:00Z"), {"image_name": "cart"})
	r := {"address": "data.hss_images.release", "mode": "data", "type": "hss_images", "values": {"images": [cart, image_values("success", "2025-12-31T00:00:00Z")]}}
	count(image_risk.deny) == 0 with input as plan([r, web_baseline, web_vulns])
		with data.hss.thresholds as thresholds with time.now_ns as now_ns
}

test_counts_proven_by_the_image_gate_pass if {
	g := gate("data.hss_image_gate.web", true, [], image_values("success", "2025-12-31T00:00:00Z"))
	count(image_risk.deny) == 0 with input as plan([g, web_baseline])
		with data.hss.thresholds as thresholds with time.now_ns as now_ns
}

test_counts_proven_by_the_vulnerability_list_pass if {
	v := {"address": "data.hss_image_vulnerabilities.web", "mode": "data", "type": "hss_image_vulnerabilities", "values": {"image": image_values("success", "2025-12-31T00:00:00Z")}}
	count(image_risk.deny) == 0 with input as plan([v, web_baseline])
		with data.hss.thresholds as thresholds with time.now_ns as now_ns
}

test_deferred_vulnerability_list_is_denied if {
	p := {"prior_state": {"values": {"root_module": {}}}, "resource_changes": [{
		"address": "data.hss_image_vulnerabilities.web", "mode": "data", "type": "hss_image_vulnerabilities",
		"change": {"actions": ["read"], "after_unknown": {"vulnerabilities": true}},
	}]}
	denies := image_risk.deny with input as p with data.hss.thresholds as thresholds
	denies == {"data.hss_image_vulnerabilities.web: read deferred to apply, so its numbers are unknown at plan time and cannot pass the gate"}
}

test_counts_in_another_region_are_not_proven if {
	img := hss_image(object.union(image_values("success", "2025-12-31T00:00:00Z"), {"region": "cn-north-4"}))
	b := object.union(web_baseline, {"values": {"region": "ap-southeast-1"}})
	denies := image_risk.deny with input as plan([img, b]) with data.hss.thresholds as thresholds with time.now_ns as now_ns
	denies == {unproven("data.hss_image_baseline_statistic.web", concat(", ", [web_selector_text, `region "ap-southeast-1"`]))}
}

test_counts_of_a_whole_namespace_are_proven_by_one_of_its_images if {
	b := object.union(web_baseline, {"values": {"image_name": null, "image_version": null}})
	count(image_risk.deny) == 0 with input as plan([hss_image(image_values("success", "2025-12-31T00:00:00Z")), b])
		with data.hss.thresholds as thresholds with time.now_ns as now_ns
}

test_counts_of_every_registry_image_are_proven_by_a_private_image if {
	b := object.union(web_baseline, {"values": {"image_type": "registry", "namespace": null, "image_name": null, "image_version": null}})
	count(image_risk.deny) == 0 with input as plan([hss_image(image_values("success", "2025-12-31T00:00:00Z")), b])
		with data.hss.thresholds as thresholds with time.now_ns as now_ns
}

test_counts_of_local_images_are_not_proven_by_a_private_image if {
	b := object.union(web_baseline, {"values": {"image_type": "local_image", "namespace": null}})
	denies := image_risk.deny with input as plan([hss_image(image_values("success", "2025-12-31T00:00:00Z")), b])
		with data.hss.thresholds as thresholds with time.now_ns as now_ns
	denies == {unproven("data.hss_image_baseline_statistic.web", `image_type "local_image", image_name "web", image_version "2.0"`)}
}

test_counts_of_an_image_id_list_need_every_id_proven if {
	img := hss_image(object.union(image_values("success", "2025-12-31T00:00:00Z"), {"image_id": "img-web-20"}))
	v := object.union(web_vulns, {"values": {"operate_all": null, "namespace": null, "image_name": null, "image_version": null, "image_id_list": ["img-web-20", "img-cart-31"]}})
	denies := image_risk.deny with input as plan([img, v]) with data.hss.thresholds as thresholds with time.now_ns as now_ns
	denies == {unproven("data.hss_image_security_report_statistic.web", `image_type "private_image", image_id_list ["img-web-20","img-cart-31"]`)}
}

test_summary_without_its_image_is_not_proof if {
	s := summary("data.hss_image_security_summary.s", null)
	denies := image_risk.deny with input as plan([s]) with data.hss.thresholds as thresholds
	denies == {"data.hss_image_security_summary.s: counts without the image they count (image is null): the summary proves nothing without it"}
}

# Scan times are proven, not trusted: a time the policy cannot read, or one
# in the future (beyond the provider's 5-minute clock-skew allowance), is a
# deny whether or not max_scan_age_hours is set.
test_unparsable_scan_time_is_denied if {
	every t in ["58883-12-31T00:00:00Z", "9999-12-31T00:00:00Z", "2025-12-31 00:00:00", "1767139200000", ""] {
		denies := image_risk.deny with input as plan([hss_image(image_values("success", t))])
			with data.hss.thresholds as thresholds
			with time.now_ns as now_ns
		denies == {sprintf("data.hss_image.web: scanned_at %q cannot be parsed as an RFC 3339 time (now is 2026-01-01T00:00:00Z): a scan time that cannot be read proves no scan", [t])}
	}
}

test_unparsable_scan_time_is_denied_under_max_scan_age if {
	denies := image_risk.deny with input as plan([hss_image(image_values("success", "58883-12-31T00:00:00Z"))])
		with data.hss.thresholds as scan_thresholds
		with time.now_ns as now_ns
	denies == {`data.hss_image.web: scanned_at "58883-12-31T00:00:00Z" cannot be parsed as an RFC 3339 time (now is 2026-01-01T00:00:00Z): a scan time that cannot be read proves no scan`}
}

test_scan_time_that_is_not_a_string_is_denied if {
	denies := image_risk.deny with input as plan([hss_image(image_values("success", 1767139200000))])
		with data.hss.thresholds as thresholds
		with time.now_ns as now_ns
	denies == {"data.hss_image.web: scanned_at 1767139200000 cannot be parsed as an RFC 3339 time (now is 2026-01-01T00:00:00Z): a scan time that cannot be read proves no scan"}
}

future(t) := sprintf("data.hss_image.web: scanned_at %s is later than now (2026-01-01T00:00:00Z) plus the 5-minute clock-skew allowance: a scan cannot end in the future, so neither its time nor its numbers can be trusted", [t])

test_future_scan_time_is_denied if {
	every t in ["2026-01-01T08:00:00Z", "2126-01-01T00:00:00Z", "2026-01-01T00:05:01Z", "2026-01-01T08:00:00+00:00"] {
		denies := image_risk.deny with input as plan([hss_image(image_values("success", t))])
			with data.hss.thresholds as thresholds
			with time.now_ns as now_ns
		denies == {future(t)}
	}
}

test_future_scan_time_is_denied_under_max_scan_age if {
	denies := image_risk.deny with input as plan([hss_image(image_values("success", "2026-01-01T08:00:00Z"))])
		with data.hss.thresholds as scan_thresholds
		with time.now_ns as now_ns
	denies == {future("2026-01-01T08:00:00Z")}
}

test_scan_time_within_the_skew_allowance_passes if {
	every t in ["2026-01-01T00:05:00Z", "2026-01-01T08:04:00+08:00"] {
		count(image_risk.deny) == 0 with input as plan([hss_image(image_values("success", t))])
			with data.hss.thresholds as scan_thresholds
			with time.now_ns as now_ns
	}
}

test_future_scan_time_of_a_summary_image_is_denied if {
	s := summary("data.hss_image_security_summary.s", image_values("success", "2126-01-01T00:00:00Z"))
	denies := image_risk.deny with input as plan([s]) with data.hss.thresholds as thresholds with time.now_ns as now_ns
	denies == {"data.hss_image_security_summary.s.image: scanned_at 2126-01-01T00:00:00Z is later than now (2026-01-01T00:00:00Z) plus the 5-minute clock-skew allowance: a scan cannot end in the future, so neither its time nor its numbers can be trusted"}
}

# Every failure signal counts: "success" with a failure code or description
# is not a successful scan.
test_success_with_a_scan_failed_code_is_denied if {
	v := object.union(image_values("success", "2025-12-31T00:00:00Z"), {"scan_failed_code": "failed_to_scan_vulnerability"})
	denies := image_risk.deny with input as plan([hss_image(v)]) with data.hss.thresholds as thresholds with time.now_ns as now_ns
	denies == {`data.hss_image.web: scan_status is "success" but scan_failed_code is "failed_to_scan_vulnerability": HSS says the last scan failed, so its numbers prove nothing`}
}

test_success_with_a_scan_failed_desc_is_denied if {
	v := object.union(image_values("success", "2025-12-31T00:00:00Z"), {"scan_failed_desc": "Failed to scan the image for vulnerabilities."})
	r := {"address": "data.hss_images.release", "mode": "data", "type": "hss_images", "values": {"images": [v]}}
	denies := image_risk.deny with input as plan([r]) with data.hss.thresholds as thresholds with time.now_ns as now_ns
	denies == {`data.hss_images.release.images[0] (shop/web:2.0): scan_status is "success" but scan_failed_desc is "Failed to scan the image for vulnerabilities.": HSS says the last scan failed, so its numbers prove nothing`}
}

test_scan_problem_is_denied if {
	problem := "HSS flags private_image shop/web:2.0 as multi-architecture (is_multiple_arch is true) but lists none of its architecture images (association_images is empty or null), so no architecture can be proven scanned."
	v := object.union(image_values("success", "2025-12-31T00:00:00Z"), {"scan_problem": problem})
	denies := image_risk.deny with input as plan([hss_image(v)]) with data.hss.thresholds as thresholds with time.now_ns as now_ns
	denies == {sprintf("data.hss_image.web: scan_problem: %s", [problem])}
}

# Thresholds: without them nothing can be checked, so nothing passes.
no_thresholds := "no thresholds loaded: data.hss.thresholds is undefined or not an object, so no count can be checked and the plan cannot pass; load thresholds.json (opa eval -d thresholds.json, conftest test --data thresholds.json)"

test_no_thresholds_is_denied if {
	every t in [null, "thresholds.json", []] {
		denies := image_risk.deny with input as plan([]) with data.hss.thresholds as t
		denies == {no_thresholds}
	}
}

test_thresholds_without_baseline_or_reports_are_denied if {
	denies := image_risk.deny with input as plan([]) with data.hss.thresholds as {"max_scan_age_hours": 168}
	denies == {
		"thresholds: baseline is missing or not an object, so no baseline count can be checked",
		"thresholds: reports is missing or not an object, so no report count can be checked",
	}
}

test_threshold_that_is_not_a_number_is_denied if {
	t := {"baseline": {"image_weak_pwd": "0", "pwd_policy": 0, "security_check": 3}, "reports": {"vulnerability": 0}, "max_scan_age_hours": "168h"}
	denies := image_risk.deny with input as plan([]) with data.hss.thresholds as t
	denies == {
		`thresholds: baseline.image_weak_pwd is "0", not a number`,
		`thresholds: max_scan_age_hours is "168h", not a number`,
	}
}

# conftest reads the namespace main unless told otherwise: it must see the
# same denies.
test_main_denies_what_image_risk_denies if {
	p := plan_proven([baseline("data.hss_image_baseline_statistic.a", 2, 0, 4)])
	denies := data.main.deny with input as p with data.hss.thresholds as thresholds
	count(denies) == 2
	denies == image_risk.deny with input as p with data.hss.thresholds as thresholds
}

test_main_denies_without_thresholds if {
	data.main.deny == {no_thresholds} with input as plan([]) with data.hss.thresholds as null
}

# A field missing from an image is judged as null, never skipped: an image
# with no scan_status or counts at all is denied, not ignored.
test_image_without_fields_is_denied if {
	r := {"address": "data.hss_images.release", "mode": "data", "type": "hss_images", "values": {"images": [{"image_name": "web", "image_version": "2.0"}]}}
	denies := image_risk.deny with input as plan([r]) with data.hss.thresholds as thresholds
	denies == {
		`data.hss_images.release.images[0] (web:2.0): scan_status is null, not "success": HSS has not scanned the image successfully, so its numbers prove nothing`,
		"data.hss_images.release.images[0] (web:2.0): vul_num is null, not a number; it cannot be checked",
		"data.hss_images.release.images[0] (web:2.0): malicious_file_num is null, not a number; it cannot be checked",
	}
}

test_counts_of_an_image_id_list_pass_when_every_id_is_proven if {
	img := hss_image(object.union(image_values("success", "2025-12-31T00:00:00Z"), {"image_id": "img-web-20"}))
	cart := object.union(img, {"address": "data.hss_image.cart", "values": {"image_name": "cart", "image_id": "img-cart-31"}})
	v := object.union(web_vulns, {"values": {"operate_all": null, "namespace": null, "image_name": null, "image_version": null, "image_id_list": ["img-web-20", "img-cart-31"]}})
	count(image_risk.deny) == 0 with input as plan([img, cart, v]) with data.hss.thresholds as thresholds with time.now_ns as now_ns
}

test_counts_of_every_local_image_are_proven_by_a_local_image if {
	img := hss_image(object.union(image_values("success", "2025-12-31T00:00:00Z"), {"image_type": "local_image", "namespace": null}))
	b := object.union(web_baseline, {"values": {"image_type": "local", "namespace": null, "image_name": null, "image_version": null}})
	count(image_risk.deny) == 0 with input as plan([img, b]) with data.hss.thresholds as thresholds with time.now_ns as now_ns
}

# An unset enterprise project is the default one, "0"; another project
# does not prove the image.
test_counts_in_the_default_project_are_proven_by_an_unset_one if {
	b := object.union(web_baseline, {"values": {"enterprise_project_id": "0"}})
	count(image_risk.deny) == 0 with input as plan([hss_image(image_values("success", "2025-12-31T00:00:00Z")), b])
		with data.hss.thresholds as thresholds with time.now_ns as now_ns
}

test_counts_in_another_project_are_not_proven if {
	b := object.union(web_baseline, {"values": {"enterprise_project_id": "all_granted_eps"}})
	denies := image_risk.deny with input as plan([hss_image(image_values("success", "2025-12-31T00:00:00Z")), b])
		with data.hss.thresholds as thresholds with time.now_ns as now_ns
	denies == {unproven("data.hss_image_baseline_statistic.web", concat(", ", [web_selector_text, `enterprise_project_id "all_granted_eps"`]))}
}

test_successful_scan_without_a_time_is_denied_under_max_scan_age if {
	denies := image_risk.deny with input as plan([hss_image(image_values("success", null))])
		with data.hss.thresholds as scan_thresholds
		with time.now_ns as now_ns
	denies == {"data.hss_image.web: no scan time, so its age cannot be checked against 168 hours"}
}

test_architecture_that_is_not_an_object_is_denied if {
	v := object.union(image_values("success", "2025-12-31T00:00:00Z"), {"architectures": [null]})
	denies := image_risk.deny with input as plan([hss_image(v)]) with data.hss.thresholds as thresholds with time.now_ns as now_ns
	denies == {
		`data.hss_image.web: architecture image null has scan_status null, not "success"`,
		"data.hss_image.web.architectures[0] (null): vul_num is null, not a number; it cannot be checked",
		"data.hss_image.web.architectures[0] (null): malicious_file_num is null, not a number; it cannot be checked",
	}
}

# The vulnerability gate: hss_image_gate's verdict is judged, each
# violation a deny of its own; its image is checked like the summary's.

# gate(address, passed, violations, image): an hss_image_gate read during
# plan.
gate(address, passed, violations, image) := {"address": address, "mode": "data", "type": "hss_image_gate", "values": {
	"image_type": "private_image", "namespace": "shop", "image_name": "web", "image_version": "2.0",
	"enforce": false, "passed": passed, "violations": violations, "image": image,
}}

fresh_image := image_values("success", "2025-12-31T00:00:00Z")

openssl := {
	"vul_id": "DSA-9901-1", "cve_ids": ["CVE-2024-4741", "CVE-2024-5535"], "severity": "high", "max_cvss": 9.1,
	"package": "libssl3", "version": "3.0.11-1~deb12u2", "path": null, "report_type": null,
	"reasons": ["severity high ≥ fail_on high", "CVE-2024-5535 is denied"],
}

malwares := {
	"vul_id": null, "cve_ids": null, "severity": null, "max_cvss": null, "package": null, "version": null, "path": null,
	"report_type": "malwares", "reasons": ["report type malwares: 1 > 0"],
}

openssl_deny := "data.hss_image_gate.web: vulnerability DSA-9901-1 (CVE-2024-4741, CVE-2024-5535), severity high, CVSS 9.1, in libssl3 3.0.11-1~deb12u2 fails the vulnerability gate: severity high ≥ fail_on high; CVE-2024-5535 is denied"

test_gate_that_passed_passes if {
	count(image_risk.deny) == 0 with input as plan([gate("data.hss_image_gate.web", true, [], fresh_image)])
		with data.hss.thresholds as scan_thresholds
		with time.now_ns as now_ns
}

test_gate_that_failed_is_denied_with_each_violation if {
	denies := image_risk.deny with input as plan([gate("data.hss_image_gate.web", false, [openssl, malwares], fresh_image)])
		with data.hss.thresholds as thresholds
		with time.now_ns as now_ns
	denies == {
		"data.hss_image_gate.web: the image fails its vulnerability gate (passed is false, 2 violation(s), each denied on its own)",
		openssl_deny,
		"data.hss_image_gate.web: report type malwares fails the vulnerability gate: report type malwares: 1 > 0",
	}
}

# A finding without CVE ids, CVSS or package is still named, and two
# findings of one vulnerability at two paths are two denies.
test_gate_violations_are_named_whatever_they_lack if {
	busybox := {"vul_id": "HSS-2025-0042", "cve_ids": [], "severity": "low", "max_cvss": null, "package": null, "version": null, "path": null, "report_type": null, "reasons": ["severity low ≥ fail_on low"]}
	jar := {"vul_id": "GHSA-q2c3-9v6h-w5mr", "cve_ids": ["CVE-2023-44487"], "severity": "high", "max_cvss": 7.5, "package": "netty-codec-http2", "version": "4.1.97.Final", "path": "/app/lib/a.jar", "report_type": null, "reasons": []}
	plugin := object.union(jar, {"path": "/app/plugins/p01/a.jar"})
	denies := image_risk.deny with input as plan([gate("data.hss_image_gate.web", false, [busybox, jar, plugin], fresh_image)])
		with data.hss.thresholds as thresholds
		with time.now_ns as now_ns
	denies == {
		"data.hss_image_gate.web: the image fails its vulnerability gate (passed is false, 3 violation(s), each denied on its own)",
		"data.hss_image_gate.web: vulnerability HSS-2025-0042 (no CVE id), severity low fails the vulnerability gate: severity low ≥ fail_on low",
		"data.hss_image_gate.web: vulnerability GHSA-q2c3-9v6h-w5mr (CVE-2023-44487), severity high, CVSS 7.5, in netty-codec-http2 4.1.97.Final at /app/lib/a.jar fails the vulnerability gate: no reason given",
		"data.hss_image_gate.web: vulnerability GHSA-q2c3-9v6h-w5mr (CVE-2023-44487), severity high, CVSS 7.5, in netty-codec-http2 4.1.97.Final at /app/plugins/p01/a.jar fails the vulnerability gate: no reason given",
	}
}

# Fail closed: only passed = true passes, and a violation listed is a deny
# whatever passed says.
test_gate_without_a_verdict_is_denied if {
	every passed in [null, "true", 1] {
		denies := image_risk.deny with input as plan([gate("data.hss_image_gate.web", passed, [], fresh_image)])
			with data.hss.thresholds as thresholds
			with time.now_ns as now_ns
		denies == {sprintf("data.hss_image_gate.web: the image fails its vulnerability gate (passed is %s, and it lists no violation)", [json.marshal(passed)])}
	}
}

test_gate_that_passed_but_lists_a_violation_is_denied if {
	denies := image_risk.deny with input as plan([gate("data.hss_image_gate.web", true, [openssl], fresh_image)])
		with data.hss.thresholds as thresholds
		with time.now_ns as now_ns
	denies == {openssl_deny}
}

test_gate_whose_violations_are_not_a_list_is_denied if {
	denies := image_risk.deny with input as plan([gate("data.hss_image_gate.web", true, null, fresh_image)])
		with data.hss.thresholds as thresholds
		with time.now_ns as now_ns
	denies == {"data.hss_image_gate.web: violations is null, not a list, so what fails the vulnerability gate cannot be checked"}
}

test_gate_read_deferred_to_apply_is_denied if {
	p := {"prior_state": {"values": {"root_module": {}}}, "resource_changes": [{
		"address": "data.hss_image_gate.deploy", "mode": "data", "type": "hss_image_gate",
		"change": {"actions": ["read"], "after_unknown": {"passed": true, "violations": true, "image": true}},
	}]}
	denies := image_risk.deny with input as p with data.hss.thresholds as thresholds
	denies == {"data.hss_image_gate.deploy: read deferred to apply, so its numbers are unknown at plan time and cannot pass the gate"}
}

# The gate's image is proof like the summary's, and is checked like it.
test_gate_image_is_checked if {
	denies := image_risk.deny with input as plan([gate("data.hss_image_gate.web", true, [], image_values("success", "2025-12-24T00:00:00Z"))])
		with data.hss.thresholds as scan_thresholds
		with time.now_ns as now_ns
	denies == {"data.hss_image_gate.web.image: last scanned at 2025-12-24T00:00:00Z, 192 hours ago, older than max_scan_age_hours 168"}
}

test_gate_image_scan_failure_is_denied if {
	v := object.union(fresh_image, {"scan_failed_code": "failed_to_scan_vulnerability"})
	denies := image_risk.deny with input as plan([gate("data.hss_image_gate.web", true, [], v)])
		with data.hss.thresholds as thresholds
		with time.now_ns as now_ns
	denies == {`data.hss_image_gate.web.image: scan_status is "success" but scan_failed_code is "failed_to_scan_vulnerability": HSS says the last scan failed, so its numbers prove nothing`}
}

test_gate_without_its_image_is_denied if {
	denies := image_risk.deny with input as plan([gate("data.hss_image_gate.web", true, [], null), web_baseline])
		with data.hss.thresholds as thresholds
		with time.now_ns as now_ns
	denies == {
		"data.hss_image_gate.web: a verdict without the image it judged (image is null): the gate proves nothing without it",
		unproven("data.hss_image_baseline_statistic.web", web_selector_text),
	}
}

# The gate judged each finding that vul_num counts, exceptions included:
# its image's vul_num is not held to the count threshold (the same image
# read by hss_image is), its other counts and its architectures' are.
test_gate_image_vul_num_is_judged_by_the_gate if {
	v := object.union(fresh_image, {"vul_num": 3, "malicious_file_num": 1})
	denies := image_risk.deny with input as plan([gate("data.hss_image_gate.web", true, [], v), hss_image(v)])
		with data.hss.thresholds as thresholds
		with time.now_ns as now_ns
	denies == {
		"data.hss_image_gate.web.image: malicious_file_num = 1 exceeds the threshold 0",
		"data.hss_image.web: vul_num = 3 exceeds the threshold 0",
		"data.hss_image.web: malicious_file_num = 1 exceeds the threshold 0",
	}
}

test_gate_image_architectures_vul_num_is_checked if {
	denies := image_risk.deny with input as plan([gate("data.hss_image_gate.web", true, [], multi_arch)])
		with data.hss.thresholds as thresholds
		with time.now_ns as now_ns
	denies == {
		"data.hss_image_gate.web.image.architectures[1] (img-web-20-arm64): vul_num = 7 exceeds the threshold 0",
		"data.hss_image_gate.web.image.architectures[1] (img-web-20-arm64): malicious_file_num = 3 exceeds the threshold 0",
	}
}

test_main_denies_a_failed_gate if {
	p := plan([gate("data.hss_image_gate.web", false, [openssl], fresh_image)])
	denies := data.main.deny with input as p with data.hss.thresholds as thresholds with time.now_ns as now_ns
	openssl_deny in denies
	denies == image_risk.deny with input as p with data.hss.thresholds as thresholds with time.now_ns as now_ns
}
