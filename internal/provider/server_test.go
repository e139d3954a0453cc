package provider

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

type requestKey struct{}

func TestRequestContextForwardsUntilReleased(t *testing.T) {
	deadline := time.Now().Add(time.Hour)
	parent, cancel := context.WithDeadline(context.WithValue(t.Context(), requestKey{}, "v"), deadline)
	defer cancel()
	rc := newRequestContext(parent)

	if got := rc.Value(requestKey{}); got != "v" {
		t.Errorf("Value = %v, want v", got)
	}
	if got, ok := rc.Deadline(); !ok || !got.Equal(deadline) {
		t.Errorf("Deadline = %v %v, want %v true", got, ok, deadline)
	}
	if err := rc.Err(); err != nil {
		t.Errorf("Err = %v before the request ended", err)
	}

	// What the framework does with it: its own child must still end with
	// the request.
	child, childCancel := context.WithCancel(rc)
	defer childCancel()

	rc.release()
	if got := rc.Value(requestKey{}); got != nil {
		t.Errorf("Value after release = %v, want nil", got)
	}
	if _, ok := rc.Deadline(); ok {
		t.Error("Deadline after release still set")
	}
	if err := rc.Err(); err != nil {
		t.Errorf("Err = %v after release but before the request ended", err)
	}

	cancel()
	select {
	case <-rc.Done():
	default:
		t.Fatal("Done not closed when the request ended")
	}
	if err := rc.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err = %v, want context.Canceled", err)
	}
	// At once, not eventually: a context derived from the request context
	// is registered with the request's own, so the runtime needs no
	// goroutine per RPC to pass the cancellation on.
	select {
	case <-child.Done():
	default:
		t.Fatal("a context derived from the request context was not canceled with the request")
	}
}

func TestRequestContextOfBackground(t *testing.T) {
	rc := newRequestContext(context.Background())
	rc.release()
	if rc.Done() != nil || rc.Err() != nil {
		t.Errorf("Done = %v, Err = %v, want nil, nil", rc.Done(), rc.Err())
	}
}

// readsKept makes n data-source reads (validate, then read) through server,
// each with its own request context carrying a payload the way a gRPC
// request carries its stream and loggers, ends each request as gRPC does,
// and returns how many payloads are still reachable after a GC.
func readsKept(t *testing.T, server tfprotov6.ProviderServer, n int) int {
	t.Helper()
	h := newProtocolHarnessFor(t, server)
	block := h.schema.DataSourceSchemas["hss_image_baseline_statistic"].Block
	cfg := h.value(block, map[string]tftypes.Value{"image_type": str("private_image"), "image_name": str("web")})

	payloads := make([]weak.Pointer[[4096]byte], n)
	for i := range n {
		payload := new([4096]byte)
		payloads[i] = weak.Make(payload)
		request, end := context.WithCancel(context.WithValue(t.Context(), requestKey{}, payload))
		v, err := server.ValidateDataResourceConfig(request, &tfprotov6.ValidateDataResourceConfigRequest{TypeName: "hss_image_baseline_statistic", Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		h.noErrors("validate", v.Diagnostics)
		r, err := server.ReadDataSource(request, &tfprotov6.ReadDataSourceRequest{TypeName: "hss_image_baseline_statistic", Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		h.noErrors("read", r.Diagnostics)
		end()
	}

	runtime.GC()
	kept := 0
	for _, p := range payloads {
		if p.Value() != nil {
			kept++
		}
	}
	// The server lives as long as the provider process; here, until the
	// payloads are counted.
	runtime.KeepAlive(server)
	return kept
}

func TestProviderServerKeepsNoRequest(t *testing.T) {
	if kept := readsKept(t, NewProtocol6Server("test")(), 50); kept != 0 {
		t.Errorf("%d of 50 finished requests are still reachable from the provider server", kept)
	}
}

// TestFrameworkStillKeepsRequestContexts is why releasingServer exists. When
// it fails, terraform-plugin-framework no longer keeps finished requests,
// and releasingServer can go.
func TestFrameworkStillKeepsRequestContexts(t *testing.T) {
	if kept := readsKept(t, providerserver.NewProtocol6(New("test")())(), 50); kept != 50 {
		t.Errorf("the framework's own server kept %d of 50 finished requests, want 50: remove releasingServer", kept)
	}
}

// TestReleasingServerCoversEveryMethod: every protocol method is either
// wrapped by releasingServer (declared in server.go) or listed in
// passedThrough with the reason its request context may be kept. A method
// that a new terraform-plugin-go adds, or a wrapper someone deletes, fails
// here instead of silently taking the path that keeps request contexts.
func TestReleasingServerCoversEveryMethod(t *testing.T) {
	file, err := parser.ParseFile(token.NewFileSet(), "server.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	wrapped := map[string]bool{}
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Recv == nil || len(fn.Recv.List) != 1 {
			continue
		}
		if id, ok := fn.Recv.List[0].Type.(*ast.Ident); ok && id.Name == "releasingServer" {
			wrapped[fn.Name.Name] = true
		}
	}

	protocol := reflect.TypeFor[tfprotov6.ProviderServerWithActions]() //nolint:staticcheck // the interface releasingServer embeds
	methods := map[string]bool{}
	for i := range protocol.NumMethod() {
		name := protocol.Method(i).Name
		methods[name] = true
		_, listed := passedThrough[name]
		switch {
		case wrapped[name] && listed:
			t.Errorf("%s is both wrapped and listed in passedThrough", name)
		case !wrapped[name] && !listed:
			t.Errorf("%s is neither wrapped by releasingServer nor listed in passedThrough", name)
		}
	}
	for name := range passedThrough {
		if !methods[name] {
			t.Errorf("passedThrough lists %s, which is not a protocol method", name)
		}
	}
	for name := range wrapped {
		if !methods[name] {
			t.Errorf("releasingServer declares %s, which is not a protocol method", name)
		}
	}
	if len(wrapped) == 0 {
		t.Fatal("found no method of releasingServer in server.go")
	}
}
