package engine

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/grassroots/mediation/workflow"
)

// Attachment is a file of a case (附件): a photo, a contract, an ID copy, a
// proof of payment. Its content lives in the database, so that every
// server on one PostgreSQL serves it.
type Attachment struct {
	ID         int64
	CaseID     int64
	EventID    int64
	Name       string
	Type       string
	Size       int64
	UploadedBy string
	UploadedAt time.Time
	// RemovedAt is when the retention rules deleted the content; the
	// record that there was a file stays.
	RemovedAt *time.Time
	// body is the content to store, read once while the upload is
	// written.
	body io.ReaderAt
}

// Body returns a reader of the content of an attachment being written.
func (a *Attachment) Body() io.Reader { return io.NewSectionReader(a.body, 0, a.Size) }

// IsImage reports whether the attachment is a picture a page can show.
func (a *Attachment) IsImage() bool { return strings.HasPrefix(a.Type, "image/") }

// Upload is a file someone sends to attach: its name as given, its size
// and its content (read where it was spooled).
type Upload struct {
	Name string
	Size int64
	body io.ReaderAt
}

// NewUpload returns an upload of size bytes read from body.
func NewUpload(name string, size int64, body io.ReaderAt) *Upload {
	return &Upload{Name: name, Size: size, body: body}
}

// Default bounds of attachments.
const (
	DefaultMaxAttachment  = 10 << 20
	DefaultMaxCaseAttachs = 100 << 20
)

// attachTypes are the types a case file takes, by what the content is
// (never by the name): pictures, PDF and Office documents.
var attachTypes = map[string]string{
	"image/jpeg": "图片", "image/png": "图片", "image/gif": "图片", "image/webp": "图片",
	"application/pdf": "PDF",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   "Word",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         "Excel",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
	"application/msword": "Word", "application/vnd.ms-excel": "Excel", "application/vnd.ms-powerpoint": "PowerPoint",
}

// oleMagic begins the compound files of older Office documents.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// SniffType tells what a file is from its content: one of attachTypes, or
// "" for anything else (a program renamed .jpg, say). The content decides
// the kind; only between the older Office formats, which share one
// container, does the name choose.
func SniffType(body io.ReaderAt, size int64, name string) string {
	head := make([]byte, 512)
	n, _ := body.ReadAt(head, 0)
	head = head[:n]
	t := http.DetectContentType(head)
	switch {
	case bytes.HasPrefix(head, oleMagic):
		return map[string]string{".doc": "application/msword", ".xls": "application/vnd.ms-excel",
			".ppt": "application/vnd.ms-powerpoint"}[strings.ToLower(path.Ext(name))]
	case t == "application/zip":
		return officeType(body, size)
	case attachTypes[t] != "":
		return t
	}
	return ""
}

// officeType tells which Office Open XML document a zip file is, "" for
// any other zip.
func officeType(body io.ReaderAt, size int64) string {
	z, err := zip.NewReader(body, size)
	if err != nil {
		return ""
	}
	types := false
	for _, f := range z.File {
		types = types || f.Name == "[Content_Types].xml"
	}
	for _, f := range z.File {
		switch {
		case !types:
		case strings.HasPrefix(f.Name, "word/"):
			return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
		case strings.HasPrefix(f.Name, "xl/"):
			return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		case strings.HasPrefix(f.Name, "ppt/"):
			return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
		}
	}
	return ""
}

