// Package simulator is a local stand-in for the Huawei Cloud HSS container
// image APIs the provider calls. It follows the vendor's API reference, not
// the provider: it verifies SDK-HMAC-SHA256 signatures and tokens, checks
// the project in the path, rejects unknown or invalid parameters with
// HSS-shaped 400s, and answers from an in-memory set of images so that
// filters change the numbers as they would on HSS. Tests switch on faults
// (throttling, 5xx bursts, HTML bodies, stalls, resets) through Inject.
package simulator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Credential is an access key pair the simulator accepts. A non-empty
// SecurityToken makes it a temporary key that must send X-Security-Token.
type Credential struct {
	AccessKey     string
	SecretKey     string
	SecurityToken string
}

// Options configure a Simulator.
type Options struct {
	ProjectID   string
	Credentials []Credential
	Tokens      []string
	Images      []Image
	Now         func() time.Time
	// Advisories: what HSS knows of each vulnerability id (CVEs, texts);
	// nil: DefaultAdvisories.
	Advisories []Advisory

	// IAM: the projects GET /v3/projects lists (HSS accepts each of them
	// and ProjectID), how many per page (0: all on one), the agencies
	// callers may assume, and the id tokens each OIDC identity provider
	// accepts. UnscopedTokens makes Tokens unscoped.
	Projects          []Project
	ProjectsPerPage   int
	Agencies          []Agency
	IdentityProviders map[string][]string
	UnscopedTokens    bool

	// Scans and synchronisation (scans.go): a manual scan task's images
	// wait, scan and finish ScanDelay after the request (0:
	// DefaultScanDelay); images marked NotSynchronised are listed
	// SyncDelay after a synchronise request of their type (0:
	// DefaultSyncDelay).
	ScanDelay time.Duration
	SyncDelay time.Duration
}

// Well-known values of DefaultOptions, printed by cmd/hss-simulator and used
// by the demo and the tests. They are not secrets of any real account.
const (
	DefaultProjectID     = "0a1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d"
	DefaultAccessKey     = "SIMULATORACCESSKEY01"
	DefaultSecretKey     = "simulator-secret-key-0123456789abcdef"
	DefaultTempAccessKey = "SIMULATORTEMPKEY0001"
	DefaultTempSecretKey = "simulator-temp-secret-0123456789abcdef"
	DefaultSecurityToken = "simulator-security-token-0123456789abcdef"
	DefaultToken         = "simulator-iam-token-0123456789abcdef"
)

// DefaultOptions accept the Default* credentials and serve DefaultImages.
func DefaultOptions() Options {
	return Options{
		ProjectID: DefaultProjectID,
		Credentials: []Credential{
			{AccessKey: DefaultAccessKey, SecretKey: DefaultSecretKey},
			{AccessKey: DefaultTempAccessKey, SecretKey: DefaultTempSecretKey, SecurityToken: DefaultSecurityToken},
		},
		Tokens:            []string{DefaultToken},
		Images:            DefaultImages(),
		Projects:          []Project{{ID: DefaultProjectID, Name: "cn-north-4"}},
		Agencies:          []Agency{{DomainName: DefaultDomainName, DomainID: DefaultDomainID, Name: DefaultAgencyName}},
		IdentityProviders: map[string][]string{DefaultIdpID: {DefaultIDToken}},
	}
}

// Endpoint names one of the five APIs.
type Endpoint string

// The endpoints.
const (
	BaselineStatistic Endpoint = "baseline-statistic"
	SecurityReport    Endpoint = "security-report-statistic"
	BaselineExport    Endpoint = "baseline-export"
	ExportTask        Endpoint = "export-task"
	Download          Endpoint = "download"
)

