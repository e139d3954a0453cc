package provider

import (
	"encoding/json"
	"strconv"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/cloudsec/terraform-provider-hss/internal/client"
)

// An export is never repeated by accident.
//
// When Create fails after HSS created the task (its answer named the task
// but was otherwise unreadable, the wait timed out or a status read failed
// while the task ran, or the task succeeded but its file could not be
// written or was not a whole ZIP archive), the task is saved in state and Create
// returns an error, so Terraform marks the resource tainted: the apply
// failed, and says so. Terraform plans a tainted resource as a
// replacement, and the plan of a replacement never sees the tainted state,
// so neither plan nor Create can tell "replace because tainted" from
// "replace because triggers changed". Only Delete sees it.
//
// With the default lifecycle a replacement is Delete then Create, in the
// same apply and the same provider process. So Delete remembers an
// unfinished task (pendingExports, on the configured provider), keyed by
// every argument that defines the export; Create with exactly the same
// arguments (triggers included) resumes that task instead of starting a
// new one: it waits for it if it still runs, and downloads its file from
// file_id while HSS still has it (not waited for, it adopts the task as it
// is). A changed argument or trigger is a new
// export, as always. If HSS no longer knows the task, or it failed, a new
// export starts. With create_before_destroy, Create runs first and a new
// export starts: documented.
//
// The alternative, an untainted resource whose Create "succeeds" with a
// warning and downloads later, would let an apply whose file was never
// written exit 0 while an older file still sits at output_path.

// pendingExports holds the unfinished tasks of resources deleted in this
// apply, by fingerprint. Its zero value is ready to use.
type pendingExports struct {
	mu    sync.Mutex
	tasks map[string]client.ExportTask
}

func (p *pendingExports) remember(key string, task client.ExportTask) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tasks == nil {
		p.tasks = map[string]client.ExportTask{}
	}
	p.tasks[key] = task
}

// take returns and forgets the pending task of key.
func (p *pendingExports) take(key string) (client.ExportTask, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.tasks[key]
	delete(p.tasks, key)
	return e, ok
}

// exportFingerprint identifies an export by everything that defines it:
// region, enterprise project, size, filter body, waiting, output path and
// triggers.
func exportFingerprint(exp exportRequest, triggers types.Map) string {
	body, _ := json.Marshal(exp.filter) // a struct of plain fields: never fails
	return queryID("baseline_export", exp.scope.Region, exp.scope.EnterpriseProjectID, strconv.FormatInt(exp.size, 10),
		string(body), strconv.FormatBool(exp.wait), exp.outputPath, triggers.String())
}

// privateUnfinished is the private-state key a Create that failed after
// the task started sets. Read leaves such a task's recorded status alone,
// so that Delete still sees it unfinished (Terraform passes Delete the
// state's values, not its private data).
const privateUnfinished = "unfinished_export"

// unfinished reports the task a failed Create left in state: one that was
// waited for and is still running (or of unknown status), or that
// succeeded without its file being written; or one not waited for whose
// export request's answer named it but was otherwise unreadable (no
// record count and no status). A healthy resource never looks like this:
// its Create succeeded, so its task succeeded and its file, if any, was
// written, or, not waited for, its count or (once resumed) its status is
// known; and Read does not refresh a task marked unfinished.
func (m *imageBaselineExportModel) unfinished() (client.ExportTask, bool) {
	if m.TaskID.IsNull() || m.TaskID.ValueString() == "" || m.ExportSize.IsNull() { // imported, not yet adopted: not started here
		return client.ExportTask{}, false
	}
	e := client.ExportTask{TaskID: m.TaskID.ValueString(), RecordTotalNum: m.RecordTotalNum.ValueInt64Pointer()}
	if waited := m.WaitForCompletion.IsNull() || m.WaitForCompletion.ValueBool(); !waited {
		return e, m.RecordTotalNum.IsNull() && m.TaskStatus.IsNull()
	}
	switch m.TaskStatus.ValueString() {
	case "", client.TaskRunning:
		return e, true
	case client.TaskSuccess:
		return e, !m.OutputPath.IsNull() && m.OutputSHA256.IsNull()
	}
	return client.ExportTask{}, false
}
