package store

import (
	"context"
	"database/sql"
	"errors"
	"io"

	"github.com/grassroots/mediation/engine"
)

// pieceSize is the size of the pieces an attachment's content is kept in.
const pieceSize = 256 << 10

// insertAttachments writes the attachments of an event, their content
// read a piece at a time.
func insertAttachments(ctx context.Context, c conn, caseID, eventID int64, as []*engine.Attachment) error {
	if len(as) == 0 {
		return nil
	}
	buf := make([]byte, pieceSize)
	for _, a := range as {
		var err error
		if a.ID, err = c.insert(ctx, `INSERT INTO attachments (case_id, event_id, name, type, size, uploaded_by, uploaded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, caseID, eventID, a.Name, a.Type, a.Size, a.UploadedBy, a.UploadedAt.UTC()); err != nil {
			return err
		}
		a.CaseID, a.EventID = caseID, eventID
		body := a.Body()
		for seq := 0; ; seq++ {
			n, err := io.ReadFull(body, buf)
			if n > 0 {
				if _, err := c.exec(ctx, "INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (?, ?, ?)", a.ID, seq, buf[:n]); err != nil {
					return err
				}
			}
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				break
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

const attachmentColumns = "id, case_id, event_id, name, type, size, uploaded_by, uploaded_at, removed_at"

func scanAttachment(rows *sql.Rows) (*engine.Attachment, error) {
	var a engine.Attachment
	err := rows.Scan(&a.ID, &a.CaseID, &a.EventID, &a.Name, &a.Type, &a.Size, &a.UploadedBy, &a.UploadedAt, &a.RemovedAt)
	a.UploadedAt, a.RemovedAt = a.UploadedAt.UTC(), utc(a.RemovedAt)
	return &a, err
}

func (db *DB) attachments(ctx context.Context, cond string, args ...any) ([]*engine.Attachment, error) {
	var out []*engine.Attachment
	err := db.reader().each(ctx, "SELECT "+attachmentColumns+" FROM attachments WHERE "+cond, args, func(rows *sql.Rows) error {
		a, err := scanAttachment(rows)
		out = append(out, a)
		return err
	})
	return out, err
}

// Attachments returns a case's attachments, oldest first.
func (db *DB) Attachments(ctx context.Context, caseID int64) ([]*engine.Attachment, error) {
	return db.attachments(ctx, "case_id = ? ORDER BY id", caseID)
}

// Attachment returns one attachment.
func (db *DB) Attachment(ctx context.Context, id int64) (*engine.Attachment, error) {
	out, err := db.attachments(ctx, "id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, engine.Errorf(engine.ENOTFOUND, "附件不存在。")
	}
	return out[0], nil
}

// CopyAttachment writes an attachment's content to w, reading its pieces
// in order one row at a time.
func (db *DB) CopyAttachment(ctx context.Context, id int64, w io.Writer) error {
	return db.reader().each(ctx, "SELECT data FROM attachment_chunks WHERE attachment_id = ? ORDER BY seq", []any{id},
		func(rows *sql.Rows) error {
			var data sql.RawBytes
			if err := rows.Scan(&data); err != nil {
				return err
			}
			_, err := w.Write(data)
			return err
		})
}