// Fault changes the next Times answers of an endpoint (any endpoint when
// Endpoint is empty). Faults are served in the order they were injected.
type Fault struct {
	Endpoint Endpoint
	Times    int // default 1
	// Status and Body replace the answer. A zero Status keeps the normal
	// answer (useful with Delay). An empty Body with a Status of 400 or
	// more gets an HSS error object; use NoBody for a truly empty one.
	Status      int
	Body        string
	NoBody      bool
	ContentType string
	RetryAfter  string
	// Delay stalls before answering.
	Delay time.Duration
	// Reset closes the connection without answering.
	Reset bool
	// DeclaredLength, when larger than Body, is sent as Content-Length:
	// the connection drops mid-body.
	DeclaredLength int
	// AfterAction lets the request take effect (an export task is created)
	// before the fault answers, as when a gateway times out on a slow
	// backend that did its work.
	AfterAction bool
	// Late lets the request take effect, then stalls this long before the
	// normal answer: an answer that comes after the client gave up.
	Late time.Duration
	// Skip lets this many matching requests pass untouched before the
	// fault applies: Skip 2 changes the third request.
	Skip int
}

// Request is one request the simulator received.
type Request struct {
	Endpoint Endpoint // empty for unknown routes
	Method   string
	Path     string
	RawQuery string
	Query    url.Values
	Header   http.Header
	Body     []byte
	Status   int
	// RequestID is the X-Request-Id the simulator answered with.
	RequestID string
}

// Simulator is an http.Handler serving the HSS APIs.
type Simulator struct {
	opts Options

	mu           sync.Mutex
	requests     []Request
	resets       int // Resets so far: a request answered after one is not recorded
	faults       []*Fault
	stringCounts bool
	latency      time.Duration
	taskPolls    int
	taskFinal    string
	tasks        map[string]*task
	files        map[string]*file
	seq          int
	newConns     int
	quota        float64 // requests per second per project; 0: none
	buckets      map[string]*bucket

	lifetime         time.Duration
	issued           map[string]issuedKey
	issuedCount      int
	unscoped         map[string]time.Time
	metadataSessions map[string]bool
	noMetadataAgency bool

	listHooks map[Endpoint]ListHooks // see SetListHooks
	listPages map[Endpoint]int       // pages of each list served

	scanJobs  map[int]*scanJob // by RecordID: scans in progress (scans.go)
	scanTasks []*scanTask      // the task list, oldest first
	syncs     []syncRequest    // synchronise requests not yet taken effect
}

// bucket is one project's flow-control token bucket.
type bucket struct {
	tokens float64
	last   time.Time
}

// New returns a simulator; zero Options fields are taken from DefaultOptions.
func New(opts Options) *Simulator {
	def := DefaultOptions()
	if opts.ProjectID == "" {
		opts.ProjectID = def.ProjectID
	}
	if opts.Credentials == nil && opts.Tokens == nil {
		opts.Credentials, opts.Tokens = def.Credentials, def.Tokens
	}
	if opts.Images == nil {
		opts.Images = def.Images
	}
	opts.Images = numberRecords(slices.Clone(opts.Images))
	if opts.Projects == nil {
		opts.Projects = def.Projects
	}
	if opts.Agencies == nil {
		opts.Agencies = def.Agencies
	}
	if opts.IdentityProviders == nil {
		opts.IdentityProviders = def.IdentityProviders
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Simulator{opts: opts, taskFinal: "success", tasks: map[string]*task{}, files: map[string]*file{}}
}

// NewServer starts s on a loopback port, counting new connections.
func NewServer(s *Simulator) *httptest.Server {
	srv := httptest.NewUnstartedServer(s)
	srv.Config.ConnState = s.ConnState
	srv.Start()
	return srv
}

// ConnState counts new connections; set it as an http.Server's ConnState.
func (s *Simulator) ConnState(_ net.Conn, state http.ConnState) {
	if state == http.StateNew {
		s.mu.Lock()
		s.newConns++
		s.mu.Unlock()
	}
}

// ProjectID is the project the simulator serves.
func (s *Simulator) ProjectID() string { return s.opts.ProjectID }

// SetStringCounts makes counts JSON strings ("100"), as in the vendor's
// examples, instead of numbers.
func (s *Simulator) SetStringCounts(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stringCounts = on
}

// SetLatency delays every answer.
func (s *Simulator) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// SetExportOutcome makes new export tasks report running for polls reads of
// their status, then final ("success" or "failure").
func (s *Simulator) SetExportOutcome(polls int, final string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.taskPolls, s.taskFinal = polls, final
}

// SetQuota turns on the API gateway's flow control: each project may send
// perSecond requests a second (a token bucket holding at most perSecond,
// refilled continuously), and every request over it is answered 429
// APIGW.0308 with a Retry-After of the whole seconds until the next token.
// 0 turns it off. Reset keeps the quota and refills the buckets.
func (s *Simulator) SetQuota(perSecond int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quota = float64(perSecond)
	s.buckets = nil
}

// admit takes a token of project's bucket; when there is none, it returns
// how long until the next one. s.mu is held.
func (s *Simulator) admit(project string, now time.Time) (time.Duration, bool) {
	if s.quota <= 0 {
		return 0, true
	}
	if s.buckets == nil {
		s.buckets = map[string]*bucket{}
	}
	b, ok := s.buckets[project]
	if !ok {
		b = &bucket{tokens: s.quota, last: now}
		s.buckets[project] = b
	}
	b.tokens = min(s.quota, b.tokens+now.Sub(b.last).Seconds()*s.quota)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / s.quota * float64(time.Second)), false
}

