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

// cloudPattern is the shape of a cloud domain such as myhuaweicloud.com:
// dot-separated lowercase DNS labels, nothing that could add a user, port
// or path to a URL.
var cloudPattern = regexp.MustCompile(CloudPattern)

// CloudPattern is the pattern a cloud domain matches, for error messages.
const CloudPattern = `^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$`

// ValidCloud reports whether s has the shape of a cloud domain.
func ValidCloud(s string) bool { return cloudPattern.MatchString(s) }
