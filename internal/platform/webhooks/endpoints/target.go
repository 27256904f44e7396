package endpoints

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/tenantry/tenantry/internal/platform/outbound"
)

// checkURL validates an endpoint URL (outbound.CheckURL): absolute, https (http only to a loopback
// host when private addresses are allowed), no credentials or fragment, and, unless private
// addresses are allowed, no loopback, private or otherwise non-public address literal. Host names
// are resolved only when a delivery connects, where the dialer checks the address again.
func (s *Service) checkURL(raw string) (string, error) {
	u, err := outbound.CheckURL(raw, outbound.URLRules{Field: "body.url", AllowPrivate: s.cfg.AllowPrivate})
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// public reports whether a is a global unicast address outside private and reserved ranges.
func public(a netip.Addr) bool { return outbound.Public(a) }

// errRefusedAddress is the dialer's refusal of a non-public address.
var errRefusedAddress = errors.New("refused: the endpoint resolves to a loopback, private or reserved address")

// newClient returns the delivery client (outbound.Client): no proxy from the environment, no
// redirects followed (a redirect is a failed attempt), each connection's address checked after
// resolution.
func newClient(c Config) *http.Client {
	return outbound.Client(outbound.ClientConfig{Timeout: c.Timeout, AllowPrivate: c.AllowPrivate, Refused: errRefusedAddress, MaxIdleConns: 64})
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
