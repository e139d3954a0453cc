package hss.image_risk_test

import data.hss.image_risk

thresholds := {"baseline": {"image_weak_pwd": 0, "pwd_policy": 0, "security_check": 3}, "reports": {"vulnerability": 0, "malwares": 0}}

plan(resources) := {"prior_state": {"values": {"root_module": {"resources": resources}}}, "resource_changes": []}

baseline(address, weak, policy, check) := {
	"address": address, "mode": "data", "type": "hss_image_baseline_statistic",
	"values": {"image_weak_pwd": weak, "pwd_policy": policy, "security_check": check},
}

test_clean_baseline_passes if {
	count(image_risk.deny) == 0 with input as plan([baseline("data.hss_image_baseline_statistic.a", 0, 0, 3)])
		with data.hss.thresholds as thresholds
}

test_baseline_over_threshold_names_address_counter_and_value if {
	denies := image_risk.deny with input as plan([baseline("data.hss_image_baseline_statistic.a", 2, 0, 4)])
		with data.hss.thresholds as thresholds
	denies == {
		"data.hss_image_baseline_statistic.a: image_weak_pwd = 2 exceeds the threshold 0",
		"data.hss_image_baseline_statistic.a: security_check = 4 exceeds the threshold 3",
	}
}

test_report_statistic_uses_its_report_type if {
	r := {"address": "data.hss_image_security_report_statistic.v", "mode": "data", "type": "hss_image_security_report_statistic", "values": {"security_report_type": "vulnerability", "total_num": 5}}
	apps := {"address": "data.hss_image_security_report_statistic.apps", "mode": "data", "type": "hss_image_security_report_statistic", "values": {"security_report_type": "apps", "total_num": 900}}
	denies := image_risk.deny with input as plan([r, apps]) with data.hss.thresholds as thresholds
	denies == {"data.hss_image_security_report_statistic.v: total_num[vulnerability] = 5 exceeds the threshold 0"}
}

test_summary_checks_baseline_and_report_counts if {
	s := {"address": "module.app.data.hss_image_security_summary.s", "mode": "data", "type": "hss_image_security_summary", "values": {
		"report_types": null,
		"baseline": {"image_weak_pwd": 0, "pwd_policy": 1, "security_check": 0},
		"report_counts": {"vulnerability": 0, "malwares": 2, "apps": 10},
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
	denies := image_risk.deny with input as plan([baseline("data.hss_image_baseline_statistic.a", null, 0, 0)])
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
	}}
	denies := image_risk.deny with input as plan([s]) with data.hss.thresholds as thresholds
	denies == {"data.hss_image_security_summary.s: report_counts[malwares] is missing; it cannot be checked"}
}

test_summary_narrowed_by_report_types_checks_what_it_has if {
	s := {"address": "data.hss_image_security_summary.s", "mode": "data", "type": "hss_image_security_summary", "values": {
		"report_types": ["vulnerability"],
		"baseline": {"image_weak_pwd": 0, "pwd_policy": 0, "security_check": 0},
		"report_counts": {"vulnerability": 0},
	}}
	count(image_risk.deny) == 0 with input as plan([s]) with data.hss.thresholds as thresholds
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
		{"image_id": "amd64", "scan_status": "success"},
		{"image_id": "arm64", "scan_status": "failed"},
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
		"report_types": ["vulnerability"],
		"baseline": {"image_weak_pwd": 0, "pwd_policy": 0, "security_check": 0},
		"report_counts": {"vulnerability": 0},
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
