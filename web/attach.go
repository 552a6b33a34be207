package web

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// spoolMemory is how much of a multipart upload is held in memory; the
// rest of its files is spooled to temporary files, which the server
// removes after the request.
const spoolMemory = 1 << 20

// uploadLimit bounds an upload's body: a case's files together, and the
// form around them.
func (s *Server) uploadLimit() echo.MiddlewareFunc {
	return middleware.BodyLimit(strconv.FormatInt(s.Engine.MaxCaseAttachments/1024+1024, 10) + "K")
}

// spool parses a multipart body before anything reads a form value, so
// that its files go to temporary files instead of memory.
func spool(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
			if err := r.ParseMultipartForm(spoolMemory); err != nil {
				return engine.Malformed("file", "上传的内容不完整，请重新选择文件上传。")
			}
		}
		return next(c)
	}
}

// uploads opens the files of the request's field file; close closes them.
func uploads(c echo.Context) (files []*engine.Upload, close func(), err error) {
	close = func() {}
	form := c.Request().MultipartForm
	if form == nil {
		return nil, close, nil
	}
	var opened []interface{ Close() error }
	close = func() {
		for _, f := range opened {
			f.Close()
		}
	}
	for _, fh := range form.File["file"] {
		f, err := fh.Open()
		if err != nil {
			close()
			return nil, func() {}, err
		}
		opened = append(opened, f)
		files = append(files, engine.NewUpload(fh.Filename, fh.Size, f))
	}
	return files, close, nil
}

// handleAttachment sends an attachment to one who may see its case, as a
// download (or inline, for a picture's thumbnail).
func (s *Server) handleAttachment(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return engine.Errorf(engine.ENOTFOUND, "附件不存在。")
	}
	ctx := c.Request().Context()
	inline := c.QueryParam("inline") == "1"
	at, err := s.Engine.OpenAttachment(ctx, actor(c), id, !inline)
	if err != nil {
		return err
	}
	disposition := "attachment"
	if inline {
		if !at.IsImage() {
			return engine.Errorf(engine.ENOTFOUND, "附件不是图片。")
		}
		disposition = "inline"
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, at.Type)
	h.Set(echo.HeaderContentLength, strconv.FormatInt(at.Size, 10))
	h.Set(echo.HeaderContentDisposition, mime.FormatMediaType(disposition, map[string]string{"filename": at.Name}))
	h.Set("X-Content-Type-Options", "nosniff")
	// Like the pages, an attachment holds what no browser or proxy keeps.
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	return s.Engine.CopyAttachment(ctx, at, c.Response())
}

// apiAttachment is an attachment as the API gives it.
type apiAttachment struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Type       string    `json:"type"`
	Size       int64     `json:"size"`
	UploadedBy string    `json:"uploaded_by"`
	UploadedAt time.Time `json:"uploaded_at"`
	// RemovedAt is when the retention rules deleted the content; such an
	// attachment has no URL.
	RemovedAt *time.Time `json:"removed_at,omitempty"`
	URL       string     `json:"url,omitempty"`
}

func toAPIAttachment(a *engine.Attachment) apiAttachment {
	out := apiAttachment{ID: a.ID, Name: a.Name, Type: a.Type, Size: a.Size, UploadedBy: a.UploadedBy, UploadedAt: a.UploadedAt,
		RemovedAt: a.RemovedAt}
	if a.RemovedAt == nil {
		out.URL = fmt.Sprintf("/api/v1/attachments/%d", a.ID)
	}
	return out
}

func (s *Server) handleAPIAttachments(c echo.Context) error {
	id, err := caseID(c)
	if err != nil {
		return err
	}
	list, err := s.Engine.CaseAttachments(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	out := make([]apiAttachment, len(list))
	for i, a := range list {
		out[i] = toAPIAttachment(a)
	}
	return c.JSON(http.StatusOK, out)
}

// handleAPIAttach attaches the one file of a multipart body's field file
// to a case, as the case's version given (or, without one, as it is now),
// and answers 201 with the new attachment.
func (s *Server) handleAPIAttach(c echo.Context) error {
	k, err := s.caseParam(c)
	if err != nil {
		return err
	}
	files, closeFiles, err := uploads(c)
	defer closeFiles()
	switch {
	case err != nil:
		return err
	case len(files) != 1:
		return engine.Malformed("file", "请以 multipart/form-data 上传，字段 file，每次一个文件。")
	}
	version := k.Version
	if v := c.FormValue("version"); v != "" {
		if version, err = strconv.Atoi(v); err != nil {
			return engine.Malformed("version", "版本（version）应为整数。")
		}
	}
	added, err := s.Engine.Attach(c.Request().Context(), actor(c), k.ID, version, files)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAPIAttachment(added[0]))
}
