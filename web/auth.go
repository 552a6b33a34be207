package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/account"
	"github.com/grassroots/mediation/engine/demo"
	"github.com/labstack/echo/v4"
)

const (
	userKey = "user"
	// The session's values: the user's id once logged in, and the CSRF
	// token of every form the session is shown.
	sessionUserID = "user"
	sessionCSRF   = "csrf"
	// When, from where and with which browser the session logged in, for
	// the user's list of their sessions.
	sessionLoginAt = "login_at"
	sessionAddr    = "addr"
	sessionAgent   = "agent"
	// sessionFlash holds what the last action says on the next page.
	sessionFlash = "flash"
	// onceKey holds, in the request, what this answer alone shows: a
	// secret made for it, which no session keeps.
	onceKey = "once"
)

// sessionStore keeps the session manager's sessions in the database,
// through the engine, under the hash of their token.
type sessionStore struct {
	e *account.Service
	// saved remembers what this server last wrote of each session, so that
	// a request that changes nothing writes nothing: the session manager
	// commits on every request to push the idle timeout on, which needs a
	// write at most once a minute.
	mu    sync.Mutex
	saved map[string]savedSession
}

// savedSession is a session as this server last wrote it: its encoding
// (see sessionCodec: equal values, equal bytes) and expiry.
type savedSession struct {
	data   []byte
	expiry time.Time
}

// maxRemembered bounds the sessions remembered; past it, memory starts
// afresh (and each session is written once more).
const maxRemembered = 10000

// FindCtx reckons expiry by the wall clock, as the session manager does
// when it sets it.
func (st *sessionStore) FindCtx(ctx context.Context, hash string) ([]byte, bool, error) {
	return st.e.FindSession(ctx, hash, time.Now())
}

// CommitCtx stores a session with the user it belongs to, read from the
// data itself, so that a new password ends every session of the user. Only
// a login (startSession) creates a session; any other request refreshes
// one that still exists, so that a request in flight while its session
// ends (a logout, a new password, a disabled account) cannot bring it back.
// A visitor who has not logged in keeps nothing in the database.
func (st *sessionStore) CommitCtx(ctx context.Context, hash string, b []byte, expiry time.Time) error {
	st.mu.Lock()
	last, ok := st.saved[hash]
	st.mu.Unlock()
	if ok && bytes.Equal(last.data, b) && expiry.Sub(last.expiry) < time.Minute {
		return nil
	}
	_, values, err := sessionCodec{}.Decode(b)
	if err != nil {
		return err
	}
	id, _ := values[sessionUserID].(int64)
	if id == 0 {
		return nil
	}
	ws := &account.WebSession{Hash: hash, UserID: id, Data: b, Expiry: expiry}
	if at, ok := values[sessionLoginAt].(int64); ok {
		ws.LoginAt = time.Unix(at, 0)
	}
	ws.Address, _ = values[sessionAddr].(string)
	ws.Agent, _ = values[sessionAgent].(string)
	save := st.e.SaveSession
	if start, _ := ctx.Value(sessionStartKey{}).(*bool); start != nil && *start {
		save = st.e.StartSession
	}
	if err := save(ctx, ws); err != nil {
		return err
	}
	st.mu.Lock()
	if len(st.saved) >= maxRemembered {
		st.saved = map[string]savedSession{}
	}
	st.saved[hash] = savedSession{b, expiry}
	st.mu.Unlock()
	return nil
}

// sessionStartKey marks, in a request's context, whether the request
// starts a session: a *bool that startSession sets.
type sessionStartKey struct{}

// session loads the request's session and saves it when the handler is
// done. The context it loads into carries the mark startSession sets.
func (s *Server) session() echo.MiddlewareFunc {
	load := echo.WrapMiddleware(s.sessions.LoadAndSave)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		h := load(next)
		return func(c echo.Context) error {
			r := c.Request()
			c.SetRequest(r.WithContext(context.WithValue(r.Context(), sessionStartKey{}, new(bool))))
			return h(c)
		}
	}
}

