package engine

import (
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Text limits, in characters. A short field holds a name, a number, an
// address or a choice; a long one holds what people said, agreed or found.
const (
	shortText = 200
	longText  = 20000
)

// longFields are the fields, by their Go names, that take the long limit.
var longFields = map[string]bool{
	"Summary": true, "Requests": true, "Facts": true, "Terms": true, "Performance": true, "Record": true,
	"Participants": true, "Findings": true, "Note": true, "Reason": true, "Result": true, "Risks": true, "Notes": true,
}

// CheckText checks every string that v (a pointer to a struct, or a
// struct) holds, in its fields, slices and the structs it points to: each
// must be valid UTF-8 without control characters, which no keyboard types
// (EMALFORMED; a long text may hold line breaks and tabs),
// and within its field's limit (EINVALID, naming the field as a form
// does: "agreement.terms", "parties.1.name"). It is the one check of text
// that every write of the engine passes through.
func CheckText(v any) error {
	return checkValue(reflect.ValueOf(v), "", "")
}

func checkValue(v reflect.Value, path, name string) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return checkValue(v.Elem(), path, name)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			return nil
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if err := checkValue(v.Field(i), join(path, snake(f.Name)), f.Name); err != nil {
				return err
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			p := path
			if v.Index(i).Kind() != reflect.String {
				p = join(path, strconv.Itoa(i))
			}
			if err := checkValue(v.Index(i), p, name); err != nil {
				return err
			}
		}
	case reflect.String:
		return checkString(v.String(), path, name)
	}
	return nil
}

func checkString(s, path, name string) error {
	limit := shortText
	if longFields[name] {
		limit = longText
	}
	if !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && (limit == shortText || r != '\n' && r != '\r' && r != '\t')
	}) >= 0 {
		return Malformed(path, "文字含有无效的字符（控制字符或非 UTF-8 编码），请重新输入。")
	}
	if n := utf8.RuneCountInString(s); n > limit {
		return Invalid(path, "最多%d字，现有%d字。", limit, n)
	}
	return nil
}

// Printable is s as a line of a log or the audit trail may hold it: what
// is not valid UTF-8 or cannot be printed replaced, and cut to n
// characters.
func Printable(s string, n int) string {
	r := []rune(strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsGraphic(r) {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?")))
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return string(r)
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// snake writes a Go field name as a form field: IDNumber is id_number.
func snake(name string) string {
	r := []rune(name)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) {
			// A word starts at an upper-case letter after a lower-case one,
			// or before a lower-case one at the end of an acronym.
			if i > 0 && (unicode.IsLower(r[i-1]) || i+1 < len(r) && unicode.IsLower(r[i+1])) {
				b.WriteByte('_')
			}
			c = unicode.ToLower(c)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// checkDates keeps the days an input names between 2000 and ten years
// ahead: a slip of the keyboard (1900, 2200) is refused, not stored.
func (e *Engine) checkDates(in *Input) error {
	lo, hi := time.Date(2000, 1, 1, 0, 0, 0, 0, e.Location), e.Now().AddDate(10, 0, 0)
	bad := func(t time.Time) bool { return !t.IsZero() && (t.Before(lo) || t.After(hi)) }
	msg := "日期应在2000年至%d年之间。"
	switch {
	case bad(in.At):
		return Invalid("at", msg, hi.Year())
	case in.Agreement != nil && in.Agreement.DueAt != nil && bad(*in.Agreement.DueAt):
		return Invalid("agreement.due", msg, hi.Year())
	case in.Notice != nil && bad(in.Notice.Given):
		return Invalid("notice.given", msg, hi.Year())
	case in.Confirmation != nil && in.Confirmation.Day != "":
		if d, err := time.ParseInLocation(time.DateOnly, in.Confirmation.Day, e.Location); err == nil && bad(d) {
			return Invalid("confirmation.day", msg, hi.Year())
		}
	}
	return nil
}
