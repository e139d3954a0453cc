package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// decodeFields reads a JSON object and returns its members by name. Unknown
// members are ignored by the callers.
func decodeFields(body []byte) (map[string]json.RawMessage, error) {
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&fields); err != nil {
		return nil, err
	}
	if fields == nil {
		return nil, errors.New("expected a JSON object, got null")
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON object")
	}
	return fields, nil
}

// parseCount accepts a JSON integer or a string holding one (the vendor's own
// examples send "100"), from 0 to MaxInt64. Anything else, including a
// missing field, is an error: a count silently read as 0 would be a wrong
// number, which is worse than no number.
func parseCount(raw json.RawMessage) (int64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0, errors.New("missing")
	}
	text := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &text); err != nil {
			return 0, err
		}
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < 0 || strings.HasPrefix(text, "+") {
		return 0, fmt.Errorf("want a non-negative integer or numeric string, got %s", abbreviate(string(raw)))
	}
	return n, nil
}

func abbreviate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
