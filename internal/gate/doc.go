// Package gate decides whether an image's vulnerability findings pass a
// policy, and renders the verdict for people (Markdown for a pull-request
// comment, a short table for an error) and for code scanning (SARIF 2.1.0).
//
// It is pure: it reads no clock and no network, and imports nothing from
// Terraform. The hss_image_gate data source, the evaluate_vulnerabilities
// function and an apply-time action all call [Evaluate] with the findings
// they read (or were given), a [Policy] and the time to judge at.
//
// # Vocabulary
//
//   - Severity: [High], [Medium] or [Low]. HSS writes it in two vocabularies,
//     which [NormalizeHSSSeverity] maps: immediate_repair, Critical and High
//     are high; delay_repair and Medium are medium; not_needed_repair and
//     Low are low. Anything else is an error, never a lower severity.
//   - Vulnerability ids in a policy (deny, exceptions[*].id) take one of two
//     forms, told apart by [ParseID]: a CVE id (CVE-YYYY-NNNN, four or more
//     digits after the year, any letter case), or an HSS vulnerability id.
//     HSS does not document the format of its vul_id (it is an advisory id
//     such as USN-5127-1, RHSA-2021:1234 or openEuler-SA-2025-2319, or a CVE
//     id), so this package accepts as an HSS id 1–128 characters of ASCII
//     letters, digits, '-', '_', '.' and ':', starting with a letter or digit
//     and holding at least one digit; an id starting with "CVE-" must be a
//     well-formed CVE id. Ids compare ignoring ASCII letter case.
//   - Expiry: RFC 3339 with any offset, or a date YYYY-MM-DD meaning through
//     the end of that day in UTC. An exception applies while now is before
//     its expiry instant ([ParseExpiry]); at that instant it has lapsed.
//
// # Rules
//
// A finding fails ("violates") when any of these holds:
//
//   - its vulnerability id or one of its CVE ids is denied (always, whatever
//     else the policy says: exceptions, hss_handled, grace and the ratchet
//     do not apply to a denied finding);
//   - its CVSS is at or above max_cvss (a finding that carries CVE ids but
//     whose CVSS is unknown fails too; one without CVE ids has no CVSS and
//     is judged on severity alone);
//   - its severity is at or above fail_on;
//
// unless, for the last two, (in this order) HSS marks it handled and
// hss_handled is "ignore" (it is then dropped), active exceptions cover it
// (it is then [Result.Excepted]), the deployed image of new_only_against has
// it too ([Result.Inherited]), or it fails only on severity and its earliest
// CVE has been public for at most grace_period ([Result.InGrace]).
//
// Active exceptions cover a finding when one names its vulnerability id, or
// when together they name every CVE id it carries. An exception applies only
// to findings in its package (when it names one) and only to the image it
// names (when it names one); an exception naming another image plays no part
// in the evaluation, and is not reported as lapsed, expiring or unused.
//
// Each report type in max_report_counts fails when its count is above the
// maximum, or when it could not be read.
package gate
