package client

import "time"

// Times HSS sends are milliseconds since the epoch, UTC. A time is trusted
// only when it is plausible as one: not before EarliestPlausibleTime (HSS
// did not scan container images before 2015; a time in seconds lands in
// 1970) and not after now plus MaxClockSkew (a time in microseconds lands
// tens of thousands of years ahead, a local time sent as UTC hours ahead).
const MaxClockSkew = 5 * time.Minute

// EarliestPlausibleTime is 2015-01-01T00:00:00Z.
var EarliestPlausibleTime = time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
