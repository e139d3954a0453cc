package provider

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

// The baseline export, shared by the hss_image_baseline_export resource and
// action: start the task (one POST), optionally wait for it, optionally
// download its file.

const (
	defaultExportTimeout = 10 * time.Minute
	// exportRequestTimeout bounds the export request itself, within the
	// timeout: the wait for the task gets its own, full timeout afterwards.
	exportRequestTimeout = time.Minute
	pollWaitMin          = 200 * time.Millisecond
	pollWaitMax          = 10 * time.Second
)

type exportRequest struct {
	scope      client.Scope
	size       int64
	filter     client.ImageFilter
	wait       bool
	outputPath string
	// timeout bounds the export request (at most exportRequestTimeout of
	// it) and then, separately, the wait and the download; timeoutName is
	// how the configuration calls it ("timeouts.create").
	timeout     time.Duration
	timeoutName string
}

type exportResult struct {
	task         client.ExportTask
	status       *client.ExportTaskStatus // nil when not waited for
	outputSHA256 string
	outputBytes  int64
}

// exportReporter hears about the export as it happens. started is called
// right after the task exists, before any waiting, so that its id is never
// lost.
type exportReporter struct {
	started  func(client.ExportTask)
	progress func(string)
}

// runExport starts a baseline export and, if asked, waits for it and
// downloads its file. output_path is checked before anything is sent.
// Errors after the task started name the task id.
func runExport(ctx context.Context, c *client.Client, req exportRequest, rep exportReporter) (*exportResult, error) {
	if req.outputPath != "" {
		if err := checkOutputPath(req.outputPath); err != nil {
			return nil, fmt.Errorf("output_path: %w. Nothing was exported", err)
		}
	}
	sent := time.Now().UTC()
	postCtx, cancel := context.WithTimeout(ctx, min(req.timeout, exportRequestTimeout))
	task, err := c.ExportBaseline(postCtx, req.scope, req.size, req.filter)
	cancel()
	var started *client.ExportStartedError
	if errors.As(err, &started) {
		// The task exists and its id is known: recorded, never thrown away
		// with the rest of the answer. Nothing more is done with an answer
		// that could not be read whole.
		res := &exportResult{task: started.Task}
		if rep.started != nil {
			rep.started(started.Task)
		}
		return res, fmt.Errorf("starting the export: %w", err) // the error names the task
	}
	if err != nil {
		return nil, exportStartError(ctx, req, sent, err)
	}
	res := &exportResult{task: *task}
	if rep.started != nil {
		rep.started(*task)
	}
	rep.say(fmt.Sprintf("Export task %s started: %s.", task.TaskID, recordCount(task.RecordTotalNum)))
	if !req.wait {
		return res, nil
	}
	return res, finishExport(ctx, c, req, res, rep)
}

// finishExport waits for res.task, within the timeout, and downloads its
// file: after runExport's request, or for a task an earlier apply started.
func finishExport(ctx context.Context, c *client.Client, req exportRequest, res *exportResult, rep exportReporter) error {
	ctx, cancel := context.WithTimeout(ctx, req.timeout)
	defer cancel()
	var err error
	if res.status, err = waitForExport(ctx, c, req, res.task.TaskID, rep); err != nil {
		return err
	}
	if req.outputPath == "" {
		return nil
	}
	if res.outputSHA256, res.outputBytes, err = downloadAtomically(ctx, c, req.scope, res.status.FileID, req.outputPath); err != nil {
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("%s (%s) expired: %w", req.timeoutName, req.timeout, err)
		}
		return fmt.Errorf("export task %s succeeded, but its file %s could not be written to %s: %w", res.task.TaskID, res.status.FileID, req.outputPath, err)
	}
	rep.say(fmt.Sprintf("Export file %s written to %s (%d bytes).", res.status.FileID, req.outputPath, res.outputBytes))
	return nil
}

// exportStartError explains a failed export request. When the request may
// have reached HSS and its answer was lost, HSS may have created a task
// whose id nobody knows: the error says so, and how to find it.
func exportStartError(ctx context.Context, req exportRequest, sent time.Time, err error) error {
	var apiErr *client.APIError
	var decodeErr *client.DecodeError
	var dnsErr *net.DNSError
	switch {
	case ctx.Err() != nil: // Terraform cancelled (Ctrl-C) or the caller's deadline
		err = fmt.Errorf("interrupted while waiting for the answer (%w)", err)
	case errors.As(err, &decodeErr):
		// HSS answered 2xx: the task exists, its id is unreadable.
	case errors.As(err, &apiErr):
		if apiErr.StatusCode < 500 || apiErr.StatusCode == http.StatusServiceUnavailable {
			return fmt.Errorf("starting the export: %w", err) // refused: nothing started
		}
	case errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &dnsErr):
		return fmt.Errorf("starting the export: %w", err) // never sent
	case errors.Is(err, context.DeadlineExceeded):
		err = fmt.Errorf("no answer within %s, the time the export request may take (the smaller of %s and %s): %w",
			min(req.timeout, exportRequestTimeout), req.timeoutName, exportRequestTimeout, err)
	}
	return fmt.Errorf("starting the export: %w\n\n"+
		"HSS may have started an export task: the request may have reached it, but no task id came back. "+
		"Nothing about it is recorded, so applying again sends a new export request. "+
		"Before that, look for an image baseline export task created at about %s (UTC) in the HSS console, "+
		"and let it finish there if it exists", err, sent.Format(time.DateTime))
}

