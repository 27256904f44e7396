// Package outbound guards the HTTP calls Tenantry makes to addresses a tenant chose (webhook
// endpoints, PSA sites): the URL check at registration and the client whose dialer checks every
// resolved address again, so a name that later resolves to a private address is still refused.
package outbound

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/tenantry/tenantry/internal/errs"
)

// URLRules is what CheckURL admits besides an absolute https URL without credentials or fragment.
type URLRules struct {
	Field        string // the problem's location, such as "body.url"
	AllowPrivate bool   // loopback, private and reserved addresses, and http:// to a loopback host
	NoQuery      bool   // refuse a query string too
}

// CheckURL validates raw: absolute, https (http only to a loopback host when private addresses are
// allowed), no credentials or fragment, and, unless private addresses are allowed, no loopback,
// private or reserved address literal. Host names are not resolved here: the client's dialer checks
// the address each connection resolves to.
func CheckURL(raw string, r URLRules) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || !u.IsAbs() || u.Host == "" || u.Hostname() == "" {
		return nil, errs.Invalidf(r.Field, "must be an absolute https URL")
	}
	if u.User != nil || u.Fragment != "" || r.NoQuery && u.RawQuery != "" {
		if r.NoQuery {
			return nil, errs.Invalidf(r.Field, "must carry no credentials, query or fragment")
		}
		return nil, errs.Invalidf(r.Field, "must carry no credentials and no fragment")
	}
	host := strings.ToLower(u.Hostname())
	addr, perr := netip.ParseAddr(strings.Trim(host, "[]"))
	isIP := perr == nil
	loopback := host == "localhost" || strings.HasSuffix(host, ".localhost") || isIP && addr.Unmap().IsLoopback()
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && loopback && r.AllowPrivate:
	default:
		return nil, errs.Invalidf(r.Field, "must use https")
	}
	if !r.AllowPrivate && (loopback || isIP && !Public(addr)) {
		return nil, errs.Invalidf(r.Field, "must not point at a loopback, private or reserved address")
	}
	return u, nil
}

// reserved are the ranges outside the private, loopback, link-local and multicast ones that netip
// reports, which no public service uses.
var reserved = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"), netip.MustParsePrefix("240.0.0.0/4"), netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("100::/64"), netip.MustParsePrefix("2001:db8::/32"),
}

// Public reports whether a is a global unicast address outside private and reserved ranges.
func Public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, p := range reserved {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// ClientConfig shapes a guarded client.
type ClientConfig struct {
	Timeout      time.Duration // connection, TLS handshake, response headers and the whole call
	AllowPrivate bool          // let the dialer reach non-public addresses
	Refused      error         // the dial error for a non-public address
	MaxIdleConns int
}

// Client returns an HTTP client with no proxy from the environment, no redirects followed (the
// redirect is the answer) and a dialer that refuses non-public addresses unless allowed.
func Client(c ClientConfig) *http.Client {
	refused := c.Refused
	if refused == nil {
		refused = errors.New("refused: the address is loopback, private or reserved")
	}
	d := &net.Dialer{Timeout: c.Timeout, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("outbound: dial %s: %w", address, err)
		}
		if !c.AllowPrivate && !Public(ap.Addr()) {
			return refused
		}
		return nil
	}}
	tr := &http.Transport{
		Proxy: nil, DialContext: d.DialContext, TLSHandshakeTimeout: c.Timeout, ResponseHeaderTimeout: c.Timeout,
		MaxIdleConns: c.MaxIdleConns, MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second, ForceAttemptHTTP2: true,
	}
	return &http.Client{Transport: tr, Timeout: c.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
