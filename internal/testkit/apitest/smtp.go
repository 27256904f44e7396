package apitest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// SMTPTLS is how a fake SMTP server offers TLS.
type SMTPTLS int

// The fake server's TLS modes.
const (
	SMTPPlain    SMTPTLS = iota // no TLS: STARTTLS is not offered
	SMTPStartTLS                // STARTTLS offered (a self-signed certificate for 127.0.0.1)
	SMTPImplicit                // TLS from the first byte, as on port 465
)

// SMTPOptions change how a fake SMTP server behaves.
type SMTPOptions struct {
	TLS SMTPTLS
	// Silent accepts connections and never answers (for timeouts).
	Silent bool
	// FailFirst answers the DATA of the first n messages with a temporary failure (451).
	FailFirst int
	// Auth offers AUTH PLAIN (over TLS only, as real servers do) and records the credentials.
	Auth bool
}

// Received is one message a fake SMTP server accepted.
type Received struct {
	From  string   // envelope sender
	To    []string // envelope recipients
	Data  string   // the message as sent (headers and encoded body)
	TLS   bool     // the message came over TLS (STARTTLS or implicit)
	Login string   // the user that authenticated ("" without AUTH)
}

// Header returns the message's header name ("" if it has none or does not parse).
func (r Received) Header(name string) string {
	m, err := mail.ReadMessage(strings.NewReader(r.Data))
	if err != nil {
		return ""
	}
	return m.Header.Get(name)
}

// Text returns the message's body, decoded from its transfer encoding.
func (r Received) Text() string {
	m, err := mail.ReadMessage(strings.NewReader(r.Data))
	if err != nil {
		return ""
	}
	body := m.Body
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, _ := io.ReadAll(body)
	return string(b)
}

// SMTP is a minimal SMTP server (RFC 5321 subset: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT,
// and as configured STARTTLS, implicit TLS and AUTH PLAIN) that keeps every message it receives,
// for tests of the mail outbox and the SMTP sender.
type SMTP struct {
	ln       net.Listener
	o        SMTPOptions
	cert     tls.Certificate
	roots    *x509.CertPool
	mu       sync.Mutex
	msgs     []Received
	failed   int
	conns    []net.Conn
	sessions sync.WaitGroup
}

// StartSMTP starts a fake SMTP server (plain text) on a loopback port; it stops when the test ends.
func StartSMTP(t testing.TB) *SMTP { return StartSMTPWith(t, SMTPOptions{}) }

// StartSMTPWith starts a fake SMTP server with options on a loopback port; it stops when the test
// ends.
func StartSMTPWith(t testing.TB, o SMTPOptions) *SMTP {
	t.Helper()
	f := &SMTP{o: o}
	f.cert, f.roots = selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if o.TLS == SMTPImplicit {
		ln = tls.NewListener(ln, f.serverTLS())
	}
	f.ln = ln
	t.Cleanup(f.close)
	go f.serve()
	return f
}

// Addr is the server's host:port.
func (f *SMTP) Addr() string { return f.ln.Addr().String() }

// ClientTLS is a client configuration that trusts the server's self-signed certificate.
func (f *SMTP) ClientTLS() *tls.Config {
	return &tls.Config{RootCAs: f.roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// Messages returns the messages accepted so far.
func (f *SMTP) Messages() []Received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Received(nil), f.msgs...)
}

// Refused returns how many messages were answered with a temporary failure (FailFirst).
func (f *SMTP) Refused() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}

func (f *SMTP) serverTLS() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{f.cert}, MinVersion: tls.VersionTLS12}
}

func (f *SMTP) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.conns = append(f.conns, c)
		f.mu.Unlock()
		f.sessions.Go(func() { f.session(c) })
	}
}

// close stops the server: the listener and every connection still open, then waits for the
// sessions to end.
func (f *SMTP) close() {
	_ = f.ln.Close()
	f.mu.Lock()
	for _, c := range f.conns {
		_ = c.Close()
	}
	f.mu.Unlock()
	f.sessions.Wait()
}

// smtpSession is the state of one connection.
type smtpSession struct {
	c     net.Conn
	tp    *textproto.Conn
	tls   bool
	login string
	from  string
	to    []string
}

func (f *SMTP) session(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Minute))
	if f.o.Silent {
		_, _ = io.Copy(io.Discard, c) // until the client gives up
		return
	}
	s := &smtpSession{c: c, tp: textproto.NewConn(c), tls: f.o.TLS == SMTPImplicit}
	_ = s.tp.PrintfLine("220 fake ESMTP")
	for {
		line, err := s.tp.ReadLine()
		if err != nil {
			return
		}
		if !f.command(s, line) {
			return
		}
	}
}