// startSession logs u in under a new token (so that a token planted
// before is worthless) with a new CSRF token, and has the session stored
// when the request is done.
func (s *Server) startSession(c echo.Context, u *engine.User) error {
	ctx := c.Request().Context()
	start, _ := ctx.Value(sessionStartKey{}).(*bool)
	if start == nil {
		return fmt.Errorf("web: a session started outside the session middleware")
	}
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	token, err := randomToken()
	if err != nil {
		return err
	}
	*start = true
	s.sessions.Put(ctx, sessionUserID, u.ID)
	s.sessions.Put(ctx, sessionCSRF, token)
	if s.sessions.GetInt64(ctx, sessionLoginAt) == 0 {
		s.sessions.Put(ctx, sessionLoginAt, time.Now().Unix())
		s.sessions.Put(ctx, sessionAddr, c.RealIP())
		s.sessions.Put(ctx, sessionAgent, engine.Printable(c.Request().UserAgent(), 200))
	}
	return nil
}

// randomToken is 128 random bits in hex.
func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// sessionCodec writes a session as JSON, its numbers and its texts apart
// (a session holds nothing else), the keys in order: equal sessions are
// equal bytes, so that CommitCtx tells an unchanged session by comparing
// them, and reading a session decodes a small JSON document, not gob's
// description of its types on every request. A session written with gob
// before is still read.
type sessionCodec struct{}

type sessionJSON struct {
	Deadline time.Time         `json:"deadline"`
	Numbers  map[string]int64  `json:"numbers,omitempty"`
	Texts    map[string]string `json:"texts,omitempty"`
}

func (sessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	s := sessionJSON{Deadline: deadline, Numbers: map[string]int64{}, Texts: map[string]string{}}
	for k, v := range values {
		switch v := v.(type) {
		case int64:
			s.Numbers[k] = v
		case string:
			s.Texts[k] = v
		default:
			return nil, fmt.Errorf("web: session value %q is a %T, neither a number nor text", k, v)
		}
	}
	return json.Marshal(s)
}

func (sessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	var s sessionJSON
	if err := json.Unmarshal(b, &s); err != nil {
		return scs.GobCodec{}.Decode(b)
	}
	values := make(map[string]any, len(s.Numbers)+len(s.Texts))
	for k, v := range s.Numbers {
		values[k] = v
	}
	for k, v := range s.Texts {
		values[k] = v
	}
	return s.Deadline, values, nil
}

func (st *sessionStore) DeleteCtx(ctx context.Context, hash string) error {
	st.mu.Lock()
	delete(st.saved, hash)
	st.mu.Unlock()
	return st.e.EndSession(ctx, hash)
}

func (st *sessionStore) Find(hash string) ([]byte, bool, error) {
	return st.FindCtx(context.Background(), hash)
}

func (st *sessionStore) Commit(hash string, b []byte, expiry time.Time) error {
	return st.CommitCtx(context.Background(), hash, b, expiry)
}

func (st *sessionStore) Delete(hash string) error { return st.DeleteCtx(context.Background(), hash) }

// newSessions sets up the session manager: a random token in the cookie,
// its hash in the database, an absolute lifetime and an idle timeout. Over
// TLS the cookie is Secure and __Host- prefixed, so no other site on the
// domain can set or read it.
func newSessions(e *account.Service, opt Options) *scs.SessionManager {
	sm := scs.New()
	sm.Store = &sessionStore{e: e, saved: map[string]savedSession{}}
	sm.HashTokenInStore = true
	sm.Codec = sessionCodec{}
	sm.Lifetime, sm.IdleTimeout = opt.SessionLifetime, opt.SessionIdle
	sm.Cookie.Name = "mediation_session"
	if opt.Secure {
		sm.Cookie.Name, sm.Cookie.Secure = "__Host-mediation_session", true
	}
	sm.Cookie.HttpOnly, sm.Cookie.SameSite, sm.Cookie.Path = true, http.SameSiteLaxMode, "/"
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		slog.Error("session", "path", r.URL.Path, "err", err)
		http.Error(w, "系统错误，请稍后再试。", http.StatusInternalServerError)
	}
	return sm
}

// sessionUser returns the user of the request's session, or nil.
func (s *Server) sessionUser(c echo.Context) *engine.User {
	id := s.sessions.GetInt64(c.Request().Context(), sessionUserID)
	if id == 0 {
		return nil
	}
	u, err := s.users.find(c.Request().Context(), s.Accounts, id, s.Engine.Now())
	if err != nil || u.DisabledAt != nil {
		return nil
	}
	return u
}

// userCache keeps the users of sessions for userTTL, so that a burst of
// requests reads each once. Ending a user's sessions (a new password, a
// disabled account) ends them at once whatever it holds; a changed role or
// a password to change shows within userTTL on the other servers, and at
// once on this one, which forgets its users after every change of accounts.
type userCache struct {
	mu   sync.Mutex
	byID map[int64]cachedUser
}

