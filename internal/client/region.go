package client

import "regexp"

// regionPattern is the shape of a Huawei Cloud region id: a two-letter
// area, one or more lowercase words, and a number (cn-north-4,
// ap-southeast-1, eu-west-101, ru-northwest-2, ae-ad-1). Nothing else may
// reach a URL built from a region: no '@', '/', ':', '.', white space or
// upper case, so a region can never name another host.
var regionPattern = regexp.MustCompile(RegionPattern)

// RegionPattern is the pattern a region id matches, for error messages.
const RegionPattern = `^[a-z]{2}(-[a-z]{2,})+-[0-9]{1,3}$`

// ValidRegion reports whether s has the shape of a region id.
func ValidRegion(s string) bool { return regionPattern.MatchString(s) }
