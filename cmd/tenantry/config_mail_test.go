package main

import (
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/platform/mail"
)

func TestPublicURLDefaultsFromTheListenAddress(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080", ":9000": "http://127.0.0.1:9000", "0.0.0.0:80": "http://127.0.0.1:80",
		"[::]:8443": "http://127.0.0.1:8443", "api.example.org:8080": "http://api.example.org:8080", "[::1]:8080": "http://[::1]:8080",
	} {
		if got := publicURLOf(addr); got != want {
			t.Errorf("%s: %s, want %s", addr, got, want)
		}
	}
}

func TestMailConfig(t *testing.T) {
	t.Parallel()
	env := map[string]string{"TENANTRY_SMTP_TLS": "implicit", "TENANTRY_SMTP_SEND_TIMEOUT": "5s", "TENANTRY_PUBLIC_URL": "https://x.example/"}
	c, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTPTLS != mail.TLSImplicit || c.SMTPSend != 5*time.Second || c.SMTPConnect != 10*time.Second || c.PublicURL != "https://x.example" {
		t.Errorf("%+v", c)
	}
	key := "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=" // 32 bytes
	c.JWTKey, c.SecretKey = key, key
	app, err := c.appConfig()
	if err != nil {
		t.Fatal(err)
	}
	if app.SMTP.TLS != mail.TLSImplicit || app.SMTP.SendTimeout != 5*time.Second || app.SMTP.ConnectTimeout != 10*time.Second {
		t.Errorf("the sender does not get the settings: %+v", app.SMTP)
	}
	env["TENANTRY_SMTP_TLS"] = "starttls"
	if _, err := loadConfig(func(k string) string { return env[k] }); err == nil {
		t.Error("an unknown TLS mode was accepted")
	}
}