// Inject queues a fault.
func (s *Simulator) Inject(f Fault) {
	if f.Times <= 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// InjectAt injects faults for endpoint e, served in the order given.
func (s *Simulator) InjectAt(e Endpoint, faults ...Fault) {
	for _, f := range faults {
		f.Endpoint = e
		s.Inject(f)
	}
}

// Requests returns a copy of what was received so far.
func (s *Simulator) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Stats is what a benchmark reads: requests received and connections
// opened since the start or the last Reset.
type Stats struct {
	Requests       int `json:"requests"`
	NewConnections int `json:"new_connections"`
}

// Stats reports request and connection counts.
func (s *Simulator) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Requests: len(s.requests), NewConnections: s.newConns}
}

// Count is how many requests an endpoint received.
func (s *Simulator) Count(e Endpoint) int {
	return s.countWhere(func(r Request) bool { return r.Endpoint == e })
}

// Answered is how many requests were answered with status.
func (s *Simulator) Answered(status int) int {
	return s.countWhere(func(r Request) bool { return r.Status == status })
}

func (s *Simulator) countWhere(match func(Request) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if match(r) {
			n++
		}
	}
	return n
}

// ExportsCreated is how many export tasks exist: the number of exports that
// took effect, whatever the client was told.
func (s *Simulator) ExportsCreated() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.tasks)
}

// Reset forgets requests, faults, tasks and list hooks, keeping the
// options (and the images as list hooks left them).
func (s *Simulator) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests, s.faults = nil, nil
	s.resets++
	s.tasks, s.files = map[string]*task{}, map[string]*file{}
	s.stringCounts, s.latency, s.taskPolls, s.taskFinal = false, 0, 0, "success"
	s.newConns = 0
	s.buckets = nil
	s.listHooks, s.listPages = nil, nil
	s.scanJobs, s.scanTasks, s.syncs = nil, nil, nil
}

// images is the images HSS holds now. Hooks replace the slice, never
// change it, so the caller may read it without the lock.
func (s *Simulator) images() []Image {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceScans() // scans and synchronisations due by now take effect
	return s.opts.Images
}

func (s *Simulator) now() time.Time { return s.opts.Now() }

type route struct {
	endpoint Endpoint
	method   string
	id       string // task or file id
}