// attach checks the files of an upload and adds them to the change: each
// of a type a case file takes and at most MaxAttachment, and all the case's
// files at most MaxCaseAttachments. A refusal stores nothing.
func (e *Engine) attach(ctx context.Context, c *Case, ch *Change, files []*Upload) error {
	have, err := e.Store.Attachments(ctx, c.ID)
	if err != nil {
		return err
	}
	var total int64
	for _, a := range have {
		total += a.Size
	}
	var names []string
	for _, f := range files {
		name := path.Base(strings.ReplaceAll(strings.TrimSpace(f.Name), `\`, "/"))
		if name == "" || name == "." || name == "/" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > 200 {
			return Invalid("file", "文件名“%s”无效。", f.Name)
		}
		if f.Size > e.MaxAttachment {
			return &Error{Code: ETOOLARGE, Field: "file", Message: fmt.Sprintf("文件“%s”有%s，超过每个附件%s的上限，未保存。",
				name, megabytes(f.Size), megabytes(e.MaxAttachment))}
		}
		t := SniffType(f.body, f.Size, name)
		if t == "" {
			return &Error{Code: EUNSUPPORTED, Field: "file", Message: fmt.Sprintf("文件“%s”不是图片、PDF 或 Office 文档，未保存。", name)}
		}
		if total += f.Size; total > e.MaxCaseAttachments {
			return &Error{Code: ETOOLARGE, Field: "file", Message: fmt.Sprintf("本案附件合计将超过%s的上限，未保存。",
				megabytes(e.MaxCaseAttachments))}
		}
		ch.Attachments = append(ch.Attachments, &Attachment{Name: name, Type: t, Size: f.Size, UploadedBy: ch.Event.ActorName,
			UploadedAt: ch.Event.At, body: f.body})
		names = append(names, name)
	}
	ch.Event.Data.Files = strings.Join(names, "、")
	return nil
}

// Attach adds files to a case's file (the activity Attach) and returns the
// new attachments.
func (e *Engine) Attach(ctx context.Context, a Actor, id int64, version int, files []*Upload) ([]*Attachment, error) {
	in := Input{Version: version, Files: files}
	if err := CheckText(&in); err != nil {
		return nil, err
	}
	var added []*Attachment
	_, err := e.ChangeCase(ctx, a, id, version, func(t *Tree, c *Case) (*Change, error) {
		ch, err := e.DecideActivity(ctx, t, a, c, workflow.Attach, in)
		if ch != nil {
			added = ch.Attachments
		}
		return ch, err
	})
	if err != nil {
		return nil, err
	}
	return added, nil
}

// megabytes says a size in MB, to one decimal.
func megabytes(n int64) string {
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

// OpenAttachment returns an attachment the actor may see, recording its
// download, or the view of a picture shown on the case page, in the audit
// trail. Returns ENOTFOUND for one of a case the actor does not see, and
// for every one to a partner's liaison: the files (ID copies, photos,
// contracts) are the parties' and the mediators', as is the rest of the
// file a partner does not read.
func (e *Engine) OpenAttachment(ctx context.Context, a Actor, id int64, download bool) (*Attachment, error) {
	at, err := e.Store.Attachment(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := e.FindCase(ctx, a, at.CaseID); err != nil || a.Role == workflow.RolePartner {
		return nil, Errorf(ENOTFOUND, "附件不存在。")
	}
	if at.RemovedAt != nil {
		return nil, Errorf(ENOTFOUND, "该附件已于%s按保管期限删除。", at.RemovedAt.In(e.Location).Format("2006年1月2日"))
	}
	if a.Role != workflow.RoleSystem {
		detail := at.Name
		if !download {
			detail = "查看图片：" + at.Name
		}
		if err := e.Audited(ctx, a, AuditDownload, at.CaseID, detail); err != nil {
			return nil, err
		}
	}
	return at, nil
}

// CaseAttachments lists the attachments of a case the actor may see: none
// to a partner's liaison (see OpenAttachment).
func (e *Engine) CaseAttachments(ctx context.Context, a Actor, caseID int64) ([]*Attachment, error) {
	if _, err := e.FindCase(ctx, a, caseID); err != nil || a.Role == workflow.RolePartner {
		return nil, err
	}
	return e.Store.Attachments(ctx, caseID)
}

// CopyAttachment writes an attachment's content to w, a piece at a time.
func (e *Engine) CopyAttachment(ctx context.Context, at *Attachment, w io.Writer) error {
	return e.Store.CopyAttachment(ctx, at.ID, w)
}
