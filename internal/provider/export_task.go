package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

// The baseline export, shared by the hss_image_baseline_export resource and
// action: start the task (one POST), optionally wait for it, optionally
// download its file.

const (
	defaultExportTimeout = 10 * time.Minute
	pollWaitMin          = 200 * time.Millisecond
	pollWaitMax          = 10 * time.Second
)

type exportRequest struct {
	scope      client.Scope
	size       int64
	filter     client.ImageFilter
	wait       bool
	outputPath string
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
// downloads its file. Errors after the task started name the task id.
func runExport(ctx context.Context, c *client.Client, req exportRequest, rep exportReporter) (*exportResult, error) {
	task, err := c.ExportBaseline(ctx, req.scope, req.size, req.filter)
	if err != nil {
		return nil, fmt.Errorf("starting the export: %w", err)
	}
	res := &exportResult{task: *task}
	if rep.started != nil {
		rep.started(*task)
	}
	rep.say(fmt.Sprintf("Export task %s started: %d record(s).", task.TaskID, task.RecordTotalNum))
	if !req.wait {
		return res, nil
	}
	if res.status, err = waitForExport(ctx, c, req.scope, task.TaskID, rep); err != nil {
		return res, err
	}
	if req.outputPath != "" {
		if res.outputSHA256, res.outputBytes, err = downloadAtomically(ctx, c, req.scope, res.status.FileID, req.outputPath); err != nil {
			return res, fmt.Errorf("export task %s: downloading file %s to %s: %w", task.TaskID, res.status.FileID, req.outputPath, err)
		}
		rep.say(fmt.Sprintf("Export file %s written to %s (%d bytes).", res.status.FileID, req.outputPath, res.outputBytes))
	}
	return res, nil
}

func (r exportReporter) say(msg string) {
	if r.progress != nil {
		r.progress(msg)
	}
}

// waitForExport polls the task with exponential backoff until it succeeds,
// fails, or ctx ends.
func waitForExport(ctx context.Context, c *client.Client, scope client.Scope, taskID string, rep exportReporter) (*client.ExportTaskStatus, error) {
	wait := pollWaitMin
	for poll := 1; ; poll++ {
		st, err := c.GetExportTask(ctx, scope, taskID)
		if err != nil {
			if ctx.Err() != nil {
				return nil, exportTimeout(ctx, taskID)
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
			return st, exportTimeout(ctx, taskID)
		case <-t.C:
		}
		wait = min(wait*2, pollWaitMax)
	}
}

func exportTimeout(ctx context.Context, taskID string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("export task %s did not finish before the timeout; it may still finish in HSS", taskID)
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
