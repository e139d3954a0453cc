# Deny a plan when an HSS image-risk number read during plan exceeds its
# threshold, or when such a number is not known at plan time, or cannot be
# trusted.
#
# Input: `terraform show -json` of a saved plan. Data sources read during
# plan are in prior_state.values.root_module (and its child_modules); a read
# deferred to apply shows only in resource_changes as a "read" action with
# unknown values, and is denied: an unknown count is never a pass.
#
# Counts alone prove nothing about an image: HSS counts findings, and an
# image it does not know or has not scanned has none. So:
#   - every image read during plan (hss_image, each element of hss_images,
#     the image of hss_image_security_summary and of hss_image_gate) must
#     have been scanned successfully, every architecture included, with no
#     failure code or description, at a time that parses as RFC 3339, is
#     not in the future (beyond a 5-minute clock-skew allowance) and is
#     recent enough; its counts and every architecture's are checked
#     (except the vul_num of the image an hss_image_gate judged: see "The
#     vulnerability gate");
#   - every hss_image_gate must have passed: each violation it lists is a
#     deny of its own (see "The vulnerability gate");
#   - the counts of hss_image_baseline_statistic and
#     hss_image_security_report_statistic are trusted only when an image
#     their selector selects was read during plan (see "Counts need proof").
#
# Thresholds come from data.hss.thresholds (see thresholds.json), and
# without them nothing passes:
#   baseline: counter name -> highest allowed value
#   reports:  security report type -> highest allowed record count (also
#             applied to the vul_num, malicious_file_num and
#             unsafe_setting_num of every image read and of each of its
#             architectures)
#   max_scan_age_hours: oldest allowed successful scan (optional)
# A counter without a threshold is not checked; a threshold that is not a
# number is a deny.
#
# conftest reads the namespace main: main.rego answers there with these
# denies.
package hss.image_risk

# Data sources whose reads the gate judges.
hss_types := {
	"hss_image_baseline_statistic",
	"hss_image_security_report_statistic",
	"hss_image_security_summary",
	"hss_image",
	"hss_images",
	"hss_image_gate",
	"hss_image_vulnerabilities",
}

baseline_counters := {"image_weak_pwd", "pwd_policy", "security_check"}

# get(obj, key): obj[key], null when obj is not an object or has no such
# key, so a missing field is judged (as null) instead of silently making a
# rule undefined.
get(obj, key) := object.get(obj, key, null) if is_object(obj)

else := null

# show(v): v as JSON, so a string shows its quotes and null shows as null.
show(v) := json.marshal(v)

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

# Thresholds. Without them every threshold rule below would silently not
# fire (conftest without --data, opa without -d thresholds.json), so their
# absence is itself a deny. (Through rules: `not is_object(ref)` does not
# hold when ref is undefined, as OPA then fails the whole body.)
thresholds_loaded if is_object(data.hss.thresholds)

threshold_section_loaded(k) if is_object(data.hss.thresholds[k])

deny contains msg if {
	not thresholds_loaded
	msg := "no thresholds loaded: data.hss.thresholds is undefined or not an object, so no count can be checked and the plan cannot pass; load thresholds.json (opa eval -d thresholds.json, conftest test --data thresholds.json)"
}

threshold_kinds := {"baseline": "baseline", "reports": "report"}

deny contains msg if {
	thresholds_loaded
	some k, kind in threshold_kinds
	not threshold_section_loaded(k)
	msg := sprintf("thresholds: %s is missing or not an object, so no %s count can be checked", [k, kind])
}

deny contains msg if {
	some k, _ in threshold_kinds
	some c, v in data.hss.thresholds[k]
	not is_number(v)
	msg := sprintf("thresholds: %s.%s is %s, not a number", [k, c, show(v)])
}

deny contains msg if {
	v := data.hss.thresholds.max_scan_age_hours
	not is_number(v)
	msg := sprintf("thresholds: max_scan_age_hours is %s, not a number", [show(v)])
}

# Each finding: the data source address, the counter and its value.
findings contains {"address": r.address, "counter": c, "value": get(r.values, c), "threshold": data.hss.thresholds.baseline[c]} if {
	some r in read_during_plan
	r.type == "hss_image_baseline_statistic"
	some c in baseline_counters
}

findings contains {"address": r.address, "counter": concat("", ["total_num[", t, "]"]), "value": get(r.values, "total_num"), "threshold": data.hss.thresholds.reports[t]} if {
	some r in read_during_plan
	r.type == "hss_image_security_report_statistic"
	t := r.values.security_report_type
}

