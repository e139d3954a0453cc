package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// BaselineStatisticQuery filters GET /v5/{project_id}/image/baseline/statistic.
// Nil fields are not sent.
type BaselineStatisticQuery struct {
	ImageType    string // required
	Namespace    *string
	ImageName    *string
	ImageVersion *string
	InstanceID   *string
	ImageID      *string
}

// BaselineStatistic holds the baseline check counts of the images a query selects.
type BaselineStatistic struct {
	ImageWeakPwd  int64 // weak passwords found
	PwdPolicy     int64 // password complexity policy findings
	SecurityCheck int64 // configuration check findings
}

// GetBaselineStatistic reads the baseline check counts.
func (c *Client) GetBaselineStatistic(ctx context.Context, scope Scope, q BaselineStatisticQuery) (*BaselineStatistic, error) {
	query := []param{{"image_type", q.ImageType}}
	for _, p := range []struct {
		key string
		val *string
	}{
		{"namespace", q.Namespace},
		{"image_name", q.ImageName},
		{"image_version", q.ImageVersion},
		{"instance_id", q.InstanceID},
		{"image_id", q.ImageID},
	} {
		if p.val != nil {
			query = append(query, param{p.key, *p.val})
		}
	}
	r := &request{
		method:   http.MethodGet,
		segments: c.projectPath("image", "baseline", "statistic"),
		query:    query,
		scope:    scope,
		retry:    retryRead,
	}
	return readCounts(ctx, c, r, baselineStatisticCounts)
}

// baselineStatisticCounts: each count's JSON name, written once.
var baselineStatisticCounts = []count[BaselineStatistic]{
	{"image_weak_pwd", func(s *BaselineStatistic) *int64 { return &s.ImageWeakPwd }},
	{"pwd_policy", func(s *BaselineStatistic) *int64 { return &s.PwdPolicy }},
	{"security_check", func(s *BaselineStatistic) *int64 { return &s.SecurityCheck }},
}

// ImageFilter is the request body shared by the security-report statistic
// and the baseline export. Nil fields are omitted, so only what the caller
// set is sent.
type ImageFilter struct {
	ImageIDList            []string `json:"image_id_list,omitempty"`
	OperateAll             *bool    `json:"operate_all,omitempty"`
	ImageType              *string  `json:"image_type,omitempty"`
	VulType                *string  `json:"vul_type,omitempty"`
	ScanStatus             *string  `json:"scan_status,omitempty"`
	Namespace              *string  `json:"namespace,omitempty"`
	ImageName              *string  `json:"image_name,omitempty"`
	ImageVersion           *string  `json:"image_version,omitempty"`
	ImageID                *string  `json:"image_id,omitempty"`
	LatestVersion          *bool    `json:"latest_version,omitempty"`
	ImageSize              *int64   `json:"image_size,omitempty"`
	StartLatestUpdateTime  *int64   `json:"start_latest_update_time,omitempty"`
	EndLatestUpdateTime    *int64   `json:"end_latest_update_time,omitempty"`
	StartLatestScanTime    *int64   `json:"start_latest_scan_time,omitempty"`
	EndLatestScanTime      *int64   `json:"end_latest_scan_time,omitempty"`
	HasMaliciousFile       *bool    `json:"has_malicious_file,omitempty"`
	HasVul                 *bool    `json:"has_vul,omitempty"`
	HasUnsafeSetting       *bool    `json:"has_unsafe_setting,omitempty"`
	Risky                  *bool    `json:"risky,omitempty"`
	SeverityLevel          *string  `json:"severity_level,omitempty"`
	InstanceName           *string  `json:"instance_name,omitempty"`
	InstanceID             *string  `json:"instance_id,omitempty"`
	CICDName               *string  `json:"cicd_name,omitempty"`
	BuildCommandRiskLevel  *string  `json:"build_command_risk_level,omitempty"`
	BuildCommandRiskName   *string  `json:"build_command_risk_name,omitempty"`
	BuildCommandRuleIDList []string `json:"build_command_rule_id_list,omitempty"`
	HasContainer           *bool    `json:"has_container,omitempty"`
	VulIDList              []string `json:"vul_id_list,omitempty"`
}

