package endpoints

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/errs"
)

// TestCheckURL: only https to a public host unless private addresses are allowed; then http to a
// loopback host too.
func TestCheckURL(t *testing.T) {
	t.Parallel()
	strict, open := &Service{cfg: Config{}}, &Service{cfg: Config{AllowPrivate: true}}
	cases := []struct {
		url          string
		strict, open bool // accepted
	}{
		{"https://hooks.example.com/x", true, true},
		{"https://93.184.216.34/x", true, true},
		{"http://hooks.example.com/x", false, false},
		{"http://127.0.0.1:8080/x", false, true},
		{"http://localhost/x", false, true},
		{"https://127.0.0.1/x", false, true},
		{"https://10.1.2.3/x", false, true},
		{"https://169.254.169.254/latest/meta-data", false, true},
		{"https://[::1]/x", false, true},
		{"https://[::ffff:192.168.0.1]/x", false, true},
		{"https://100.64.0.1/x", false, true},
		{"https://user:pw@hooks.example.com/x", false, false},
		{"ftp://hooks.example.com/x", false, false},
		{"/relative", false, false},
	}
	for _, c := range cases {
		for _, s := range []struct {
			svc  *Service
			want bool
		}{{strict, c.strict}, {open, c.open}} {
			_, err := s.svc.checkURL(c.url)
			if (err == nil) != s.want || err != nil && !errs.Is(err, errs.Invalid) {
				t.Errorf("%s (allow private %v): %v, want accepted %v", c.url, s.svc.cfg.AllowPrivate, err, s.want)
			}
		}
	}
	if public(netip.MustParseAddr("8.8.8.8")) != true || public(netip.MustParseAddr("192.168.1.1")) {
		t.Error("public() misjudges an address")
	}
}

// TestDialerRefusesPrivateAddresses: without AllowPrivate the delivery client does not connect to
// a loopback receiver (whatever name led there); with it, it does.
func TestDialerRefusesPrivateAddresses(t *testing.T) {
	t.Parallel()
	called := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { called++ }))
	defer srv.Close()
	strict := &Service{client: newClient(Config{Timeout: 5 * time.Second})}
	if _, err := strict.post(context.Background(), srv.URL, nil, []byte("{}")); !errors.Is(err, errRefusedAddress) || called != 0 {
		t.Errorf("strict client: %v, %d calls; want refused before connecting", err, called)
	}
	open := &Service{client: newClient(Config{Timeout: 5 * time.Second, AllowPrivate: true})}
	if status, err := open.post(context.Background(), srv.URL, nil, []byte("{}")); err != nil || status != 200 || called != 1 {
		t.Errorf("open client: %d %v", status, err)
	}
}
