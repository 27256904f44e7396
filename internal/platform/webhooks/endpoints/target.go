package endpoints

import (
	"context"
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

// checkURL validates an endpoint URL: absolute, https (http only to a loopback host when private
// addresses are allowed), no credentials or fragment, and, unless private addresses are allowed,
// no loopback, private or otherwise non-public address literal. Host names are resolved only when
// a delivery connects, where the dialer checks the address again (a name may change its address).
func (s *Service) checkURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || !u.IsAbs() || u.Host == "" || u.Hostname() == "" {
		return "", errs.Invalidf("body.url", "must be an absolute https URL")
	}
	if u.User != nil || u.Fragment != "" {
		return "", errs.Invalidf("body.url", "must carry no credentials and no fragment")
	}
	host := strings.ToLower(u.Hostname())
	addr, perr := netip.ParseAddr(strings.Trim(host, "[]"))
	isIP := perr == nil
	loopback := host == "localhost" || strings.HasSuffix(host, ".localhost") || isIP && addr.Unmap().IsLoopback()
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && loopback && s.cfg.AllowPrivate:
	default:
		return "", errs.Invalidf("body.url", "must use https")
	}
	if !s.cfg.AllowPrivate && (loopback || isIP && !public(addr)) {
		return "", errs.Invalidf("body.url", "must not point at a loopback, private or reserved address")
	}
	return u.String(), nil
}

// reserved are the ranges outside the private, loopback, link-local and multicast ones that
// netip reports, which no public endpoint uses.
var reserved = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"), netip.MustParsePrefix("240.0.0.0/4"), netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("100::/64"), netip.MustParsePrefix("2001:db8::/32"),
}

// public reports whether a is a global unicast address outside private and reserved ranges.
func public(a netip.Addr) bool {
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

// errRefusedAddress is the dialer's refusal of a non-public address.
var errRefusedAddress = errors.New("refused: the endpoint resolves to a loopback, private or reserved address")

// newClient returns the delivery client: no proxy from the environment, no redirects followed (a
// redirect is a failed attempt), each connection's address checked after resolution.
func newClient(c Config) *http.Client {
	d := &net.Dialer{Timeout: c.Timeout, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("webhooks: dial %s: %w", address, err)
		}
		if !c.AllowPrivate && !public(ap.Addr()) {
			return errRefusedAddress
		}
		return nil
	}}
	tr := &http.Transport{
		Proxy: nil, DialContext: d.DialContext, TLSHandshakeTimeout: c.Timeout, ResponseHeaderTimeout: c.Timeout,
		MaxIdleConns: 64, MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second, ForceAttemptHTTP2: true,
	}
	return &http.Client{Transport: tr, Timeout: c.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// post sends one attempt and returns the response status (0 without a response) and the error
// that makes it a failure (a non-2xx status included).
func (s *Service) post(ctx context.Context, target string, headers map[string]string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(string(body)))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Tenantry-Webhooks/1")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	buf := make([]byte, 4096) // read a little of the answer so the connection can be reused
	_, _ = res.Body.Read(buf)
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, fmt.Errorf("the endpoint answered %d", res.StatusCode)
	}
	return res.StatusCode, nil
}
