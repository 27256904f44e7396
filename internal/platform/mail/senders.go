package mail

import (
	"context"
	"fmt"
	"log/slog"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tenantry/tenantry/internal/tenancy"
)

// SMTPSender sends through an SMTP server (STARTTLS when the server offers it).
type SMTPSender struct {
	Addr     string // host:port
	From     string
	Username string // optional PLAIN authentication
	Password string
}

// Send implements Sender.
func (s SMTPSender) Send(_ context.Context, m Message) error {
	var auth smtp.Auth
	if s.Username != "" {
		host := s.Addr
		if i := strings.LastIndex(host, ":"); i >= 0 {
			host = host[:i]
		}
		auth = smtp.PlainAuth("", s.Username, s.Password, host)
	}
	if err := smtp.SendMail(s.Addr, auth, s.From, []string{m.To}, format(s.From, m)); err != nil {
		return fmt.Errorf("mail: smtp: %w", err)
	}
	return nil
}

// format renders m as an RFC 5322 message. Header values come from our own templates; CR and LF
// are removed anyway so no header can be injected.
func format(from string, m Message) []byte {
	clean := func(s string) string { return strings.NewReplacer("\r", "", "\n", " ").Replace(s) }
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n", clean(from), clean(m.To), clean(m.Subject), time.Now().UTC().Format(time.RFC1123Z))
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
	path := filepath.Join(s.Dir, tenancy.NewID().String()+".eml")
	if err := os.WriteFile(path, format(s.From, m), 0o600); err != nil {
		return fmt.Errorf("mail: file sender: %w", err)
	}
	s.Log.InfoContext(ctx, "mail: written to a file (development sender)", "path", path)
	return nil
}
