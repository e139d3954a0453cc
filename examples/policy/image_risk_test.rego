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
