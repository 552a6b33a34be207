package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/store"
	"github.com/grassroots/mediation/store/storetest"
	"github.com/grassroots/mediation/web"
	"github.com/grassroots/mediation/workflow"
)

// FuzzPublicForms sends what anybody may type into the forms that need no
// login (the login, the parties' lookup and message, the application, the
// first setup) to the real
// router on a real database, and requires an answer those forms give: a
// refusal or a success, never a server error.
func FuzzPublicForms(f *testing.F) {
	db, err := store.Open(ctx, storetest.DSN(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	svc := web.NewServices(engine.New(db), db)
	token, err := svc.Accounts.SetupToken(ctx)
	if err != nil {
		f.Fatal(err)
	}
	srv, err := web.NewServer(svc, web.Options{})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range [][4]string{
		{"admin", "一个足够长的密码", "油2026001", "13800000001"},
		{"ab\x00cd", "\xff", "\x00", "139 0573 0553"},
		{strings.Repeat("长", 100), "", "%00", "+86-139-0573-1299"},
		{"=HYPERLINK(\"x\")", "password123", "YCG-0001", "\u202e"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	const csrf = "0123456789abcdef0123456789abcdef"
	post := func(t *testing.T, path string, form url.Values) int {
		form.Set("csrf", csrf)
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: "mediation_csrf", Value: csrf})
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec.Code
	}
	f.Fuzz(func(t *testing.T, name, password, code, phone string) {
		for _, tc := range []struct {
			path string
			form url.Values
			ok   []int
		}{
			{"/login", url.Values{"name": {name}, "password": {password}}, []int{303, 401, 413, 429}},
			{"/lookup", url.Values{"code": {code}, "phone": {phone}}, []int{404, 413, 429}},
			{"/lookup/message", url.Values{"code": {code}, "phone": {phone}, "note": {password}}, []int{404, 413, 429}},
			{"/apply", url.Values{"applicant.name": {name}, "applicant.phone": {phone}, "location": {code}, "category": {name},
				"summary": {password}, "other.name": {code}}, []int{303, 400, 413, 422, 429}},
			{"/setup", url.Values{"token": {token}, "unit_code": {code}, "unit_name": {name}, "level": {string(workflow.LevelTown)},
				"case_prefix": {phone}, "name": {name}, "display": {password}, "password": {password}, "repeat": {password}},
				[]int{303, 404, 413, 422}},
		} {
			if got := post(t, tc.path, tc.form); !slices.Contains(tc.ok, got) {
				t.Errorf("POST %s %q: %d, want one of %v", tc.path, tc.form, got, tc.ok)
			}
		}
	})
}