// command answers one command line; false ends the session.
func (f *SMTP) command(s *smtpSession, line string) bool {
	fields := strings.Fields(line + " x")
	switch verb := strings.ToUpper(fields[0]); verb {
	case "EHLO":
		ext := []string{"fake"}
		if f.o.TLS == SMTPStartTLS && !s.tls {
			ext = append(ext, "STARTTLS")
		}
		if f.o.Auth && s.tls {
			ext = append(ext, "AUTH PLAIN")
		}
		for i, e := range ext {
			sep := "-"
			if i == len(ext)-1 {
				sep = " "
			}
			_ = s.tp.PrintfLine("250%s%s", sep, e)
		}
	case "HELO", "RSET", "NOOP":
		s.from, s.to = "", nil
		_ = s.tp.PrintfLine("250 ok")
	case "STARTTLS":
		if f.o.TLS != SMTPStartTLS || s.tls {
			_ = s.tp.PrintfLine("502 not offered")
			return true
		}
		_ = s.tp.PrintfLine("220 go ahead")
		tc := tls.Server(s.c, f.serverTLS())
		if err := tc.Handshake(); err != nil {
			return false
		}
		s.c, s.tp, s.tls = tc, textproto.NewConn(tc), true
	case "AUTH":
		return f.auth(s, line)
	case "MAIL":
		s.from = address(line)
		_ = s.tp.PrintfLine("250 ok")
	case "RCPT":
		s.to = append(s.to, address(line))
		_ = s.tp.PrintfLine("250 ok")
	case "DATA":
		return f.data(s)
	case "QUIT":
		_ = s.tp.PrintfLine("221 bye")
		return false
	default:
		_ = s.tp.PrintfLine("502 not implemented")
	}
	return true
}

// auth takes AUTH PLAIN, with the credentials on the line or on the next.
func (f *SMTP) auth(s *smtpSession, line string) bool {
	fields := strings.Fields(line)
	if !f.o.Auth || !s.tls || len(fields) < 2 || !strings.EqualFold(fields[1], "PLAIN") {
		_ = s.tp.PrintfLine("504 not offered")
		return true
	}
	resp := ""
	if len(fields) > 2 {
		resp = fields[2]
	} else {
		_ = s.tp.PrintfLine("334 ")
		var err error
		if resp, err = s.tp.ReadLine(); err != nil {
			return false
		}
	}
	raw, err := base64.StdEncoding.DecodeString(resp)
	parts := strings.Split(string(raw), "\x00")
	if err != nil || len(parts) != 3 {
		_ = s.tp.PrintfLine("535 bad credentials")
		return true
	}
	s.login = parts[1] + ":" + parts[2]
	_ = s.tp.PrintfLine("235 ok")
	return true
}

func (f *SMTP) data(s *smtpSession) bool {
	_ = s.tp.PrintfLine("354 go ahead")
	body, err := s.tp.ReadDotBytes()
	if err != nil {
		return false
	}
	f.mu.Lock()
	fail := f.failed < f.o.FailFirst
	if fail {
		f.failed++
	} else {
		f.msgs = append(f.msgs, Received{From: s.from, To: s.to, Data: strings.ReplaceAll(string(body), "\n", "\r\n"), TLS: s.tls, Login: s.login})
	}
	f.mu.Unlock()
	if fail {
		_ = s.tp.PrintfLine("451 try again later")
	} else {
		_ = s.tp.PrintfLine("250 queued")
	}
	s.from, s.to = "", nil
	return true
}

// address is the address in "MAIL FROM:<a> ..." or "RCPT TO:<a>".
func address(line string) string {
	i, j := strings.Index(line, "<"), strings.Index(line, ">")
	if i < 0 || j < i {
		return ""
	}
	return line[i+1 : j]
}

// selfSigned makes a self-signed certificate for 127.0.0.1 and the pool that trusts it.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fake smtp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

var invitationToken = regexp.MustCompile(`tnr_inv_[A-Za-z0-9]+`)

// to reports whether r was sent to addr (its envelope).
func (r Received) to(addr string) bool {
	for _, a := range r.To {
		if strings.EqualFold(a, addr) {
			return true
		}
	}
	return false
}

// TokenFor returns the invitation token of the newest message to addr, or "" if none came.
func (f *SMTP) TokenFor(addr string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.msgs) - 1; i >= 0; i-- {
		if f.msgs[i].to(addr) {
			return invitationToken.FindString(f.msgs[i].Text())
		}
	}
	return ""
}

// Token returns the token of kind (tnr_<kind>_...) in the newest message to addr that carries
// one, or "".
func (f *SMTP) Token(addr, kind string) string {
	re := regexp.MustCompile(`tnr_` + regexp.QuoteMeta(kind) + `_[A-Za-z0-9]+`)
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.msgs) - 1; i >= 0; i-- {
		if f.msgs[i].to(addr) {
			if tok := re.FindString(f.msgs[i].Text()); tok != "" {
				return tok
			}
		}
	}
	return ""
}
