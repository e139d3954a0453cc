package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// The client's hot path. Run with make bench (go test -bench -benchmem).

func BenchmarkSignRequest(b *testing.B) {
	segments := []string{"v5", "0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d", "image", "baseline", "statistic"}
	query := canonicalQuery([]param{{"image_type", "private_image"}, {"namespace", "shop"}, {"image_name", "api gateway+edge"}, {"image_version", "v1/beta"}})
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		headers := map[string]string{"Host": "hss.cn-north-4.myhuaweicloud.com", "Region": "cn-north-4", "X-Project-Id": "0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d"}
		_ = signRequest("AK", "SK", "GET", segments, query, headers, nil, now)
	}
}

func BenchmarkParseCountString(b *testing.B) {
	raw := json.RawMessage(`"2147483647"`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseCount(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeStringCounts(b *testing.B) {
	body := []byte(`{"image_weak_pwd" : "100", "pwd_policy" : "58", "security_check" : "60"}`)
	b.ReportAllocs()
	for b.Loop() {
		fields, err := decodeFields(body)
		if err != nil {
			b.Fatal(err)
		}
		for _, name := range []string{"image_weak_pwd", "pwd_policy", "security_check"} {
			if _, err := parseCount(fields[name]); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkBaselineStatisticRoundTrip: build, sign, send over loopback
// keep-alive, decode, against a minimal handler (each question distinct, so
// the memo does not answer).
func BenchmarkBaselineStatisticRoundTrip(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Request-Id", "bench")
		_, _ = w.Write([]byte(`{"image_weak_pwd":"1","pwd_policy":"2","security_check":"3"}`))
	}))
	defer srv.Close()
	c, err := New(Config{Endpoint: srv.URL, Region: "cn-north-4", ProjectID: "p", Credentials: Credentials{AccessKey: "ak", SecretKey: "sk"}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		name := "image-" + strconv.Itoa(i)
		if _, err := c.GetBaselineStatistic(ctx, Scope{}, BaselineStatisticQuery{ImageType: "private_image", ImageName: &name}); err != nil {
			b.Fatal(err)
		}
	}
}