type cachedUser struct {
	u  engine.User
	at time.Time
}

const userTTL = 2 * time.Second

// find returns a copy of the user with id, read again when older than
// userTTL by the engine's clock, now.
func (uc *userCache) find(ctx context.Context, e *account.Service, id int64, now time.Time) (*engine.User, error) {
	uc.mu.Lock()
	hit, ok := uc.byID[id]
	uc.mu.Unlock()
	if ok && now.Sub(hit.at) < userTTL {
		u := hit.u
		return &u, nil
	}
	u, err := e.FindUser(ctx, id)
	if err != nil {
		return nil, err
	}
	uc.mu.Lock()
	if uc.byID == nil || len(uc.byID) >= maxRemembered {
		uc.byID = map[int64]cachedUser{}
	}
	uc.byID[id] = cachedUser{*u, now}
	uc.mu.Unlock()
	return u, nil
}

// forget drops every user kept.
func (uc *userCache) forget() {
	uc.mu.Lock()
	uc.byID = nil
	uc.mu.Unlock()
}

// requireUser lets logged-in users through; others go to the login page
// (pages) or get 401 (API).
func (s *Server) requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := s.sessionUser(c)
		if u == nil {
			return engine.Errorf(engine.EUNAUTHORIZED, "请先登录。")
		}
		c.Set(userKey, u)
		// A password set by an administrator is replaced before anything
		// else is done.
		if u.MustChange && c.Path() != "/password" && c.Path() != "/logout" {
			if strings.HasPrefix(c.Path(), "/api/") {
				return engine.Errorf(engine.EFORBIDDEN, "请先在网页上修改管理员设置的临时密码。")
			}
			return c.Redirect(http.StatusSeeOther, "/password")
		}
		// What a logged-in user sees may hold parties' full ID numbers and
		// phones: no browser or proxy keeps a copy.
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}

func currentUser(c echo.Context) *engine.User {
	u, _ := c.Get(userKey).(*engine.User)
	return u
}

func actor(c echo.Context) engine.Actor { return currentUser(c).Actor() }

// csrf requires a random token back in the form's body (or, from
// scripts, the X-CSRF-Token header) of every POST: another site can make
// the browser send the cookies, but cannot read the token. A logged-in
// session keeps its token in the session, so that a token copied from
// another session is worth nothing; a visitor who has not logged in (the
// login, look-up and setup forms) gets it in a cookie of its own, and no
// session is stored for them.
func (s *Server) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token, err := s.csrfToken(c)
		if err != nil {
			return err
		}
		c.Set("csrf", token)
		// Scripts read it from any answer; another site's page cannot.
		c.Response().Header().Set("X-CSRF-Token", token)
		if c.Request().Method != http.MethodGet && c.Request().Method != http.MethodHead {
			// The token comes from the header or the form's body, never
			// from the address, which ends up in logs and Referer headers.
			sent := c.Request().Header.Get("X-CSRF-Token")
			if sent == "" {
				sent = c.Request().PostFormValue("csrf")
			}
			if subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
				return engine.Errorf(engine.EFORBIDDEN, "表单已过期（可能是页面停留太久，或用“后退”回到了旧页面），请刷新页面后重新提交。")
			}
		}
		return next(c)
	}
}