// GetSecurityReportStatistic counts the records a security report of
// reportType would hold for the images the filter selects.
func (c *Client) GetSecurityReportStatistic(ctx context.Context, scope Scope, reportType string, f ImageFilter) (int64, error) {
	body, err := json.Marshal(f)
	if err != nil {
		return 0, err
	}
	r := &request{
		method:   http.MethodPost,
		segments: c.projectPath("image", "security-report", "statistic"),
		query:    []param{{"security_report_type", reportType}},
		body:     body,
		scope:    scope,
		retry:    retryRead, // a statistic: asking twice changes nothing
	}
	total, err := readCounts(ctx, c, r, reportStatisticCounts)
	if err != nil {
		return 0, err
	}
	return total.TotalNum, nil
}

type reportStatistic struct{ TotalNum int64 }

var reportStatisticCounts = []count[reportStatistic]{
	{"total_num", func(s *reportStatistic) *int64 { return &s.TotalNum }},
}

// ExportTask is a baseline export as it was started.
type ExportTask struct {
	TaskID string
	// RecordTotalNum is the number of records HSS said the export holds;
	// nil when that is unknown (its answer's count was unreadable).
	RecordTotalNum *int64
}

// ExportStartedError is an answer to the export request that names the
// task HSS created but is otherwise unreadable: the task exists, and its id
// must not be thrown away with the answer. Err is the DecodeError naming the
// field that could not be read.
type ExportStartedError struct {
	Task ExportTask // RecordTotalNum is nil
	Err  error
}

func (e *ExportStartedError) Error() string {
	return fmt.Sprintf("HSS started export task %s, but the rest of its answer is unreadable: %v", e.Task.TaskID, e.Err)
}

func (e *ExportStartedError) Unwrap() error { return e.Err }

// ExportBaseline starts a baseline export of at most exportSize records. It
// creates a task on the server, so it is retried only where the server
// cannot have acted. An answer whose task_id is readable but whose
// record_total_num is not is an *ExportStartedError carrying the task.
func (c *Client) ExportBaseline(ctx context.Context, scope Scope, exportSize int64, f ImageFilter) (*ExportTask, error) {
	body, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	r := &request{
		method:   http.MethodPost,
		segments: c.projectPath("image", "baseline", "export"),
		query:    []param{{"export_size", strconv.FormatInt(exportSize, 10)}},
		body:     body,
		scope:    scope,
		retry:    retryUnsent, // it creates a task; the zero value, said aloud
	}
	fields, err := c.readObject(ctx, r)
	if err != nil {
		return nil, err
	}
	t := &ExportTask{}
	if t.TaskID, err = stringField(fields.fields, "task_id", true); err != nil {
		return nil, fields.fieldError("task_id", err)
	}
	n, err := parseCount(fields.fields["record_total_num"])
	if err != nil {
		return nil, &ExportStartedError{Task: *t, Err: fields.fieldError("record_total_num", err)}
	}
	t.RecordTotalNum = &n
	return t, nil
}

// Export task states.
const (
	TaskRunning = "running"
	TaskSuccess = "success"
	TaskFailure = "failure"
)

// knownTaskStatus returns the state status spells in any ASCII letter case
// ("SUCCESS", "Running"), as one of the constants above. Anything else,
// white space or look-alike letters included, is unknown.
func knownTaskStatus(status string) (string, bool) {
	for _, known := range []string{TaskRunning, TaskSuccess, TaskFailure} {
		// The states are ASCII: equal byte lengths rule out Unicode
		// folds such as "ſ" for "s", which EqualFold alone accepts.
		if len(status) == len(known) && strings.EqualFold(status, known) {
			return known, true
		}
	}
	return "", false
}

// ExportTaskStatus is what GET /v5/{project_id}/export-task/{task_id} says.
type ExportTaskStatus struct {
	TaskID     string
	TaskName   string
	TaskStatus string // running, success or failure: lower case, whatever case HSS spelt it in
	FileID     string
	FileName   string
}

