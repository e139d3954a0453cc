package client

import "time"

// Times HSS sends are milliseconds since the epoch, UTC. A time is trusted
// only when it is plausible as one: not before EarliestPlausibleTime (HSS
// did not scan container images before 2015; a time in seconds lands in
// 1970) and not after now plus MaxClockSkew (a time in microseconds lands
// tens of thousands of years ahead, a local time sent as UTC hours ahead).
// Now is Config.Now when the answer came. The image lists apply this to
// latest_scan_time and latest_update_time: absent, null or 0 means never;
// anything else implausible is a DecodeError naming the field, the image,
// the value, the time it would be and now.
//
// MaxClockSkew is how far ahead of this machine's clock HSS's clock may
// be: minutes, for clocks that are both kept by NTP, never hours.
const MaxClockSkew = 5 * time.Minute

// EarliestPlausibleTime is 2015-01-01T00:00:00Z.
var EarliestPlausibleTime = time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
