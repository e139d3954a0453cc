# Deny a plan when an HSS image-risk number read during plan exceeds its
# threshold, or when such a number is not known at plan time.
#
# Input: `terraform show -json` of a saved plan. Data sources read during
# plan are in prior_state.values.root_module (and its child_modules); a read
# deferred to apply shows only in resource_changes as a "read" action with
# unknown values, and is denied: an unknown count is never a pass.
#
# Counts alone prove nothing about an image: HSS counts findings, and an
# image it does not know or has not scanned has none. So every image read
# during plan (hss_image, each element of hss_images, the summary's image)
# must have been scanned successfully, every architecture included, and
# recently enough.
#
# Thresholds come from data.hss.thresholds (see thresholds.json):
#   baseline: counter name -> highest allowed value
#   reports:  security report type -> highest allowed record count (also
#             applied to each hss_images element's vul_num, malicious_file_num
#             and unsafe_setting_num)
#   max_scan_age_hours: oldest allowed successful scan (optional)
# A counter without a threshold is not checked.
package hss.image_risk

hss_types := {
	"hss_image_baseline_statistic",
	"hss_image_security_report_statistic",
	"hss_image_security_summary",
	"hss_image",
	"hss_images",
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

# Every image read during plan, with where it is in the plan.
images_read contains {"where": r.address, "source": r.type, "image": r.values} if {
	some r in read_during_plan
	r.type == "hss_image"
}

images_read contains {"where": concat("", [r.address, ".image"]), "source": r.type, "image": r.values.image} if {
	some r in read_during_plan
	r.type == "hss_image_security_summary"
	r.values.image != null
}

images_read contains {"where": sprintf("%s.images[%d] (%s)", [r.address, i, image_label(img)]), "source": r.type, "image": img} if {
	some r in read_during_plan
	r.type == "hss_images"
	some i, img in r.values.images
}

image_label(img) := concat("", [img.namespace, "/", img.image_name, ":", img.image_version]) if img.namespace != null

image_label(img) := concat("", [img.image_name, ":", img.image_version]) if img.namespace == null

# Fail closed: numbers about an image HSS has not scanned successfully are
# zeros that prove nothing.
deny contains msg if {
	some x in images_read
	x.image.scan_status != "success"
	msg := sprintf("%s: scan_status is %q%s, not \"success\": HSS has not scanned the image successfully, so its numbers prove nothing", [x.where, x.image.scan_status, failed_code(x.image)])
}

failed_code(img) := sprintf(" (scan_failed_code %s)", [img.scan_failed_code]) if img.scan_failed_code != null

failed_code(img) := "" if img.scan_failed_code == null

deny contains msg if {
	some x in images_read
	some a in x.image.architectures
	a.scan_status != "success"
	msg := sprintf("%s: architecture image %s has scan_status %q, not \"success\"", [x.where, a.image_id, a.scan_status])
}

deny contains msg if {
	some x in images_read
	x.image.scan_status == "success"
	max_hours := data.hss.thresholds.max_scan_age_hours
	x.image.scanned_at == null
	msg := sprintf("%s: no scan time, so its age cannot be checked against %v hours", [x.where, max_hours])
}

deny contains msg if {
	some x in images_read
	x.image.scan_status == "success"
	max_hours := data.hss.thresholds.max_scan_age_hours
	x.image.scanned_at != null
	age_hours := (time.now_ns() - time.parse_rfc3339_ns(x.image.scanned_at)) / 3600000000000
	age_hours > max_hours
	msg := sprintf("%s: last scanned at %s, %d hours ago, older than max_scan_age_hours %v", [x.where, x.image.scanned_at, floor(age_hours), max_hours])
}

# Per image of hss_images (and hss_image): the counts HSS lists, over the
# report thresholds. The summary's counts are checked above.
list_counters := {"vul_num": "vulnerability", "malicious_file_num": "malwares", "unsafe_setting_num": "risk-config"}

findings contains {"address": x.where, "counter": c, "value": x.image[c], "threshold": data.hss.thresholds.reports[t]} if {
	some x in images_read
	x.source in {"hss_image", "hss_images"}
	some c, t in list_counters
}

# Fail closed: a read deferred to apply has no numbers at plan time.
deny contains msg if {
	some rc in input.resource_changes
	rc.mode == "data"
	rc.type in hss_types
	"read" in rc.change.actions
	msg := sprintf("%s: read deferred to apply, so its numbers are unknown at plan time and cannot pass the gate", [rc.address])
}
