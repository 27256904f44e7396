package mail_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/platform/mail"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestSMTPSenderTLSModes sends one message in each TLS mode to a fake server that speaks real SMTP
// (STARTTLS and implicit TLS with a self-signed certificate) and checks what arrived and how.
func TestSMTPSenderTLSModes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		server  apitest.SMTPTLS
		mode    mail.TLSMode
		wantTLS bool
		wantErr bool
	}{
		{"opportunistic upgrades", apitest.SMTPStartTLS, mail.TLSOpportunistic, true, false},
		{"opportunistic without STARTTLS", apitest.SMTPPlain, mail.TLSOpportunistic, false, false},
		{"mandatory upgrades", apitest.SMTPStartTLS, mail.TLSMandatory, true, false},
		{"mandatory refuses a plain server", apitest.SMTPPlain, mail.TLSMandatory, false, true},
		{"none stays plain", apitest.SMTPStartTLS, mail.TLSNone, false, false},
		{"implicit", apitest.SMTPImplicit, mail.TLSImplicit, true, false},
		{"the default is opportunistic", apitest.SMTPStartTLS, "", true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := apitest.StartSMTPWith(t, apitest.SMTPOptions{TLS: c.server, Auth: true})
			s := mail.SMTPSender{Addr: srv.Addr(), From: "Tenantry <noreply@tenantry.example>", TLS: c.mode, TLSConfig: srv.ClientTLS()}
			if c.wantTLS { // credentials only where the server offers AUTH: over TLS
				s.Username, s.Password = "user", "secret"
			}
			err := s.Send(t.Context(), mail.Message{ID: "0192-abc", To: "ada@example.com", Subject: "Hello Ada",
				Body: "Open http://127.0.0.1:8080/accept?token=tnr_inv_" + strings.Repeat("x", 90) + "\nBye\n"})
			got := srv.Messages()
			if c.wantErr {
				if err == nil || len(got) != 0 {
					t.Fatalf("err %v, %d messages; want an error and none", err, len(got))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("%d messages, want 1", len(got))
			}
			m := got[0]
			if m.TLS != c.wantTLS {
				t.Errorf("over TLS: %v, want %v", m.TLS, c.wantTLS)
			}
			if wantLogin := map[bool]string{true: "user:secret", false: ""}[c.wantTLS]; m.Login != wantLogin {
				t.Errorf("login %q, want %q", m.Login, wantLogin)
			}
			if m.From != "noreply@tenantry.example" || len(m.To) != 1 || m.To[0] != "ada@example.com" {
				t.Errorf("envelope %q -> %q", m.From, m.To)
			}
			if id := m.Header("Message-Id"); id != "<0192-abc@tenantry.example>" {
				t.Errorf("Message-ID %q, want <0192-abc@tenantry.example>", id)
			}
			if m.Header("Subject") != "Hello Ada" || m.Header("Date") == "" {
				t.Errorf("headers:\n%s", m.Data)
			}
			if !strings.Contains(m.Text(), "token=tnr_inv_"+strings.Repeat("x", 90)+"\r\nBye") {
				t.Errorf("body:\n%s", m.Text())
			}
		})
	}
}

// TestSMTPSenderHeaderInjection: a subject with a line break cannot add a header.
func TestSMTPSenderHeaderInjection(t *testing.T) {
	t.Parallel()
	srv := apitest.StartSMTP(t)
	s := mail.SMTPSender{Addr: srv.Addr(), From: "noreply@tenantry.example"}
	if err := s.Send(t.Context(), mail.Message{To: "ada@example.com", Subject: "Hi\r\nBcc: eve@example.com", Body: "b"}); err != nil {
		t.Fatal(err)
	}
	m := srv.Messages()[0]
	if m.Header("Bcc") != "" || len(m.To) != 1 {
		t.Errorf("a header was injected:\n%s", m.Data)
	}
	if !strings.HasSuffix(m.Header("Message-Id"), "@tenantry.example>") {
		t.Errorf("a message without an outbox id has no Message-ID: %q", m.Header("Message-Id"))
	}
}

// TestSMTPSenderTimeouts: a server that accepts the connection and never answers fails the send
// once the timeout passes, in the greeting (send timeout) and in the implicit-TLS handshake
// (connect timeout), instead of holding the worker.
func TestSMTPSenderTimeouts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		server apitest.SMTPTLS
		sender mail.SMTPSender
	}{
		{"no greeting", apitest.SMTPPlain, mail.SMTPSender{SendTimeout: 200 * time.Millisecond, ConnectTimeout: time.Hour}},
		{"no TLS handshake", apitest.SMTPPlain, mail.SMTPSender{TLS: mail.TLSImplicit, ConnectTimeout: 200 * time.Millisecond, SendTimeout: time.Hour}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := apitest.StartSMTPWith(t, apitest.SMTPOptions{TLS: c.server, Silent: true})
			s := c.sender
			s.Addr, s.From, s.TLSConfig = srv.Addr(), "noreply@tenantry.example", srv.ClientTLS()
			done := make(chan error, 1)
			go func() {
				done <- s.Send(context.Background(), mail.Message{To: "ada@example.com", Subject: "s", Body: "b"})
			}()
			select {
			case err := <-done:
				if err == nil || !(errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded)) {
					t.Fatalf("err %v, want a timeout", err)
				}
			case <-time.After(time.Minute): // a guard against hanging, far beyond the timeout
				t.Fatal("the send did not time out")
			}
		})
	}
}

func TestParseTLSMode(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"opportunistic", "mandatory", "none", "implicit"} {
		if m, err := mail.ParseTLSMode(s); err != nil || string(m) != s {
			t.Errorf("%s: %v %v", s, m, err)
		}
	}
	if _, err := mail.ParseTLSMode("starttls"); err == nil {
		t.Error("an unknown mode parsed")
	}
}
