package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/labstack/echo/v4"
)

func (s *Server) handleNotifications(c echo.Context) error {
	list, unread, err := s.Notices.Notifications(c.Request().Context(), actor(c), 100)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, viewNotifications, "通知", map[string]any{"List": list, "Unread": unread,
		"Labels": engine.NotifyLabels})
}

// readNotification marks the notification of the address read, or all of
// the user's (all), and returns the one read (nil for all).
func (s *Server) readNotification(c echo.Context) (*engine.Notification, error) {
	var id int64
	if c.Param("id") != "all" {
		var err error
		if id, err = strconv.ParseInt(c.Param("id"), 10, 64); err != nil || id <= 0 {
			return nil, engine.Errorf(engine.ENOTFOUND, "没有这条通知。")
		}
	}
	return s.Notices.ReadNotification(c.Request().Context(), actor(c), id)
}

// handleReadNotification marks a notification read, or all of them, and
// opens its case, or goes back to the list.
func (s *Server) handleReadNotification(c echo.Context) error {
	n, err := s.readNotification(c)
	if err != nil {
		return err
	}
	if n == nil || c.FormValue("open") == "" {
		return c.Redirect(http.StatusSeeOther, "/notifications")
	}
	return c.Redirect(http.StatusSeeOther, "/cases/"+strconv.FormatInt(n.CaseID, 10))
}

// apiNotification is a notification as the API gives it.
type apiNotification struct {
	ID         int64     `json:"id"`
	CaseID     int64     `json:"case_id"`
	CaseNumber string    `json:"case_number"`
	Kind       string    `json:"kind"`
	Text       string    `json:"text"`
	CreatedAt  time.Time `json:"created_at"`
	Read       bool      `json:"read"`
}

func toAPINotification(n *engine.Notification) apiNotification {
	return apiNotification{ID: n.ID, CaseID: n.CaseID, CaseNumber: n.CaseNumber, Kind: n.Kind, Text: n.Text, CreatedAt: n.CreatedAt,
		Read: n.ReadAt != nil}
}

func (s *Server) handleAPINotifications(c echo.Context) error {
	list, unread, err := s.Notices.Notifications(c.Request().Context(), actor(c), 100)
	if err != nil {
		return err
	}
	out := make([]apiNotification, len(list))
	for i, n := range list {
		out[i] = toAPINotification(n)
	}
	return c.JSON(http.StatusOK, map[string]any{"unread": unread, "notifications": out})
}

func (s *Server) handleAPIReadNotification(c echo.Context) error {
	n, err := s.readNotification(c)
	if err != nil {
		return err
	}
	if n == nil {
		return c.NoContent(http.StatusNoContent)
	}
	return c.JSON(http.StatusOK, toAPINotification(n))
}
