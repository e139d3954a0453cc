package client

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"
)

// FuzzParseCount: never panics; what it accepts is a non-negative integer
// that prints back as the digits it was given.
func FuzzParseCount(f *testing.F) {
	for _, s := range []string{`0`, `"100"`, `-1`, `1.5`, `"1e3"`, `null`, `"+5"`, `9223372036854775807`, `"9223372036854775808"`, `" 7"`, `"\u0037"`, `true`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		n, err := parseCount(json.RawMessage(raw))
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("%q gave %d", raw, n)
		}
		text := strings.TrimSpace(string(raw))
		if strings.HasPrefix(text, `"`) {
			if err := json.Unmarshal([]byte(text), &text); err != nil {
				t.Fatalf("accepted %q, which is not a JSON string", raw)
			}
		}
		want, ok := new(big.Int).SetString(text, 10)
		if !ok || want.Cmp(big.NewInt(n)) != 0 {
			t.Fatalf("%q read as %d", raw, n)
		}
	})
}