// match maps /v5/{project_id}/... to an endpoint.
func match(segs []string) (route, string, bool) {
	if len(segs) < 3 || segs[0] != "v5" {
		return route{}, "", false
	}
	project, rest := segs[1], strings.Join(segs[2:], "/")
	switch {
	case rest == "image/baseline/statistic":
		return route{BaselineStatistic, http.MethodGet, ""}, project, true
	case rest == "image/security-report/statistic":
		return route{SecurityReport, http.MethodPost, ""}, project, true
	case rest == "image/baseline/export":
		return route{BaselineExport, http.MethodPost, ""}, project, true
	case len(segs) == 4 && segs[2] == "export-task":
		return route{ExportTask, http.MethodGet, segs[3]}, project, true
	case len(segs) == 4 && segs[2] == "download":
		return route{Download, http.MethodGet, segs[3]}, project, true
	case rest == "image/registries/images":
		return route{RegistryImages, http.MethodGet, ""}, project, true
	case rest == "image/local-repositories":
		return route{LocalImages, http.MethodGet, ""}, project, true
	case rest == "image/cicd/images":
		return route{CicdImages, http.MethodGet, ""}, project, true
	}
	if rt, ok := matchScans(rest); ok {
		return rt, project, true
	}
	if rt, ok := matchVulnerabilities(segs[2:]); ok {
		return rt, project, true
	}
	return route{}, "", false
}

func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	rt, project, known := match(strings.Split(strings.Trim(r.URL.Path, "/"), "/"))
	iamRoute, isIAM := matchIAM(strings.Trim(r.URL.Path, "/"))
	if isIAM {
		rt, known = iamRoute, true
	}
	query, _ := url.ParseQuery(r.URL.RawQuery)

	s.mu.Lock()
	s.seq++
	requestID := requestID(s.seq)
	s.requests = append(s.requests, Request{
		Endpoint: rt.endpoint, Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
		Query: query, Header: r.Header.Clone(), Body: body, RequestID: requestID,
	})
	index, generation := len(s.requests)-1, s.resets
	latency := s.latency
	fault := s.takeFault(rt.endpoint)
	s.mu.Unlock()

	rec := &recorder{ResponseWriter: w}
	defer func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.resets == generation { // a Reset since forgot this request
			s.requests[index].Status = rec.status
		}
	}()
	rec.Header().Set("X-Request-Id", requestID)

	if latency > 0 {
		sleep(r, latency)
	}
	if fault != nil && fault.Delay > 0 {
		if !sleep(r, fault.Delay) {
			return
		}
	}
	if fault != nil && !fault.AfterAction && fault.apply(rec, requestID) {
		return
	}

	if isIAM {
		s.serveIAM(rec, r, rt, query, body, requestID)
		return
	}
	if msg, ok := s.authenticate(r, body); !ok {
		writeError(rec, http.StatusUnauthorized, "APIGW.0301", "Incorrect IAM authentication information: "+msg, requestID)
		return
	}
	if !known || r.Method != rt.method {
		writeError(rec, http.StatusNotFound, "APIGW.0101", "The API does not exist or has not been published in the environment.", requestID)
		return
	}
	s.mu.Lock()
	wait, admitted := s.admit(project, time.Now())
	limit := s.quota
	s.mu.Unlock()
	if !admitted {
		rec.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		writeError(rec, http.StatusTooManyRequests, "APIGW.0308", "The throttling threshold has been reached: policy user over ratelimit,limit:"+strconv.Itoa(int(limit))+",time:1 second", requestID)
		return
	}
	if !s.knownProject(project) {
		writeError(rec, http.StatusForbidden, "HSS.0004", fmt.Sprintf("You are not authorized to access project %q.", project), requestID)
		return
	}

	var status int
	var resp any
	switch rt.endpoint {
	case BaselineStatistic:
		status, resp = s.baselineStatistic(r, query)
	case SecurityReport:
		status, resp = s.securityReportStatistic(r, query, body)
	case BaselineExport:
		status, resp = s.baselineExport(r, query, body)
	case ExportTask:
		status, resp = s.exportTask(r, query, rt.id)
	case Download:
		status, resp = s.download(r, query, rt.id)
	case RegistryImages, LocalImages, CicdImages:
		status, resp = s.listImages(r, query, rt.endpoint)
	case ImageVulnerabilities, VulnerabilityCves, GlobalVulnerabilities:
		status, resp = s.serveVulnerabilities(r, query, rt)
	case ImageSynchronize, ImageSyncTasks, ImageScanTasks, ImageTasks:
		status, resp = s.serveScans(r, query, body, rt.endpoint)
	}
	if fault != nil && fault.AfterAction && fault.apply(rec, requestID) {
		return
	}
	if fault != nil && fault.Late > 0 && !sleep(r, fault.Late) {
		return // the client gave up; the request took effect all the same
	}
	switch v := resp.(type) {
	case *apiError:
		writeError(rec, status, v.Code, v.Msg, requestID)
	case *file:
		rec.Header().Set("Content-Type", "application/octet-stream")
		rec.Header().Set("Content-Disposition", `attachment; filename="`+v.name+`"`)
		rec.WriteHeader(http.StatusOK)
		_, _ = rec.Write(v.data)
	default:
		writeJSON(rec, status, resp)
	}
}

