# Deny a plan when an HSS image-risk number read during plan exceeds its
# threshold, or when such a number is not known at plan time.
#
# Input: `terraform show -json` of a saved plan. Data sources read during
# plan are in prior_state.values.root_module (and its child_modules); a read
# deferred to apply shows only in resource_changes as a "read" action with
# unknown values, and is denied: an unknown count is never a pass.
#
# Thresholds come from data.hss.thresholds (see thresholds.json):
#   baseline: counter name -> highest allowed value
#   reports:  security report type -> highest allowed record count
# A counter without a threshold is not checked.
package hss.image_risk

hss_types := {
	"hss_image_baseline_statistic",
	"hss_image_security_report_statistic",
	"hss_image_security_summary",
}

baseline_counters := {"image_weak_pwd", "pwd_policy", "security_check"}

# Every resource of a module and its child modules, however deep.
module_resources(module) := [r |
	walk(module, [path, r])
	count(path) > 0
	path[count(path) - 2] == "resources"
]

read_during_plan contains r if {
	some r in module_resources(input.prior_state.values.root_module)
	r.mode == "data"
	r.type in hss_types
}

# Each finding: the data source address, the counter and its value.
findings contains {"address": r.address, "counter": c, "value": r.values[c], "threshold": data.hss.thresholds.baseline[c]} if {
	some r in read_during_plan
	r.type == "hss_image_baseline_statistic"
	some c in baseline_counters
}

findings contains {"address": r.address, "counter": concat("", ["total_num[", t, "]"]), "value": r.values.total_num, "threshold": data.hss.thresholds.reports[t]} if {
	some r in read_during_plan
	r.type == "hss_image_security_report_statistic"
	t := r.values.security_report_type
}

findings contains {"address": r.address, "counter": concat("", ["baseline.", c]), "value": r.values.baseline[c], "threshold": data.hss.thresholds.baseline[c]} if {
	some r in read_during_plan
	r.type == "hss_image_security_summary"
	some c in baseline_counters
}

findings contains {"address": r.address, "counter": concat("", ["report_counts[", t, "]"]), "value": v, "threshold": data.hss.thresholds.reports[t]} if {
	some r in read_during_plan
	r.type == "hss_image_security_summary"
	some t, v in r.values.report_counts
}

deny contains msg if {
	some f in findings
	is_number(f.value)
	f.value > f.threshold
	msg := sprintf("%s: %s = %v exceeds the threshold %v", [f.address, f.counter, f.value, f.threshold])
}

# Fail closed: a number that is not a number is a deny, never a pass.
deny contains msg if {
	some f in findings
	not is_number(f.value)
	msg := sprintf("%s: %s is %v, not a number; it cannot be checked", [f.address, f.counter, f.value])
}

# A configured report type the summary did not return.
deny contains msg if {
	some r in read_during_plan
	r.type == "hss_image_security_summary"
	r.values.report_types == null
	some t, _ in data.hss.thresholds.reports
	not r.values.report_counts[t]
	msg := sprintf("%s: report_counts[%s] is missing; it cannot be checked", [r.address, t])
}

# Fail closed: a read deferred to apply has no numbers at plan time.
deny contains msg if {
	some rc in input.resource_changes
	rc.mode == "data"
	rc.type in hss_types
	"read" in rc.change.actions
	msg := sprintf("%s: read deferred to apply, so its numbers are unknown at plan time and cannot pass the gate", [rc.address])
}
