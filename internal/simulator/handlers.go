package simulator

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

func (s *Simulator) count(n int64) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stringCounts {
		return strconv.FormatInt(n, 10)
	}
	return n
}

func (s *Simulator) baselineStatistic(r *http.Request, q url.Values) (int, any) {
	p, err := parseQuery(q, baselineQuery)
	if err == nil {
		err = checkHeaders(r, false)
	}
	if err != nil {
		return badRequest(err)
	}
	types := baselineTypes(p.str["image_type"])
	var weak, policy, check int64
	images := s.images()
	for i := range images {
		img := &images[i]
		if !slices.Contains(types, img.Type) || !inEnterpriseProject(img, p) {
			continue
		}
		if !equalIfSet(p, "namespace", img.Namespace) || !equalIfSet(p, "image_name", img.Name) ||
			!equalIfSet(p, "image_version", img.Version) || !equalIfSet(p, "instance_id", img.InstanceID) ||
			!equalIfSet(p, "image_id", img.ID) {
			continue
		}
		weak += img.Baseline.WeakPwd
		policy += img.Baseline.PwdPolicy
		check += img.Baseline.SecurityCheck
	}
	return http.StatusOK, map[string]any{
		"image_weak_pwd": s.count(weak),
		"pwd_policy":     s.count(policy),
		"security_check": s.count(check),
	}
}

// equalIfSet: an absent or empty filter selects everything.
func equalIfSet(p *params, name, have string) bool {
	v, ok := p.str[name]
	return !ok || v == "" || v == have
}

// selected is every image in the request's enterprise project that the
// filter body selects.
func (s *Simulator) selected(p, f *params) []*Image {
	var out []*Image
	images := s.images()
	for i := range images {
		img := &images[i]
		if inEnterpriseProject(img, p) && matchesFilter(img, f) {
			out = append(out, img)
		}
	}
	return out
}

func (s *Simulator) securityReportStatistic(r *http.Request, q url.Values, body []byte) (int, any) {
	p, err := parseQuery(q, reportQuery)
	if err == nil {
		err = checkHeaders(r, true)
	}
	if err != nil {
		return badRequest(err)
	}
	f, err := parseBody(body, filterBody)
	if err != nil {
		return badRequest(err)
	}
	var total int64
	for _, img := range s.selected(p, f) {
		total += reportRecords(img, p.str["security_report_type"], f)
	}
	return http.StatusOK, map[string]any{"total_num": s.count(total)}
}

type task struct {
	id, name string
	polls    int // status reads so far
	running  int // reads that still say running
	final    string
	fileID   string
	fileName string
	records  []baselineRecord
}

type file struct {
	name string
	data []byte
}

type baselineRecord struct {
	image *Image
	check string
	n     int64
}

func (s *Simulator) baselineExport(r *http.Request, q url.Values, body []byte) (int, any) {
	p, err := parseQuery(q, exportQuery)
	if err == nil {
		err = checkHeaders(r, false)
	}
	if err != nil {
		return badRequest(err)
	}
	f, err := parseBody(body, filterBody)
	if err != nil {
		return badRequest(err)
	}
	var records []baselineRecord
	for _, img := range s.selected(p, f) {
		for _, c := range []struct {
			name string
			n    int64
		}{{"weak_password", img.Baseline.WeakPwd}, {"password_policy", img.Baseline.PwdPolicy}, {"security_check", img.Baseline.SecurityCheck}} {
			for i := int64(0); i < c.n; i++ {
				records = append(records, baselineRecord{image: img, check: c.name, n: i + 1})
			}
		}
	}
	if size := p.ints["export_size"]; int64(len(records)) > size {
		records = records[:size]
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.tasks) + 1
	t := &task{
		id:      fmt.Sprintf("export%06d", n),
		name:    fmt.Sprintf("image-baseline-export-%06d", n),
		running: s.taskPolls,
		final:   s.taskFinal,
		records: records,
	}
	s.tasks[t.id] = t
	return http.StatusOK, map[string]any{"record_total_num": len(records), "task_id": t.id}
}

func (s *Simulator) exportTask(r *http.Request, q url.Values, id string) (int, any) {
	if err := checkPlain(r, q); err != nil {
		return badRequest(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[id]
	if !ok {
		return http.StatusNotFound, &apiError{Code: "HSS.1013", Msg: fmt.Sprintf("Export task %q does not exist.", id)}
	}
	t.polls++
	status := "running"
	if t.polls > t.running {
		status = t.final
	}
	out := map[string]any{"task_id": t.id, "task_name": t.name, "task_status": status}
	if status == "success" {
		if t.fileID == "" {
			t.fileID = "file-" + t.id
			t.fileName = t.name + ".zip"
			s.files[t.fileID] = &file{name: t.fileName, data: exportZip(t)}
		}
		out["file_id"], out["file_name"] = t.fileID, t.fileName
	}
	return http.StatusOK, out
}

func (s *Simulator) download(r *http.Request, q url.Values, id string) (int, any) {
	if err := checkPlain(r, q); err != nil {
		return badRequest(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[id]
	if !ok {
		return http.StatusNotFound, &apiError{Code: "HSS.1014", Msg: fmt.Sprintf("File %q does not exist.", id)}
	}
	return http.StatusOK, f
}

// checkPlain checks a request that takes no parameters but the enterprise
// project.
func checkPlain(r *http.Request, q url.Values) error {
	if _, err := parseQuery(q, plainQuery); err != nil {
		return err
	}
	return checkHeaders(r, false)
}

// FileBytes returns the bytes a download of fileID serves.
func (s *Simulator) FileBytes(fileID string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.files[fileID]; ok {
		return append([]byte(nil), f.data...)
	}
	return nil
}

// exportZip writes the task's records as one CSV file in a ZIP archive,
// byte for byte the same for the same records.
func exportZip(t *task) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "baseline.csv", Method: zip.Deflate, Modified: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"image_id", "image_type", "namespace", "image_name", "image_version", "check_type", "finding"})
	for _, rec := range t.records {
		img := rec.image
		_ = cw.Write([]string{img.ID, img.Type, img.Namespace, img.Name, img.Version, rec.check, strconv.FormatInt(rec.n, 10)})
	}
	cw.Flush()
	_ = zw.Close()
	return buf.Bytes()
}
