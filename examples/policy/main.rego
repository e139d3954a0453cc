# conftest evaluates the namespace main unless told otherwise (--namespace):
# the denies of hss.image_risk answer there too, so
# `conftest test plan.json -p examples/policy --data examples/policy/thresholds.json`
# denies what `opa eval ... data.hss.image_risk.deny` denies, and never
# reports "0 tests, 0 passed" for a plan that must fail.
package main

import data.hss.image_risk

deny contains msg if {
	some msg in image_risk.deny
}