findings contains {"address": r.address, "counter": concat("", ["baseline.", c]), "value": get(get(r.values, "baseline"), c), "threshold": data.hss.thresholds.baseline[c]} if {
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

# A report type with a threshold that the summary did not read: missing
# from its answer, or left out by its report_types. Either way the count is
# unknown, and an unknown count is not a pass.
deny contains msg if {
	some r in read_during_plan
	r.type == "hss_image_security_summary"
	some t, _ in data.hss.thresholds.reports
	not has_key(get(r.values, "report_counts"), t)
	msg := sprintf("%s: report_counts[%s] is missing; it cannot be checked%s", [r.address, t, left_out(get(r.values, "report_types"), t)])
}

has_key(obj, key) if {
	is_object(obj)
	key in object.keys(obj)
}

left_out(types, t) := sprintf(" (report_types leaves %s out, but a threshold is set for it)", [t]) if {
	types != null
	not t in types
}

else := ""

# Every image read during plan, with where it is in the plan and the scope
# (region, enterprise project) of the read that found it.
images_read contains {"where": r.address, "source": r.type, "image": r.values, "scope": scope(r.values)} if {
	some r in read_during_plan
	r.type == "hss_image"
}

images_read contains {"where": concat("", [r.address, ".image"]), "source": r.type, "image": r.values.image, "scope": scope(r.values)} if {
	some r in read_during_plan
	r.type in {"hss_image_security_summary", "hss_image_gate", "hss_image_vulnerabilities"}
	is_object(r.values.image)
}

images_read contains {"where": sprintf("%s.images[%d] (%s)", [r.address, i, image_label(img)]), "source": r.type, "image": img, "scope": scope(r.values)} if {
	some r in read_during_plan
	r.type == "hss_images"
	some i, img in r.values.images
}

image_label(img) := concat("", [get(img, "namespace"), "/", get(img, "image_name"), ":", get(img, "image_version")]) if get(img, "namespace") != null

else := sprintf("%v:%v", [get(img, "image_name"), get(img, "image_version")])

# A null enterprise project is the default one, "0".
scope(values) := {"region": get(values, "region"), "enterprise_project_id": project(get(values, "enterprise_project_id"))}

project(p) := "0" if p == null

else := p

# A summary's counts are about the image it resolved: without that image
# they prove nothing.
deny contains msg if {
	some r in read_during_plan
	r.type == "hss_image_security_summary"
	not is_object(get(r.values, "image"))
	msg := sprintf("%s: counts without the image they count (image is %s): the summary proves nothing without it", [r.address, show(get(r.values, "image"))])
}

# Fail closed: numbers about an image HSS has not scanned successfully are
# zeros that prove nothing.
deny contains msg if {
	some x in images_read
	get(x.image, "scan_status") != "success"
	msg := sprintf("%s: scan_status is %s%s, not \"success\": HSS has not scanned the image successfully, so its numbers prove nothing", [x.where, show(get(x.image, "scan_status")), failed_code(x.image)])
}

failed_code(img) := sprintf(" (scan_failed_code %s)", [get(img, "scan_failed_code")]) if get(img, "scan_failed_code") != null

else := ""

# Every failure signal counts: "success" with a failure code or description
# is HSS saying the scan failed.
deny contains msg if {
	some x in images_read
	get(x.image, "scan_status") == "success"
	some f in ["scan_failed_code", "scan_failed_desc"]
	v := get(x.image, f)
	v != null
	msg := sprintf("%s: scan_status is \"success\" but %s is %s: HSS says the last scan failed, so its numbers prove nothing", [x.where, f, show(v)])
}

# The provider's own verdict: scan_problem names what it found wrong with
# the image (say, a multi-architecture image that lists no architecture,
# which the plan's values alone cannot show).
deny contains msg if {
	some x in images_read
	p := get(x.image, "scan_problem")
	p != null
	msg := sprintf("%s: scan_problem: %v", [x.where, p])
}

deny contains msg if {
	some x in images_read
	some a in x.image.architectures
	get(a, "scan_status") != "success"
	msg := sprintf("%s: architecture image %v has scan_status %s, not \"success\"", [x.where, get(a, "image_id"), show(get(a, "scan_status"))])
}

# Scan times are proven, not trusted. time.parse_rfc3339_ns fails (and so
# is undefined) on anything it cannot read, so an unreadable time is denied
# by name rather than leaving the age rule silently undefined.
scan_time_ns(s) := time.parse_rfc3339_ns(s) if is_string(s)

# The provider's allowance for HSS's clock running ahead of ours
# (client.MaxClockSkew).
max_clock_skew_ns := (5 * 60) * 1000000000

# Now, in RFC 3339 to the second, UTC, for messages.
now_text := time.format([time.now_ns(), "UTC", "2006-01-02T15:04:05Z07:00"])

deny contains msg if {
	some x in images_read
	s := get(x.image, "scanned_at")
	s != null
	not scan_time_ns(s)
	msg := sprintf("%s: scanned_at %s cannot be parsed as an RFC 3339 time (now is %s): a scan time that cannot be read proves no scan", [x.where, show(s), now_text])
}

deny contains msg if {
	some x in images_read
	s := get(x.image, "scanned_at")
	scan_time_ns(s) > time.now_ns() + max_clock_skew_ns
	msg := sprintf("%s: scanned_at %s is later than now (%s) plus the 5-minute clock-skew allowance: a scan cannot end in the future, so neither its time nor its numbers can be trusted", [x.where, s, now_text])
}

deny contains msg if {
	some x in images_read
	get(x.image, "scan_status") == "success"
	max_hours := data.hss.thresholds.max_scan_age_hours
	get(x.image, "scanned_at") == null
	msg := sprintf("%s: no scan time, so its age cannot be checked against %v hours", [x.where, max_hours])
}

deny contains msg if {
	some x in images_read
	get(x.image, "scan_status") == "success"
	max_hours := data.hss.thresholds.max_scan_age_hours
	age_hours := (time.now_ns() - scan_time_ns(x.image.scanned_at)) / 3600000000000
	age_hours > max_hours
	msg := sprintf("%s: last scanned at %s, %d hours ago, older than max_scan_age_hours %v", [x.where, x.image.scanned_at, floor(age_hours), max_hours])
}

# The counts HSS lists for every image read, and for each of its
# architectures, over the report thresholds: an architecture's findings are
# the image's findings.
list_counters := {"vul_num": "vulnerability", "malicious_file_num": "malwares", "unsafe_setting_num": "risk-config"}

findings contains {"address": x.where, "counter": c, "value": get(x.image, c), "threshold": data.hss.thresholds.reports[t]} if {
	some x in images_read
	some c, t in list_counters
	not judged_by_gate(x, c)
}

# The vul_num of the image an hss_image_gate judged is not compared with the
# vulnerability threshold: the gate judged each of those findings against
# its policy (and denies below when one fails), and a count cannot tell an
# accepted finding from another. Its architectures' vul_num still is: the
# plan does not show that the gate's findings cover every architecture.
judged_by_gate(x, "vul_num") if x.source == "hss_image_gate"

findings contains {"address": sprintf("%s.architectures[%d] (%v)", [x.where, i, get(a, "image_id")]), "counter": c, "value": get(a, c), "threshold": data.hss.thresholds.reports[t]} if {
	some x in images_read
	some i, a in x.image.architectures
	some c, t in list_counters
}

# Counts need proof. HSS answers a statistic for a selector that matches no
# image, or only unscanned ones, with zeros. So the counts of a statistic
# are trusted only when an image it selects was read during plan by a data
# source that proves the image exists (hss_image, hss_images,
# hss_image_security_summary, hss_image_vulnerabilities, hss_image_gate), and the rules above check
# that image's scan. "Selects": every selector the statistic sets
# (image_type, namespace, image_name, image_version, image_id, instance_id)
# equals the image's (image_type "registry" selects every repository image,
# "local" every local image), in the same region and enterprise project;
# with an image_id_list (and no operate_all), every listed id must be such
# an image. Its other filters (cicd_name, has_vul, vul_type, ...) only
# narrow what it counts and are not compared.
counted contains r if {
	some r in read_during_plan
	r.type in {"hss_image_baseline_statistic", "hss_image_security_report_statistic"}
}

selector_fields := ["namespace", "image_name", "image_version", "image_id", "instance_id"]

repository_types := {"private_image", "shared_image", "instance_image", "harbor", "jfrog"}

type_selects(null, _)

type_selects(t, t)

type_selects("registry", t) if t in repository_types

type_selects("local", "local_image")

selects(s, x) if {
	type_selects(get(s, "image_type"), get(x.image, "image_type"))
	every f in selector_fields {
		get(s, f) in {null, get(x.image, f)}
	}
	scope(s) == x.scope
}

uses_id_list(s) if {
	get(s, "operate_all") != true
	ids := get(s, "image_id_list")
	is_array(ids)
	count(ids) > 0
}

proven(s) if {
	not uses_id_list(s)
	some x in images_read
	selects(s, x)
}

proven(s) if {
	uses_id_list(s)
	every id in s.image_id_list {
		some x in images_read
		selects(s, x)
		get(x.image, "image_id") == id
	}
}

selector_text(s) := concat(", ", [sprintf("%s %s", [f, show(v)]) |
	some f in array.concat(array.concat(["image_type"], selector_fields), ["image_id_list", "region", "enterprise_project_id"])
	v := get(s, f)
	v != null
	shown(s, f)
])

shown(s, "image_id_list") if uses_id_list(s)

shown(_, f) if f != "image_id_list"

deny contains msg if {
	some r in counted
	not proven(r.values)
	msg := sprintf("%s: counts of %s, but no image read during plan (hss_image, hss_images, hss_image_security_summary, hss_image_vulnerabilities or hss_image_gate) is selected by it: HSS counts 0 for an image it does not know or has not scanned, so these numbers prove nothing", [r.address, selector_text(r.values)])
}

# Fail closed: a read deferred to apply has no numbers at plan time.
deny contains msg if {
	some rc in input.resource_changes
	rc.mode == "data"
	rc.type in hss_types
	"read" in rc.change.actions
	msg := sprintf("%s: read deferred to apply, so its numbers are unknown at plan time and cannot pass the gate", [rc.address])
}

# The vulnerability gate. hss_image_gate judges every finding of its image
# against its policy (severity, CVSS, denied ids, exceptions that expire).
# With enforce = true (its default) a failing image fails the read, so the
# plan itself fails; with enforce = false the verdict is in the plan, and is
# judged here. Only `passed` exactly true is a pass, and every violation
# listed is a deny of its own, whatever `passed` says. A gate read deferred
# to apply is denied by the rule above; its `image` proves the image like
# the summary's (see images_read), and a verdict without it proves nothing.
gates contains r if {
	some r in read_during_plan
	r.type == "hss_image_gate"
}

deny contains msg if {
	some r in gates
	passed := get(r.values, "passed")
	passed != true
	msg := sprintf("%s: the image fails its vulnerability gate (passed is %s, %s)", [r.address, show(passed), violation_count(get(r.values, "violations"))])
}

violation_count(vs) := sprintf("%d violation(s), each denied on its own", [count(vs)]) if {
	is_array(vs)
	count(vs) > 0
}

else := "and it lists no violation" if is_array(vs)

else := sprintf("violations is %s", [show(vs)])

deny contains msg if {
	some r in gates
	vs := get(r.values, "violations")
	not is_array(vs)
	msg := sprintf("%s: violations is %s, not a list, so what fails the vulnerability gate cannot be checked", [r.address, show(vs)])
}

deny contains msg if {
	some r in gates
	vs := get(r.values, "violations")
	is_array(vs)
	some v in vs
	msg := sprintf("%s: %s fails the vulnerability gate: %s", [r.address, violation_subject(v), reasons_text(get(v, "reasons"))])
}

deny contains msg if {
	some r in gates
	not is_object(get(r.values, "image"))
	msg := sprintf("%s: a verdict without the image it judged (image is %s): the gate proves nothing without it", [r.address, show(get(r.values, "image"))])
}

# violation_subject(v): what fails, as a reviewer reads it: the report type,
# or the vulnerability id, its CVE ids, severity, CVSS, package, version
# and path.
violation_subject(v) := sprintf("report type %v", [get(v, "report_type")]) if get(v, "report_type") != null

else := concat("", [
	sprintf("vulnerability %v", [get(v, "vul_id")]),
	cve_text(get(v, "cve_ids")),
	sprintf(", severity %v", [get(v, "severity")]),
	cvss_text(get(v, "max_cvss")),
	package_text(v),
])

cve_text(ids) := sprintf(" (%s)", [concat(", ", [sprintf("%v", [id]) | some id in ids])]) if {
	is_array(ids)
	count(ids) > 0
}

else := " (no CVE id)"

cvss_text(x) := sprintf(", CVSS %v", [x]) if is_number(x)

else := ""

package_text(v) := concat("", [
	sprintf(", in %v", [get(v, "package")]),
	present_text(" ", get(v, "version")),
	present_text(" at ", get(v, "path")),
]) if {
	not get(v, "package") in {null, ""}
}

else := present_text(", at ", get(v, "path"))

present_text(prefix, x) := "" if x in {null, ""}

else := sprintf("%s%v", [prefix, x])

reasons_text(rs) := concat("; ", [sprintf("%v", [x]) | some x in rs]) if {
	is_array(rs)
	count(rs) > 0
}

else := "no reason given"