// csrfToken returns the token of the request's session, or of the
// visitor's cookie, making one if there is none yet.
func (s *Server) csrfToken(c echo.Context) (string, error) {
	ctx := c.Request().Context()
	if s.sessions.GetInt64(ctx, sessionUserID) != 0 {
		token := s.sessions.GetString(ctx, sessionCSRF)
		if token == "" {
			var err error
			if token, err = randomToken(); err != nil {
				return "", err
			}
			s.sessions.Put(ctx, sessionCSRF, token)
		}
		return token, nil
	}
	name := "mediation_csrf"
	if s.secure {
		name = "__Host-mediation_csrf"
	}
	if ck, err := c.Cookie(name); err == nil && len(ck.Value) == 32 {
		if _, err := hex.DecodeString(ck.Value); err == nil {
			return ck.Value, nil
		}
	}
	token, err := randomToken()
	if err != nil {
		return "", err
	}
	c.SetCookie(&http.Cookie{Name: name, Value: token, Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
	return token, nil
}

type loginData struct {
	Name  string
	Error string
	Demo  *demoData
}

type demoData struct {
	Password string
	Accounts []demo.Account
}

func (s *Server) handleLoginForm(c echo.Context) error {
	if s.sessionUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/cases")
	}
	return s.renderLogin(c, http.StatusOK, loginData{})
}

// renderLogin shows the login form and, on a server started with --demo,
// the demo's accounts still on its published password.
func (s *Server) renderLogin(c echo.Context, status int, d loginData) error {
	ctx := c.Request().Context()
	if s.demo {
		on, err := s.Accounts.DemoUsers(ctx)
		if err != nil {
			return err
		}
		d.Demo = &demoData{Password: demo.Password}
		for _, a := range demo.Accounts {
			if on[a.Name] {
				d.Demo.Accounts = append(d.Demo.Accounts, a)
			}
		}
		if len(d.Demo.Accounts) == 0 {
			d.Demo = nil
		}
	}
	return s.render(c, status, viewLogin, "登录", d)
}

func (s *Server) handleLogin(c echo.Context) error {
	name := strings.TrimSpace(c.FormValue("name"))
	u, err := s.Accounts.Login(c.Request().Context(), name, c.FormValue("password"), c.RealIP())
	switch engine.ErrorCode(err) {
	case "":
	case engine.EUNAUTHORIZED, engine.ETOOMANY:
		d := loginData{Name: engine.Printable(name, 64), Error: engine.ErrorMessage(err)}
		return s.renderLogin(c, statusOf[engine.ErrorCode(err)], d)
	default:
		return err
	}
	if err := s.startSession(c, u); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/cases")
}

// handleLogout ends the session in the database, on every server.
func (s *Server) handleLogout(c echo.Context) error {
	if err := s.sessions.Destroy(c.Request().Context()); err != nil {
		return err
	}
	if err := s.Engine.Audited(c.Request().Context(), actor(c), engine.AuditLogout, 0, ""); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}

// tokenHash is how the session manager stores a token (HashTokenInStore):
// the list of sessions marks the current one by it.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// handleSessions lists the user's live sessions, this one marked, each
// other one with a button that ends it.
func (s *Server) handleSessions(c echo.Context) error {
	ctx := c.Request().Context()
	list, err := s.Accounts.Sessions(ctx, actor(c), time.Now())
	if err != nil {
		return err
	}
	current := tokenHash(s.sessions.Token(ctx))
	type row struct {
		Session *account.WebSession
		Current bool
	}
	rows := make([]row, len(list))
	for i, ws := range list {
		rows[i] = row{ws, ws.Hash == current}
	}
	return s.render(c, http.StatusOK, viewSessions, "我的登录", map[string]any{"Rows": rows})
}

// handleEndSession ends one of the user's other sessions, wherever it is.
func (s *Server) handleEndSession(c echo.Context) error {
	ctx := c.Request().Context()
	hash := c.Request().PostFormValue("session")
	if hash == tokenHash(s.sessions.Token(ctx)) {
		return engine.Invalid("session", "要结束本次登录，请点“退出”。")
	}
	if err := s.Accounts.EndOwnSession(ctx, actor(c), hash, time.Now()); err != nil {
		return err
	}
	if err := s.Engine.Audited(ctx, actor(c), engine.AuditSessionEnded, 0, ""); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/sessions")
}

// handlePasswordForm asks for the current password and a new one.
func (s *Server) handlePasswordForm(c echo.Context) error {
	return s.render(c, http.StatusOK, viewPassword, "修改密码", map[string]any{"Forced": currentUser(c).MustChange, "Err": map[string]string{}})
}

// handlePassword sets the user's new password. Every session of the user
// ends, this one going on under a new token.
func (s *Server) handlePassword(c echo.Context) error {
	ctx := c.Request().Context()
	form := func(field, msg string) error {
		return s.render(c, http.StatusUnprocessableEntity, viewPassword, "修改密码",
			map[string]any{"Forced": currentUser(c).MustChange, "Err": map[string]string{field: msg}})
	}
	next := c.Request().PostFormValue("password")
	if next != c.Request().PostFormValue("repeat") {
		return form("repeat", "两次输入的新密码不一致。")
	}
	err := s.Accounts.ChangeOwnPassword(ctx, actor(c), c.Request().PostFormValue("current"), next)
	s.users.forget()
	if engine.ErrorCode(err) == engine.EINVALID {
		return form(engine.ErrorField(err), engine.ErrorMessage(err))
	}
	if err != nil {
		return err
	}
	if err := s.startSession(c, currentUser(c)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/cases")
}
