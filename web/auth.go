package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/grassroots/mediation/engine"
	"github.com/grassroots/mediation/engine/demo"
	"github.com/labstack/echo/v4"
)

const (
	sessionCookie = "mediation_session"
	csrfCookie    = "mediation_csrf"
	sessionTTL    = 12 * time.Hour
	userKey       = "user"
)

// sign returns the HMAC of value under the server's secret.
func (s *Server) sign(value string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// setSession writes a signed cookie naming the user until it expires.
func (s *Server) setSession(c echo.Context, u *engine.User) {
	exp := s.Engine.Now().Add(sessionTTL).Unix()
	v := fmt.Sprintf("%d.%d", u.ID, exp)
	s.setCookie(c, sessionCookie, v+"."+s.sign(v), sessionTTL)
}

func (s *Server) setCookie(c echo.Context, name, value string, ttl time.Duration) {
	c.SetCookie(&http.Cookie{Name: name, Value: value, Path: "/", MaxAge: int(ttl.Seconds()),
		HttpOnly: true, Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// sessionUser returns the user of a valid session cookie, or nil.
func (s *Server) sessionUser(c echo.Context) *engine.User {
	ck, err := c.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	parts := strings.Split(ck.Value, ".")
	if len(parts) != 3 || !hmac.Equal([]byte(s.sign(parts[0]+"."+parts[1])), []byte(parts[2])) {
		return nil
	}
	id, err1 := strconv.ParseInt(parts[0], 10, 64)
	exp, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || s.Engine.Now().Unix() > exp {
		return nil
	}
	u, err := s.Engine.FindUser(c.Request().Context(), id)
	if err != nil {
		return nil
	}
	return u
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

// csrf gives every browser a random token in a cookie and requires it back in
// the form (or, from scripts, the X-CSRF-Token header) of every POST (double
// submit): another site can make the browser send the cookie, but cannot
// read it to fill the form.
func (s *Server) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := ""
		if ck, err := c.Cookie(csrfCookie); err == nil && len(ck.Value) == 32 {
			token = ck.Value
		} else {
			b := make([]byte, 16)
			if _, err := rand.Read(b); err != nil {
				return err
			}
			token = hex.EncodeToString(b)
			s.setCookie(c, csrfCookie, token, 24*time.Hour)
		}
		c.Set("csrf", token)
		if c.Request().Method != http.MethodGet && c.Request().Method != http.MethodHead {
			// The token comes from the header or the form's body, never
			// from the address, which ends up in logs and Referer headers.
			sent := c.Request().Header.Get("X-CSRF-Token")
			if sent == "" {
				sent = c.Request().PostFormValue("csrf")
			}
			if subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
				return engine.Errorf(engine.EFORBIDDEN, "表单已过期或来源不明，请刷新页面后重新提交。")
			}
		}
		return next(c)
	}
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

func (s *Server) renderLogin(c echo.Context, status int, d loginData) error {
	if pw, err := s.Engine.Setting(c.Request().Context(), demo.PasswordSetting); err == nil && pw != "" {
		d.Demo = &demoData{Password: pw, Accounts: demo.Accounts}
	}
	return s.render(c, status, "login", "登录", d)
}

func (s *Server) handleLogin(c echo.Context) error {
	name := strings.TrimSpace(c.FormValue("name"))
	key := c.RealIP() + "|" + name
	if !s.limiter.allow(key) {
		return s.renderLogin(c, http.StatusTooManyRequests, loginData{Name: name, Error: "登录失败次数过多，请5分钟后再试。"})
	}
	u, err := s.Engine.Authenticate(c.Request().Context(), name, c.FormValue("password"))
	if engine.ErrorCode(err) == engine.EUNAUTHORIZED {
		s.limiter.fail(key)
		return s.renderLogin(c, http.StatusUnauthorized, loginData{Name: name, Error: engine.ErrorMessage(err)})
	}
	if err != nil {
		return err
	}
	s.limiter.reset(key)
	s.setSession(c, u)
	return c.Redirect(http.StatusSeeOther, "/cases")
}

func (s *Server) handleLogout(c echo.Context) error {
	s.setCookie(c, sessionCookie, "", -time.Second)
	return c.Redirect(http.StatusSeeOther, "/login")
}

// limiter counts failed logins per key in a window. It lives in memory: with
// several servers an attacker gets each one's allowance, which still bounds
// guessing.
type limiter struct {
	now    func() time.Time
	mu     sync.Mutex
	max    int
	window time.Duration
	fails  map[string][]time.Time
}

func newLimiter(now func() time.Time, max int, window time.Duration) *limiter {
	return &limiter{now: now, max: max, window: window, fails: map[string][]time.Time{}}
}

func (l *limiter) recent(key string, now time.Time) []time.Time {
	var keep []time.Time
	for _, t := range l.fails[key] {
		if now.Sub(t) < l.window {
			keep = append(keep, t)
		}
	}
	if keep == nil {
		delete(l.fails, key)
	} else {
		l.fails[key] = keep
	}
	return keep
}

func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(key, l.now())) < l.max
}

func (l *limiter) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.fails[key] = append(l.recent(key, now), now)
}

func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}
