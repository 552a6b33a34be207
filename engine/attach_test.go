package engine_test

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/enginetest"
)

// zipped is a zip file with the named entries.
func zipped(t *testing.T, names ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, n := range names {
		f, err := w.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("<x/>"))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestSniffType: the type comes from the content; the name only tells the
// older Office formats apart, and never makes a program a picture.
func TestSniffType(t *testing.T) {
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...)
	for _, tc := range []struct {
		name string
		body []byte
		want string
	}{
		{"photo.jpg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), "image/jpeg"},
		{"photo.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "image/png"},
		{"scan.jpg", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "image/png"},
		{"receipt.pdf", []byte("%PDF-1.7\n"), "application/pdf"},
		{"协议.docx", zipped(t, "[Content_Types].xml", "word/document.xml"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"清单.xlsx", zipped(t, "[Content_Types].xml", "xl/workbook.xml"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"协议.docx", zipped(t, "word/document.xml"), ""},
		{"photos.zip", zipped(t, "a.jpg"), ""},
		{"旧协议.doc", ole, "application/msword"},
		{"旧清单.xls", ole, "application/vnd.ms-excel"},
		{"setup.jpg", ole, ""},
		{"photo.jpg", []byte("MZ\x90\x00\x03\x00\x00\x00"), ""},
		{"photo.jpg", []byte("\x7fELF\x02\x01\x01\x00"), ""},
		{"note.pdf", []byte("hello, this is text"), ""},
		{"page.png", []byte("<html><script>alert(1)</script>"), ""},
	} {
		if got := engine.SniffType(bytes.NewReader(tc.body), int64(len(tc.body)), tc.name); got != tc.want {
			t.Errorf("%s (%q…): %q, want %q", tc.name, tc.body[:min(8, len(tc.body))], got, tc.want)
		}
	}
}

// TestAttachLimits: a file takes at most its limit and a case at most its
// total; a refusal stores nothing; a name keeps no path.
func TestAttachLimits(t *testing.T) {
	en := enginetest.New(t)
	en.MaxAttachment, en.MaxCaseAttachments = 100, 150
	c := en.NewCase(t)
	pdf := func(n int) *engine.Upload {
		body := "%PDF-1.4\n" + strings.Repeat("x", n-9)
		return engine.NewUpload("收据.pdf", int64(n), strings.NewReader(body))
	}
	added, err := en.Attach(ctx, en.Actors["intake@T1"], c.ID, c.Version, []*engine.Upload{pdf(100)})
	if err != nil || len(added) != 1 || added[0].ID == 0 || added[0].Size != 100 {
		t.Fatalf("first file: %+v, %v", added, err)
	}
	for _, tc := range []struct {
		files []*engine.Upload
		code  string
	}{
		{[]*engine.Upload{pdf(101)}, engine.ETOOLARGE},
		{[]*engine.Upload{pdf(40), pdf(40)}, engine.ETOOLARGE},
		{nil, engine.EINVALID},
		{[]*engine.Upload{engine.NewUpload("../../etc/x.pdf\x00", 10, strings.NewReader("%PDF-1.4\nx"))}, engine.EMALFORMED},
	} {
		c, _ = en.DB.FindCase(ctx, c.ID)
		if _, err := en.Attach(ctx, en.Actors["intake@T1"], c.ID, c.Version, tc.files); engine.ErrorCode(err) != tc.code {
			t.Errorf("%d files: %v, want %s", len(tc.files), err, tc.code)
		}
		en.Unchanged(t, c, "a refused upload")
	}
	if list, _ := en.CaseAttachments(ctx, engine.System, c.ID); len(list) != 1 {
		t.Errorf("%d attachments stored", len(list))
	}
	// A path in the name keeps only its last part.
	c, _ = en.DB.FindCase(ctx, c.ID)
	added, err = en.Attach(ctx, en.Actors["intake@T1"], c.ID, c.Version, []*engine.Upload{engine.NewUpload(`C:\照片\现场.pdf`, 10, strings.NewReader("%PDF-1.4\nx"))})
	if err != nil || added[0].Name != "现场.pdf" {
		t.Errorf("a name with a path: %+v, %v", added, err)
	}
}
