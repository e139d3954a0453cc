package client

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
)

// APIError is a non-2xx answer from HSS or the API gateway in front of it.
type APIError struct {
	StatusCode int
	Code       string // error_code, e.g. "HSS.0001" or "APIGW.0301"
	Message    string // error_msg, error_description, or a one-line summary of the body
	RequestID  string
	Method     string
	Path       string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: HTTP %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		fmt.Fprintf(&b, ", error_code %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	} else {
		b.WriteString(" (no request id)")
	}
	return b.String()
}

// TransportError is a request HSS did not answer: refused, reset, timed
// out, unknown host; or a response cut off before its body was read.
type TransportError struct {
	Method   string
	Path     string
	Attempts int // attempts without a response; 0 when a response's body failed
	Err      error
}

func (e *TransportError) Error() string {
	if e.Attempts == 0 { // the response came, its body did not
		return fmt.Sprintf("%s %s: %v", e.Method, e.Path, e.Err)
	}
	return fmt.Sprintf("%s %s: no response after %d attempt(s): %v", e.Method, e.Path, e.Attempts, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// The client's own time bounds, as TimeoutError.Bound names them.
const (
	boundRequest = "request timeout"
	boundRead    = "read timeout"
)

// TimeoutError is one of the client's own time bounds running out:
// RequestTimeout for one attempt, ReadTimeout for a read as a whole.
type TimeoutError struct {
	Bound string // "request timeout" or "read timeout"
	After time.Duration
}

func (e *TimeoutError) Error() string {
	if e.Bound == boundRead {
		return fmt.Sprintf("the read timeout of %s ran out", e.After)
	}
	return fmt.Sprintf("no response within the %s of %s", e.Bound, e.After)
}

// DecodeError is a 2xx answer whose body is not what the API documents.
type DecodeError struct {
	Method    string
	Path      string
	RequestID string
	Field     string // empty when the body as a whole is malformed
	Err       error
}

func (e *DecodeError) Error() string {
	where := "response body"
	if e.Field != "" {
		where = "field " + e.Field
	}
	msg := fmt.Sprintf("%s %s: cannot decode %s: %v", e.Method, e.Path, where, e.Err)
	if e.RequestID != "" {
		msg += " (request id " + e.RequestID + ")"
	}
	return msg
}

func (e *DecodeError) Unwrap() error { return e.Err }

const excerptLen = 200

// newAPIError reads what it can from an error body. Gateways answer with
// HTML or nothing at all; those become one line, never a dump.
func newAPIError(resp *http.Response, body []byte, method, path string) *APIError {
	e := &APIError{
		StatusCode: resp.StatusCode,
		Method:     method,
		Path:       path,
		RequestID:  resp.Header.Get("X-Request-Id"),
	}
	var fields struct {
		Code        string `json:"error_code"`
		Msg         string `json:"error_msg"`
		Description string `json:"error_description"`
		RequestID   string `json:"request_id"`
		// IAM's keystone APIs (v3 projects, auth tokens) answer
		// {"error": {"code": 401, "title": "Unauthorized", "message": "..."}},
		// the code a number or a string.
		Keystone *struct {
			Code    json.RawMessage `json:"code"`
			Title   string          `json:"title"`
			Message string          `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &fields) == nil {
		e.Code = fields.Code
		e.Message = firstNonEmpty(fields.Msg, fields.Description)
		if k := fields.Keystone; k != nil && e.Code == "" && e.Message == "" {
			var code string
			if json.Unmarshal(k.Code, &code) != nil {
				code = string(k.Code) // a number, or nothing
			}
			e.Code = firstNonEmpty(code, k.Title)
			e.Message = firstNonEmpty(k.Message, k.Title)
		}
		if e.RequestID == "" {
			e.RequestID = fields.RequestID
		}
	}
	if e.Message == "" {
		e.Message = summarize(resp.Header.Get("Content-Type"), body)
	}
	return e
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// summarize turns a body that is not an HSS error object into one short line.
func summarize(contentType string, body []byte) string {
	text := strings.TrimSpace(string(body))
	if text == "" {
		return "empty response body"
	}
	lower := strings.ToLower(text)
	if strings.Contains(contentType, "html") || strings.HasPrefix(lower, "<!doctype") || strings.HasPrefix(lower, "<html") {
		if title := between(text, lower, "<title>", "</title>"); title != "" {
			return "HTML error page: " + oneLine(title)
		}
		return "HTML error page"
	}
	return "unexpected body: " + oneLine(text)
}

func between(text, lower, openTag, closeTag string) string {
	i := strings.Index(lower, openTag)
	if i < 0 {
		return ""
	}
	rest := text[i+len(openTag):]
	j := strings.Index(strings.ToLower(rest), closeTag)
	if j < 0 {
		return ""
	}
	return rest[:j]
}

// oneLine folds white space and control characters and cuts to excerptLen.
func oneLine(s string) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
	if r := []rune(s); len(r) > excerptLen {
		s = string(r[:excerptLen]) + "…"
	}
	return s
}
