package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/grassroots/mediation/engine"
)

// Webhook sends each notification as a JSON POST to URL, which a deployment
// connects to its SMS gateway or messenger, or, for a notification to a
// partner's system, to the partner's own address. A delivery may come twice
// (after a timeout whose request did arrive, say): the receiver drops a
// repeated Idempotency-Key.
type Webhook struct {
	URL string
	// Client posts to URL, the operator's own gateway; Partners to the
	// partners' addresses, which administrators set (see PartnerClient).
	Client, Partners *http.Client
}

// NoRedirects makes a client answer a redirect as it came: a delivery
// that is redirected fails, rather than carrying the notification on to
// an address nobody checked.
func NoRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// PartnerClient is the client for partners' webhooks: it follows no
// redirect and connects to no address on this machine or the private
// network (engine.InternalHost), whatever a name resolves to, unless the
// webhook's host is one of allowed.
func PartnerClient(allowed []string) *http.Client {
	guarded := &net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil || engine.InternalHost(host) {
			return fmt.Errorf("notify: %s is on this machine or the private network; refused", address)
		}
		return nil
	}}
	open := &net.Dialer{Timeout: 10 * time.Second}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil
	transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		if engine.InternalHost(host) && engine.WebhookAllowed(host, allowed) {
			return open.DialContext(ctx, network, addr)
		}
		return guarded.DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: transport, CheckRedirect: NoRedirects}
}

// Delivery is the body of a webhook call.
type Delivery struct {
	Key        string    `json:"idempotency_key"`
	ID         int64     `json:"id"`
	Kind       string    `json:"kind"`
	KindLabel  string    `json:"kind_label"`
	CaseID     int64     `json:"case_id"`
	CaseNumber string    `json:"case_number"`
	Text       string    `json:"text"`
	CreatedAt  time.Time `json:"created_at"`
	// User is the recipient's account name; Phone a party's phone.
	User  string `json:"user,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// DeliveryKey is a notification's idempotency key: the same on every
// attempt, and never another's.
func DeliveryKey(n *engine.Notification) string {
	return "mediation-notification-" + strconv.FormatInt(n.ID, 10)
}

// Send posts one notification; any answer but 2xx is a failure.
func (w *Webhook) Send(ctx context.Context, n *engine.Notification) error {
	body, err := json.Marshal(Delivery{Key: DeliveryKey(n), ID: n.ID, Kind: n.Kind, KindLabel: engine.NotifyLabels[n.Kind], CaseID: n.CaseID,
		CaseNumber: n.CaseNumber, Text: n.Text, CreatedAt: n.CreatedAt, User: n.UserName, Phone: n.Phone})
	if err != nil {
		return err
	}
	to := w.URL
	if n.Webhook != "" {
		to = n.Webhook
	}
	if to == "" {
		return fmt.Errorf("no webhook configured (notify.webhook)")
	}
	ctx, cancel := context.WithTimeout(ctx, deliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, to, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", DeliveryKey(n))
	client := w.Client
	if n.Webhook != "" {
		client = w.Partners
	}
	if client == nil {
		client = &http.Client{CheckRedirect: NoRedirects}
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}

const (
	// deliveryTimeout bounds one webhook call.
	deliveryTimeout = 30 * time.Second
	// deliveryLease is how long a claimed notification is left to its
	// worker before another may take it: longer than a call.
	deliveryLease = 2 * time.Minute
	// deliveryBatch is how many notifications a pass claims at once.
	deliveryBatch = 100
	// maxBackoff caps the wait between a notification's attempts.
	maxBackoff = time.Hour
)

// backoff is the wait after a notification's nth failed attempt: 10
// seconds, doubling, at most maxBackoff.
func backoff(n int) time.Duration {
	d := 10 * time.Second
	for range min(max(n-1, 0), 10) {
		d *= 2
	}
	return min(d, maxBackoff)
}

// DeliverPass sends the notifications due for delivery now, a batch at a
// time, until none is due; a failed one is tried again after its backoff.
// Each is claimed first, so that two workers (on two servers) do not send
// it at once; a worker that stops mid-call leaves it to be claimed again
// after the lease, which is why delivery is at least once.
func (e *Service) DeliverPass(ctx context.Context, send func(context.Context, *engine.Notification) error) (sent, failed int, err error) {
	for {
		now := e.Now()
		batch, err := e.Store.ClaimDeliveries(ctx, now, now.Add(deliveryLease), deliveryBatch)
		if err != nil || len(batch) == 0 {
			return sent, failed, err
		}
		for _, n := range batch {
			problem := ""
			if err := send(ctx, n); err != nil {
				problem, failed = err.Error(), failed+1
			} else {
				sent++
			}
			if err := e.Store.Delivered(ctx, n.ID, e.Now(), problem, e.Now().Add(backoff(n.Attempts))); err != nil {
				return sent, failed, err
			}
		}
		if failed > 0 {
			// What failed waits for its backoff; the rest of the backlog
			// for the next pass.
			return sent, failed, nil
		}
	}
}

// RunDeliveries delivers the outbox every interval until ctx ends.
func (e *Service) RunDeliveries(ctx context.Context, send func(context.Context, *engine.Notification) error, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		sent, failed, err := e.DeliverPass(ctx, send)
		switch {
		case err != nil && ctx.Err() == nil:
			slog.Error("notification delivery", "err", err)
		case failed > 0:
			slog.Warn("notification delivery", "sent", sent, "failed", failed)
		case sent > 0:
			slog.Info("notification delivery", "sent", sent)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
