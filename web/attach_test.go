package web_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/account"
	"github.com/grassroots/mediation/engine/schedule"
	"github.com/grassroots/mediation/store"
	"github.com/grassroots/mediation/store/storetest"
	"github.com/grassroots/mediation/web"
	"github.com/grassroots/mediation/workflow"
)

// pngPhoto is a small real picture.
func pngPhoto(t *testing.T, shade uint8) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = shade
	}
	img.Set(0, 0, color.Gray{Y: 255 - shade})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// upload is one file of a multipart body.
type upload struct {
	name string
	body []byte
}

// send posts fields and files as multipart/form-data, with the session's
// CSRF token in the form (a page) or the header (the API).
func (c *client) send(path string, fields map[string]string, files ...upload) (int, http.Header, string) {
	c.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for _, f := range files {
		part, err := w.CreateFormFile("file", f.name)
		if err != nil {
			c.t.Fatal(err)
		}
		part.Write(f.body)
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.s.URL+path, &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if strings.HasPrefix(path, "/api/") {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

// download fetches a path's body and headers.
func (c *client) download(path string) (int, http.Header, []byte) {
	c.t.Helper()
	resp, err := c.http.Get(c.s.URL + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// TestAttachments: a mediator attaches two photos from the case page; the
// page shows them as thumbnails, the timeline says so, the 卷内目录 lists
// them, and each download (and each picture viewed) is the same bytes with
// its type and name, for those who see the case only, kept by no browser,
// and an audit row. A file over 10 MB or a
// program renamed .jpg is refused with a Chinese message and nothing
// stored, through the page and the API.
func TestAttachments(t *testing.T) {
	s := newSite(t)
	med := s.login(t, "mediator@G11")
	grid := s.cases["grid"]
	med.get(casePath(grid, "/do/attach"))
	v := s.caseNow(t, "grid").Version
	photos := []upload{{"现场1.png", pngPhoto(t, 40)}, {"现场2.png", pngPhoto(t, 200)}}
	code, _, body := med.send(casePath(grid, "/do/attach"), map[string]string{"csrf": med.csrf, "version": itoa(v)}, photos...)
	if code != http.StatusSeeOther {
		t.Fatalf("upload: %d %.300s", code, body)
	}
	if got := s.caseNow(t, "grid").Version; got != v+1 {
		t.Errorf("version %d after the upload, want %d", got, v+1)
	}
	_, page := med.get(casePath(grid, ""))
	for _, want := range []string{`class="thumb"`, "现场1.png", "现场2.png", "上传附件", "2 个"} {
		if !strings.Contains(page, want) {
			t.Errorf("the case page lacks %q", want)
		}
	}
	list, err := s.e.CaseAttachments(ctx, engine.System, grid.ID)
	if err != nil || len(list) != 2 {
		t.Fatalf("attachments %v, %v", list, err)
	}
	if _, file := med.get(casePath(grid, "/documents")); !strings.Contains(file, "附件：现场1.png") || !strings.Contains(file, "附件：现场2.png") {
		t.Errorf("the contents list lacks the attachments")
	}
	code, h, got := med.download("/attachments/" + itoa(list[0].ID))
	if code != http.StatusOK || !bytes.Equal(got, photos[0].body) || h.Get("Content-Type") != "image/png" ||
		!strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") {
		t.Errorf("download: %d %q %q, %d bytes", code, h.Get("Content-Type"), h.Get("Content-Disposition"), len(got))
	}
	if code, h, _ := med.download("/attachments/" + itoa(list[1].ID) + "?inline=1"); code != http.StatusOK ||
		h.Get("Cache-Control") != "no-store" || !strings.HasPrefix(h.Get("Content-Disposition"), "inline;") {
		t.Errorf("a thumbnail: %d %q %q", code, h.Get("Cache-Control"), h.Get("Content-Disposition"))
	}
	rows, _ := account.New(s.e, s.db).Audit(ctx, engine.System, engine.AuditFilter{Action: engine.AuditDownload})
	if len(rows) != 2 || rows[1].ActorName != "mediator@G11" || rows[1].Detail != "现场1.png" || rows[0].Detail != "查看图片：现场2.png" {
		t.Errorf("audit of the download and the view: %+v", rows)
	}
	if h.Get("Cache-Control") != "no-store" {
		t.Errorf("an attachment kept by the browser: %q", h.Get("Cache-Control"))
	}
	other := s.login(t, "intake@T2")
	if code, _, _ := other.download("/attachments/" + itoa(list[0].ID)); code != http.StatusNotFound {
		t.Errorf("another town's desk downloads: %d", code)
	}

	big := make([]byte, 10<<20+1)
	copy(big, photos[0].body)
	exe := append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 4000)...)
	for _, tc := range []struct {
		name   string
		file   upload
		status int
		says   string
	}{
		{"a file of 10 MB and one byte", upload{"大照片.png", big}, http.StatusRequestEntityTooLarge, "超过每个附件10.0 MB的上限"},
		{"a renamed program", upload{"照片.jpg", exe}, http.StatusUnsupportedMediaType, "不是图片、PDF 或 Office 文档"},
	} {
		v := s.caseNow(t, "grid").Version
		med.get(casePath(grid, "/do/attach"))
		code, _, body := med.send(casePath(grid, "/do/attach"), map[string]string{"csrf": med.csrf, "version": itoa(v)}, tc.file)
		if code != tc.status || !strings.Contains(body, tc.says) || !strings.Contains(body, "field-error") {
			t.Errorf("%s through the page: %d, %.200s", tc.name, code, body)
		}
		code, _, body = med.send("/api/v1/cases/"+itoa(grid.ID)+"/attachments", nil, tc.file)
		if code != tc.status || !strings.Contains(body, tc.says) {
			t.Errorf("%s through the API: %d, %.200s", tc.name, code, body)
		}
		if got := s.caseNow(t, "grid").Version; got != v {
			t.Errorf("%s moved the case to version %d", tc.name, got)
		}
	}
	if list, _ := s.e.CaseAttachments(ctx, engine.System, grid.ID); len(list) != 2 {
		t.Errorf("%d attachments after the refusals", len(list))
	}

	// The API: one file, 201 with what it is; listed; downloaded.
	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	code, _, body = med.send("/api/v1/cases/"+itoa(grid.ID)+"/attachments", nil, upload{"收据.pdf", pdf})
	if code != http.StatusCreated || !strings.Contains(body, `"name":"收据.pdf","type":"application/pdf","size":`+itoa(len(pdf))) {
		t.Errorf("API upload: %d %s", code, body)
	}
	if code, list := med.get("/api/v1/cases/" + itoa(grid.ID) + "/attachments"); code != http.StatusOK || strings.Count(list, `"id":`) != 3 {
		t.Errorf("API list: %d %s", code, list)
	}
	if code, _, _ := other.download("/api/v1/cases/" + itoa(grid.ID) + "/attachments"); code != http.StatusNotFound {
		t.Errorf("another town lists the attachments: %d", code)
	}
}

// TestAttachmentsAcrossServers: two servers on one PostgreSQL both serve an
// attachment uploaded through either.
func TestAttachmentsAcrossServers(t *testing.T) {
	if storetest.PostgresDSN() == "" {
		t.Skip("needs PostgreSQL (" + storetest.PostgresEnv + ")")
	}
	s := newSite(t)
	db2, err := store.Open(ctx, s.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	srv2, err := web.NewServer(web.NewServices(engine.New(db2), db2), web.Options{})
	if err != nil {
		t.Fatal(err)
	}
	second := &site{Server: httptest.NewServer(srv2), e: s.e, db: s.db, units: s.units, cases: s.cases}
	defer second.Close()
	grid := s.cases["grid"]
	one, two := s.login(t, "mediator@G11"), second.login(t, "mediator@G11")
	one.get("/cases")
	two.get("/cases")
	photo := pngPhoto(t, 90)
	pdf := []byte("%PDF-1.4\n%%EOF\n")
	for i, c := range []*client{one, two} {
		f := []upload{{"照片.png", photo}, {"收据.pdf", pdf}}[i]
		if code, _, body := c.send("/api/v1/cases/"+itoa(grid.ID)+"/attachments", nil, f); code != http.StatusCreated {
			t.Fatalf("upload through server %d: %d %s", i+1, code, body)
		}
	}
	list, _ := s.e.CaseAttachments(ctx, engine.System, grid.ID)
	for _, a := range list {
		want := map[string][]byte{"照片.png": photo, "收据.pdf": pdf}[a.Name]
		for i, c := range []*client{one, two} {
			if code, _, got := c.download("/api/v1/attachments/" + itoa(a.ID)); code != http.StatusOK || !bytes.Equal(got, want) {
				t.Errorf("server %d serves %s: %d, %d bytes", i+1, a.Name, code, len(got))
			}
		}
	}
}

func itoa[T int | int64](n T) string { return strconv.FormatInt(int64(n), 10) }

// TestRetentionPages: the cover states the configured retention; three
// years after a registered dispute was refused, its page says what was
// cleared and when, names the parties 当事人甲 and 当事人乙, lists its photo
// as deleted without a link, and the photo's address answers 404 saying so,
// on the page and in the API.
func TestRetentionPages(t *testing.T) {
	s, now := newSiteOnClock(t)
	s.e.Retention = engine.Retention{File: "30年", UnfiledYears: 3}
	desk := s.login(t, "intake@T1")
	if _, file := desk.get(casePath(s.cases["grid"], "/documents")); !strings.Contains(file, `<td id="retention">30年</td>`) {
		t.Errorf("the cover does not state the configured retention")
	}

	k := s.cases["registered"]
	photo := pngPhoto(t, 90)
	desk.get(casePath(k, "/do/attach"))
	if code, _, body := desk.send(casePath(k, "/do/attach"), map[string]string{"csrf": desk.csrf, "version": itoa(k.Version)},
		upload{"张三家门口.png", photo}); code != http.StatusSeeOther {
		t.Fatalf("upload: %d %.300s", code, body)
	}
	k = s.caseNow(t, "registered")
	if _, err := s.e.Fire(ctx, engine.System, k.ID, workflow.Reject, engine.Input{Version: k.Version,
		Reason: "不属于人民调解范围", Routes: []string{"诉讼"}}); err != nil {
		t.Fatal(err)
	}
	list, _ := s.e.CaseAttachments(ctx, engine.System, k.ID)
	*now = now.AddDate(3, 0, 1)
	if n, err := schedule.New(s.e, s.db).Anonymise(ctx, *now); err != nil || n != 1 {
		t.Fatalf("anonymised %d cases (%v), want 1", n, err)
	}

	_, page := desk.get(casePath(k, ""))
	for _, want := range []string{
		"已超过保管期限：当事人的身份证号、电话、住址和附件已于2029年3月3日删除",
		`<td data-label="姓名">当事人甲</td>`, `<td data-label="姓名">当事人乙</td>`,
		"附件已于2029年3月3日按保管期限删除",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the case page lacks %q", want)
		}
	}
	for _, gone := range []string{"张三", "13800000001", "/attachments/" + itoa(list[0].ID)} {
		if strings.Contains(page, gone) {
			t.Errorf("the case page still shows %q", gone)
		}
	}
	if code, _, body := desk.download("/attachments/" + itoa(list[0].ID)); code != http.StatusNotFound ||
		!strings.Contains(string(body), "该附件已于2029年3月3日按保管期限删除。") {
		t.Errorf("the deleted photo: %d %.300s", code, body)
	}
	if code, api := desk.get("/api/v1/cases/" + itoa(k.ID) + "/attachments"); code != http.StatusOK ||
		!strings.Contains(api, `"name":"附件","type":"","size":0`) || !strings.Contains(api, `"removed_at":"2029-03-03T01:00:00Z"`) ||
		strings.Contains(api, `"url"`) {
		t.Errorf("the API's list: %d %s", code, api)
	}
}