// recordCount says how many records an export holds, or that HSS's count
// was unreadable.
func recordCount(n *int64) string {
	if n == nil {
		return "record count unknown (HSS's count was unreadable)"
	}
	return fmt.Sprintf("%d record(s)", *n)
}

func (r exportReporter) say(msg string) {
	if r.progress != nil {
		r.progress(msg)
	}
}

// waitForExport polls the task with exponential backoff until it succeeds,
// fails, or ctx ends.
func waitForExport(ctx context.Context, c *client.Client, req exportRequest, taskID string, rep exportReporter) (*client.ExportTaskStatus, error) {
	wait := pollWaitMin
	for poll := 1; ; poll++ {
		st, err := c.GetExportTask(ctx, req.scope, taskID)
		if err != nil {
			if ctx.Err() != nil {
				return nil, exportTimeout(ctx, req, taskID)
			}
			return nil, fmt.Errorf("export task %s: reading its status: %w", taskID, err)
		}
		switch st.TaskStatus {
		case client.TaskSuccess:
			rep.say(fmt.Sprintf("Export task %s succeeded: file %s (%s).", taskID, st.FileID, st.FileName))
			return st, nil
		case client.TaskFailure:
			return st, fmt.Errorf("export task %s (%s) failed in HSS", taskID, st.TaskName)
		}
		rep.say(fmt.Sprintf("Export task %s is %s (poll %d).", taskID, st.TaskStatus, poll))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return st, exportTimeout(ctx, req, taskID)
		case <-t.C:
		}
		wait = min(wait*2, pollWaitMax)
	}
}

func exportTimeout(ctx context.Context, req exportRequest, taskID string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("export task %s did not finish within %s (%s); it may still finish in HSS", taskID, req.timeoutName, req.timeout)
	}
	return fmt.Errorf("waiting for export task %s: %w", taskID, ctx.Err())
}

// downloadAtomically streams the file into a temporary file beside path,
// makes it 0600, syncs it and renames it over path: readers see the old file
// or the whole new one.
func downloadAtomically(ctx context.Context, c *client.Client, scope client.Scope, fileID, path string) (string, int64, error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return "", 0, err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return "", 0, err
	}
	h := sha256.New()
	n, err := c.Download(ctx, scope, fileID, io.MultiWriter(tmp, h))
	if err == nil {
		err = checkZIP(ctx, tmp, n)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// checkZIP: the export is a ZIP archive, whole. A proxy's or gateway's page
// answered with 200 must not be recorded as the export, nor an archive
// whose header reads but whose members are damaged: every member is read
// to its end, which checks its size and its CRC-32 (archive/zip checks the
// CRC-32 only when the archive records one other than 0; this checks it
// always). The check stops when ctx ends.
func checkZIP(ctx context.Context, f *os.File, size int64) error {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return notZIP(f, size)
	}
	for _, m := range zr.File {
		if err := checkZIPMember(ctx, m); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("checking the downloaded ZIP archive stopped at member %q: %w; it was not kept", m.Name, err)
			}
			return fmt.Errorf("the downloaded ZIP archive is damaged: member %q: %w; it was not kept", m.Name, err)
		}
	}
	return nil
}

func checkZIPMember(ctx context.Context, m *zip.File) error {
	rc, err := m.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	sum := crc32.NewIEEE()
	if _, err := io.Copy(sum, ctxReader{ctx, rc}); err != nil {
		if errors.Is(err, zip.ErrChecksum) {
			return fmt.Errorf("its content does not match its checksum (CRC-32): %w", err)
		}
		return err
	}
	if got := sum.Sum32(); got != m.CRC32 {
		return fmt.Errorf("its content does not match its checksum (CRC-32 %08x, recorded %08x): %w", got, m.CRC32, zip.ErrChecksum)
	}
	return nil
}

// ctxReader reads r until ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// notZIP describes a download that is not a ZIP archive at all.
func notZIP(f *os.File, size int64) error {
	head := make([]byte, 32)
	n, _ := f.ReadAt(head, 0)
	what := fmt.Sprintf("%d bytes beginning %q", size, head[:n])
	if size == 0 {
		what = "empty"
	} else if bytes.Contains(bytes.ToLower(head[:n]), []byte("<html")) || bytes.Contains(bytes.ToLower(head[:n]), []byte("<!doctype")) {
		what = fmt.Sprintf("an HTML page of %d bytes, as a proxy or gateway answers", size)
	}
	return fmt.Errorf("the downloaded file is not a ZIP archive (%s); it was not kept", what)
}

// checkOutputPath finds, before anything is exported, what would make the
// download fail after the export ran: a path that is a directory, a
// directory that does not exist or cannot be written.
func checkOutputPath(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a directory; name the file to write, such as %s", path, filepath.Join(path, "baseline.zip"))
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %s does not exist", dir)
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	probe, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("cannot write in directory %s: %w", dir, err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}
