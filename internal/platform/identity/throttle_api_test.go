package identity_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/app"
	"github.com/tenantry/tenantry/internal/platform/ratelimit"
	"github.com/tenantry/tenantry/internal/testkit/apitest"
)

// TestGuessingDoesNotLockTheOwnerOut: guessers from two addresses spend the account's budget;
// each guesser is refused (429, Retry-After) once its own address has spent its budget, and then
// every address without a device token is slowed down (429 with Retry-After) — but the owner
// signs in with the right password from a device that signed in before, and from a new device
// once the Retry-After has passed. Ten wrong passwords used to lock the account for everyone.
func TestGuessingDoesNotLockTheOwnerOut(t *testing.T) {
	t.Parallel()
	s := apitest.StartWith(t, apitest.Options{Configure: func(c *app.Config) {
		c.RateLimits[ratelimit.AccountSource] = ratelimit.Limit{Rate: 3, Period: 10 * time.Minute, Burst: 3}
		c.RateLimits[ratelimit.Account] = ratelimit.Limit{Rate: 6, Period: time.Minute, Burst: 6}
	}})
	a := s.Register("olga")
	owner := s.From("127.0.0.4")
	login := func(srv *apitest.Server, password, device string) apitest.Response {
		body := map[string]any{"email": a.Email, "password": password}
		if device != "" {
			body["device_token"] = device
		}
		return srv.Do("POST", "/api/v1/auth/login", "", body)
	}
	first := login(owner, a.Password, "")
	if first.Status != http.StatusOK {
		t.Fatalf("first sign-in: %d %s", first.Status, first.Body)
	}
	device, _ := first.JSON(t)["device_token"].(string)
	if device == "" {
		t.Fatalf("a sign-in gave no device_token: %s", first.Body)
	}
	// Two guessers: five wrong passwords are refused with 401, and with them the account's budget
	// (six) is spent: the next guess is slowed down (429). The first guesser's 4th attempt is
	// refused by its own address's budget (three), before the account's.
	x1, x2 := s.From("127.0.0.2"), s.From("127.0.0.3")
	for i, x := range []*apitest.Server{x1, x2, x1, x2, x1} {
		if r := login(x, "wrong password "+strconv.Itoa(i), ""); r.Status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d %s", i, r.Status, r.Body)
		}
	}
	assertLimited(t, "the second guesser's 3rd attempt", login(x2, "wrong password 6", ""), ratelimit.Account)
	assertLimited(t, "the first guesser's 4th attempt", login(x1, "wrong password 7", ""), ratelimit.AccountSource)
	// A new address is slowed down as well, even with the right password...
	fresh := s.From("127.0.0.5")
	r := assertLimited(t, "a new address", login(fresh, a.Password, ""), ratelimit.Account)
	// ... but not the owner's known device, from anywhere.
	if r := login(s.From("127.0.0.6"), a.Password, device); r.Status != http.StatusOK {
		t.Fatalf("the owner's known device during the attack: %d %s", r.Status, r.Body)
	}
	// Another account's device token is no device for this one.
	other := s.Register("pia")
	od := s.From("127.0.0.7").Must(http.StatusOK, "POST", "/api/v1/auth/login", "", map[string]any{"email": other.Email, "password": other.Password})
	otherDevice, _ := od["device_token"].(string)
	if r := login(s.From("127.0.0.7"), a.Password, otherDevice); r.Status != http.StatusTooManyRequests {
		t.Errorf("another account's device token: %d %s, want 429", r.Status, r.Body)
	}
	// A new device signs in after waiting as told (never a lock).
	wait, _ := strconv.Atoi(r.Header.Get("Retry-After"))
	time.Sleep(time.Duration(wait) * time.Second)
	if r := login(fresh, a.Password, ""); r.Status != http.StatusOK {
		t.Fatalf("the right password after Retry-After: %d %s", r.Status, r.Body)
	}
}

// assertLimited checks that r is a 429 with a Retry-After, refused by policy; the account's
// budget (the one strangers can spend) must never ask for more than a minute.
func assertLimited(t *testing.T, what string, r apitest.Response, policy string) apitest.Response {
	t.Helper()
	wait, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if r.Status != http.StatusTooManyRequests || err != nil || wait < 1 || (policy == ratelimit.Account && wait > 60) {
		t.Fatalf("%s: %d (Retry-After %q) %s, want 429 with a Retry-After (at most 60 s)", what, r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	if got := r.Header.Get("RateLimit-Policy"); got == "" || got[1:1+len(policy)] != policy {
		t.Errorf("%s: refused by %q, want %s", what, got, policy)
	}
	return r
}
