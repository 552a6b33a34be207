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
	EMALFORMED    = "malformed"    // a request no form could have sent: not JSON, no version, broken text
	ENOTFOUND     = "not_found"    // no such thing, or not visible to the actor
	EUNAUTHORIZED = "unauthorized" // not logged in, or wrong password
	ETOOLARGE     = "too_large"    // a file over its limit
	EUNSUPPORTED  = "unsupported"  // a file of a type the case file does not take
	ETOOMANY      = "too_many"     // too many failed tries: wait, then try again
)

// Error is the one domain error type. Message is written for the user, in
// Chinese; Field, when set, names the form input it is about.
type Error struct {
	Code    string
	Message string
	Field   string
	// Fields holds a message per form field when a form had several
	// mistakes; Field and Message are then the first of them.
	Fields map[string]string
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

// Malformed returns an EMALFORMED error about one part of a request.
func Malformed(field, format string, args ...any) *Error {
	return &Error{Code: EMALFORMED, Field: field, Message: fmt.Sprintf(format, args...)}
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

// ErrorFields returns a message per form field that err is about.
func ErrorFields(err error) map[string]string {
	var e *Error
	if !errors.As(err, &e) {
		return nil
	}
	if e.Fields != nil {
		return e.Fields
	}
	if e.Field != "" {
		return map[string]string{e.Field: e.Message}
	}
	return nil
}

// FieldErrors collects the mistakes of a form, so that every field gets its
// message at once.
type FieldErrors struct {
	first  string
	fields map[string]string
}

// Add records a mistake in field, unless the field has one already.
func (v *FieldErrors) Add(field, format string, args ...any) {
	if v.fields == nil {
		v.fields = map[string]string{}
	}
	if _, ok := v.fields[field]; ok {
		return
	}
	if v.first == "" {
		v.first = field
	}
	v.fields[field] = fmt.Sprintf(format, args...)
}

// AddErr records an *Error about one field.
func (v *FieldErrors) AddErr(err error) {
	var e *Error
	if errors.As(err, &e) {
		v.Add(e.Field, "%s", e.Message)
	}
}

// Err returns the collected mistakes as one EINVALID error, or nil.
func (v *FieldErrors) Err() error {
	if v.first == "" {
		return nil
	}
	msg := v.fields[v.first]
	if n := len(v.fields); n > 1 {
		msg = fmt.Sprintf("有%d处需要更正：%s", n, msg)
	}
	return &Error{Code: EINVALID, Field: v.first, Message: msg, Fields: v.fields}
}
