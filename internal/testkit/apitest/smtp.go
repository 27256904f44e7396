package apitest

import (
	"net"
	"net/textproto"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// SMTP is a minimal SMTP server (RFC 5321 subset: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
// QUIT) that keeps every message it receives, for tests of the mail outbox.
type SMTP struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []string
}

// StartSMTP starts a fake SMTP server on a loopback port; it stops when the test ends.
func StartSMTP(t testing.TB) *SMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &SMTP{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go f.serve()
	return f
}

// Addr is the server's host:port.
func (f *SMTP) Addr() string { return f.ln.Addr().String() }

func (f *SMTP) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		go f.session(c)
	}
}

func (f *SMTP) session(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	_ = tp.PrintfLine("220 fake ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.Fields(line + " x")[0])
		switch verb {
		case "EHLO", "HELO":
			_ = tp.PrintfLine("250 fake")
		case "MAIL", "RCPT", "RSET", "NOOP":
			_ = tp.PrintfLine("250 ok")
		case "DATA":
			_ = tp.PrintfLine("354 go ahead")
			body, err := tp.ReadDotLines()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.msgs = append(f.msgs, strings.Join(body, "\n"))
			f.mu.Unlock()
			_ = tp.PrintfLine("250 queued")
		case "QUIT":
			_ = tp.PrintfLine("221 bye")
			return
		default:
			_ = tp.PrintfLine("502 not implemented")
		}
	}
}

var invitationToken = regexp.MustCompile(`tnr_inv_[A-Za-z0-9]+`)

// TokenFor returns the invitation token of the newest message to addr, or "" if none came.
func (f *SMTP) TokenFor(addr string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.msgs) - 1; i >= 0; i-- {
		if strings.Contains(f.msgs[i], "To: "+addr) {
			return invitationToken.FindString(f.msgs[i])
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
		if strings.Contains(f.msgs[i], "To: "+addr) {
			if tok := re.FindString(f.msgs[i]); tok != "" {
				return tok
			}
		}
	}
	return ""
}