// takeFault pops the first fault for e; s.mu is held.
func (s *Simulator) takeFault(e Endpoint) *Fault {
	for i, f := range s.faults {
		if f.Endpoint != "" && f.Endpoint != e {
			continue
		}
		if f.Skip > 0 {
			f.Skip--
			return nil
		}
		f.Times--
		if f.Times <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		c := *f
		return &c
	}
	return nil
}

// apply writes the fault's answer and reports whether it did.
func (f *Fault) apply(w *recorder, requestID string) bool {
	if f.Reset {
		if hj, ok := w.ResponseWriter.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tcp, ok := conn.(*net.TCPConn); ok {
					_ = tcp.SetLinger(0)
				}
				_ = conn.Close()
				w.status = -1
				return true
			}
		}
		panic(http.ErrAbortHandler)
	}
	if f.Status == 0 {
		return false
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	switch {
	case f.NoBody:
		w.WriteHeader(f.Status)
	case f.Body != "":
		ct := f.ContentType
		if ct == "" {
			ct = "application/json"
		}
		w.Header().Set("Content-Type", ct)
		if f.DeclaredLength > 0 {
			w.Header().Set("Content-Length", strconv.Itoa(f.DeclaredLength))
		}
		w.WriteHeader(f.Status)
		_, _ = io.WriteString(w, f.Body)
	case f.Status >= 400:
		code, msg := "HSS.0500", "Internal server error."
		switch f.Status {
		case http.StatusTooManyRequests:
			code, msg = "APIGW.0308", "The throttling threshold has been reached."
		case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			code, msg = "APIGW.0202", "The backend service is unavailable."
		}
		writeError(w, f.Status, code, msg, requestID)
	default:
		w.WriteHeader(f.Status)
	}
	return true
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// sleep waits d or until the client goes away; it reports whether d passed.
func sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// NthRequestID is the request id of a simulator's nth request (from 1):
// ids are deterministic, so tests can expect them in error messages.
func NthRequestID(n int) string { return requestID(n) }

func requestID(n int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("hss-simulator-%d", n)))
	return hex.EncodeToString(sum[:16])
}

type apiError struct {
	Code string `json:"error_code"`
	Msg  string `json:"error_msg"`
}

func badRequest(err error) (int, any) {
	return http.StatusBadRequest, &apiError{Code: "HSS.0001", Msg: "Invalid parameter: " + err.Error()}
}

func writeError(w http.ResponseWriter, status int, code, msg, requestID string) {
	body := map[string]string{"error_code": code, "error_msg": msg}
	if strings.HasPrefix(code, "APIGW.") {
		body["request_id"] = requestID
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
