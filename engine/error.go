package engine

import (
	"errors"
	"fmt"
)

// Error codes. They say what kind of failure happened, not where; the web
// layer maps each to an HTTP status in one place.
const (
	ECONFLICT     = "conflict"     // the case changed meanwhile, or the event does not fit its state
	EFORBIDDEN    = "forbidden"    // the actor may not do this
	EINTERNAL     = "internal"     // a bug or an outage; details are logged, not shown
	EINVALID      = "invalid"      // bad input; Message says what to fix
	ENOTFOUND     = "not_found"    // no such thing, or not visible to the actor
	EUNAUTHORIZED = "unauthorized" // not logged in, or wrong password
)

// Error is the one domain error type. Message is written for the user, in
// Chinese; Field, when set, names the form input it is about.
type Error struct {
	Code    string
	Message string
	Field   string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("engine: %s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("engine: %s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error about one input field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, EINTERNAL for an error that is not an
// *Error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err. Internal errors get a
// fixed text so that no detail of an outage reaches the user.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	}
	return "系统内部错误，请稍后重试。"
}

// ErrorField returns the form field err is about, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