// GetExportTask reads the state of an export task.
func (c *Client) GetExportTask(ctx context.Context, scope Scope, taskID string) (*ExportTaskStatus, error) {
	r := &request{
		method:   http.MethodGet,
		segments: c.projectPath("export-task", taskID),
		scope:    scope,
		retry:    retryRead,
	}
	obj, err := c.readObject(ctx, r)
	if err != nil {
		return nil, err
	}
	s := &ExportTaskStatus{}
	for _, f := range []struct {
		name     string
		dst      *string
		required bool
	}{
		{"task_id", &s.TaskID, false},
		{"task_name", &s.TaskName, false},
		{"task_status", &s.TaskStatus, true},
		{"file_id", &s.FileID, false},
		{"file_name", &s.FileName, false},
	} {
		if *f.dst, err = stringField(obj.fields, f.name, f.required); err != nil {
			return nil, obj.fieldError(f.name, err)
		}
	}
	status, ok := knownTaskStatus(s.TaskStatus)
	if !ok {
		return nil, obj.fieldError("task_status", fmt.Errorf("want running, success or failure (in any letter case), got %q", s.TaskStatus))
	}
	s.TaskStatus = status
	if s.TaskStatus == TaskSuccess && s.FileID == "" {
		return nil, obj.fieldError("file_id", fmt.Errorf("missing on a successful task"))
	}
	return s, nil
}

// Download streams an exported file (a ZIP archive) into w and returns the
// number of bytes written.
func (c *Client) Download(ctx context.Context, scope Scope, fileID string, w io.Writer) (int64, error) {
	r := &request{
		method:   http.MethodGet,
		segments: c.projectPath("download", fileID),
		scope:    scope,
		retry:    retryRead,
	}
	resp, err := c.do(ctx, r)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		err = fmt.Errorf("reading the file after %d bytes (request id %s): %w", n, resp.Header.Get("X-Request-Id"), err)
		return n, &TransportError{Method: r.method, Path: c.path(r), Err: err}
	}
	return n, nil
}

// object is a decoded JSON object with what is needed to report a bad field.
type object struct {
	fields    map[string]json.RawMessage
	method    string
	path      string
	requestID string
}

func (o *object) fieldError(field string, err error) error {
	return &DecodeError{Method: o.method, Path: o.path, RequestID: o.requestID, Field: field, Err: err}
}

const maxResponseBody = 1 << 20

// readObject sends r and decodes its answer, a JSON object. A 2xx answer
// that holds an HSS error object (error_code, error_msg) instead is the
// error it describes.
func (c *Client) readObject(ctx context.Context, r *request) (*object, error) {
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	o := &object{method: r.method, path: c.path(r), requestID: resp.Header.Get("X-Request-Id")}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		err = fmt.Errorf("reading the response body (request id %s): %w", o.requestID, err)
		return nil, &TransportError{Method: r.method, Path: o.path, Err: err}
	}
	if o.fields, err = decodeFields(body); err != nil {
		return nil, &DecodeError{Method: r.method, Path: o.path, RequestID: o.requestID, Err: err}
	}
	if isErrorObject(o.fields) {
		return nil, newAPIError(resp, body, r.method, o.path)
	}
	return o, nil
}

// isErrorObject: the object carries a non-empty error_code or error_msg.
func isErrorObject(fields map[string]json.RawMessage) bool {
	for _, name := range []string{"error_code", "error_msg"} {
		if s, err := stringField(fields, name, false); err == nil && s != "" {
			return true
		}
	}
	return false
}

// count is one count of an answer: its JSON name, written once, and where
// it goes in T.
type count[T any] struct {
	name  string
	field func(*T) *int64
}

// readCounts reads the counts of a read-only request into a T. Every
// count must be present: one that is missing is an error, never 0.
// Answers are kept in the client's memo: an identical request asks HSS
// once.
func readCounts[T any](ctx context.Context, c *Client, r *request, counts []count[T]) (*T, error) {
	key := r.method + " " + escapedPath(r.segments) + "?" + canonicalQuery(r.query) + "|" + r.scope.Region + "|" + r.scope.EnterpriseProjectID + "|" + string(r.body)
	v, err := c.answers.get(key, func() (any, error) {
		o, err := c.readObject(ctx, r)
		if err != nil {
			return nil, err
		}
		var out T
		for _, n := range counts {
			if *n.field(&out), err = parseCount(o.fields[n.name]); err != nil {
				return nil, o.fieldError(n.name, err)
			}
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	out, ok := v.(T)
	if !ok { // only readCounts[T] keeps a T under this key
		return nil, fmt.Errorf("%s %s: internal error: the kept answer is a %T", r.method, c.path(r), v)
	}
	return &out, nil
}

func stringField(fields map[string]json.RawMessage, name string, required bool) (string, error) {
	raw, ok := fields[name]
	if !ok || string(raw) == "null" {
		if required {
			return "", fmt.Errorf("missing")
		}
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("want a string, got %s", abbreviate(string(raw)))
	}
	if required && s == "" {
		return "", fmt.Errorf("empty")
	}
	return s, nil
}
