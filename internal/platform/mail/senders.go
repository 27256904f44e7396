package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/tenantry/tenantry/internal/tenancy"
)

// TLSMode is how the SMTP sender protects the connection.
type TLSMode string

// The TLS modes (TENANTRY_SMTP_TLS).
const (
	TLSOpportunistic TLSMode = "opportunistic" // STARTTLS when the server offers it, else plain text
	TLSMandatory     TLSMode = "mandatory"     // STARTTLS required: a server without it is an error
	TLSNone          TLSMode = "none"          // plain text, never STARTTLS (a local relay)
	TLSImplicit      TLSMode = "implicit"      // TLS from the first byte (port 465, "SMTPS")
)

// ParseTLSMode parses a TLS mode by name.
func ParseTLSMode(s string) (TLSMode, error) {
	switch m := TLSMode(s); m {
	case TLSOpportunistic, TLSMandatory, TLSNone, TLSImplicit:
		return m, nil
	}
	return "", fmt.Errorf("unknown TLS mode %q: want opportunistic, mandatory, none or implicit", s)
}

// Default timeouts of SMTPSender.
const (
	DefaultConnectTimeout = 10 * time.Second
	DefaultSendTimeout    = 30 * time.Second
)

// SMTPSender sends through an SMTP server with github.com/wneessen/go-mail: one connection per
// message, bounded by timeouts, so a mail server that hangs fails the attempt (and the job retries
// it) instead of holding a worker.
type SMTPSender struct {
	Addr     string // host:port
	From     string
	Username string // optional authentication (PLAIN, or what the server offers, over TLS)
	Password string
	TLS      TLSMode // default opportunistic
	// ConnectTimeout bounds connecting (and, with implicit TLS, the handshake); default 10 s
	// (connecting is bounded by the shorter of the two timeouts).
	ConnectTimeout time.Duration
	// SendTimeout bounds each step of the conversation once connected (greeting, commands, the
	// message); default 30 s.
	SendTimeout time.Duration
	// TLSConfig verifies the server; nil: the system's roots for the host of Addr. Tests give
	// their own roots.
	TLSConfig *tls.Config
}

// Send implements Sender.
func (s SMTPSender) Send(ctx context.Context, m Message) error {
	msg, err := render(s.From, m)
	if err != nil {
		return err
	}
	client, err := s.client()
	if err != nil {
		return fmt.Errorf("mail: smtp: %w", err)
	}
	// The context bounds connecting only (go-mail dials with it); the connection's deadline, renewed
	// by go-mail for each step, bounds the rest.
	dctx, cancel := context.WithTimeout(ctx, s.connectTimeout())
	defer cancel()
	if err := client.DialAndSendWithContext(dctx, msg); err != nil {
		return fmt.Errorf("mail: smtp %s: %w", s.Addr, err)
	}
	return nil
}

func (s SMTPSender) connectTimeout() time.Duration {
	if s.ConnectTimeout > 0 {
		return s.ConnectTimeout
	}
	return DefaultConnectTimeout
}

// client configures a go-mail client for one message.
func (s SMTPSender) client() (*gomail.Client, error) {
	host, portText, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return nil, fmt.Errorf("TENANTRY_SMTP_ADDR %q: %w", s.Addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("TENANTRY_SMTP_ADDR %q: bad port", s.Addr)
	}
	send := s.SendTimeout
	if send <= 0 {
		send = DefaultSendTimeout
	}
	tc := s.TLSConfig
	if tc == nil {
		tc = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tc = tc.Clone()
	if tc.ServerName == "" {
		tc.ServerName = host
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(send),
		gomail.WithTLSConfig(tc), gomail.WithHELO(helo(s.From))}
	switch s.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSMandatory:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	return gomail.NewClient(host, opts...)
}

// helo is the name the sender greets with: the domain of the sender address ("localhost" without one).
func helo(from string) string {
	if d := domain(from); d != "" {
		return d
	}
	return "localhost"
}

// domain returns the domain of an address ("" without one).
func domain(addr string) string {
	addr = strings.TrimSuffix(strings.TrimSpace(addr), ">")
	if i := strings.LastIndex(addr, "@"); i >= 0 && i < len(addr)-1 {
		return addr[i+1:]
	}
	return ""
}

// render builds the RFC 5322 message of m: From, To, Subject, Date, a Message-ID (stable for an
// outbox message, so a message sent again after a crash can be recognised as the same one) and a
// plain-text UTF-8 body. go-mail encodes header values, so none can inject another header.
func render(from string, m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("mail: sender address: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("mail: recipient address: %w", err)
	}
	msg.Subject(strings.NewReplacer("\r", "", "\n", " ").Replace(m.Subject))
	msg.SetDate()
	id := m.ID
	if id == "" {
		id = newMessageID()
	}
	dom := domain(from)
	if dom == "" {
		dom = "localhost"
	}
	msg.SetMessageIDWithValue(id + "@" + dom)
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	return msg, nil
}

// format renders m for the development sender's file: the headers a mail client shows (with the
// Message-ID an SMTP message gets) and the body as written, so a developer (and the smoke test)
// reads links and tokens as they are. CR and LF are removed from header values.
func format(from string, m Message) []byte {
	clean := func(s string) string { return strings.NewReplacer("\r", "", "\n", " ").Replace(s) }
	dom := domain(from)
	if dom == "" {
		dom = "localhost"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@%s>\r\n", clean(from), clean(m.To),
		clean(m.Subject), time.Now().UTC().Format(time.RFC1123Z), clean(m.ID), dom)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(m.Body, "\n", "\r\n"))
	return []byte(b.String())
}

// FileSender writes each message to a file (mode 0600) in Dir: the development sender. The log
// gets the file name, never the content, which may hold a single-use link.
type FileSender struct {
	Dir  string
	From string
	Log  *slog.Logger
}

// Send implements Sender.
func (s FileSender) Send(ctx context.Context, m Message) error {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("mail: file sender: %w", err)
	}
	if m.ID == "" {
		m.ID = newMessageID()
	}
	path := filepath.Join(s.Dir, m.ID+".eml")
	if err := os.WriteFile(path, format(s.From, m), 0o600); err != nil {
		return fmt.Errorf("mail: file sender: %w", err)
	}
	s.Log.InfoContext(ctx, "mail: written to a file (development sender)", "path", path)
	return nil
}

// newMessageID is the local part of the Message-ID of a message that has no outbox id.
func newMessageID() string { return tenancy.NewID().String() }
