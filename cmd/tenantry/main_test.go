package main

import (
	"crypto/rand"
	"encoding/base64"
	"reflect"
	"testing"

	"github.com/tenantry/tenantry/internal/testkit/apitest"
	"github.com/tenantry/tenantry/internal/testkit/testenv"
)

// The tests of the binary itself: its commands (run, help, serve and its shutdown, verify, smoke,
// probe, demo, staff), readiness, and the OpenAPI document it serves. The API tests of the
// platform and the products live next to their packages (internal/testkit/apitest).
func TestMain(m *testing.M) { testenv.Main(m) }

// testConfig is the binary's default configuration on env's database, with a fresh signing key.
func testConfig(t *testing.T, env testenv.DB) config {
	t.Helper()
	cfg, err := loadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	var key [32]byte
	_, _ = rand.Read(key[:])
	cfg.JWTKey = base64.StdEncoding.EncodeToString(key[:])
	_, _ = rand.Read(key[:])
	cfg.SecretKey = base64.StdEncoding.EncodeToString(key[:])
	cfg.DatabaseURL, cfg.SystemURL, cfg.OwnerURL = env.AppURL, env.SystemURL, env.OwnerURL
	cfg.MetricsAddr = "127.0.0.1:0" // tests run servers side by side
	return cfg
}

// TestTestKitRunsTheBinarysDefaults: the API tests of every package run the service as the
// binary does when its environment sets nothing (apitest.Config), but for the signing key, the
// secret key and the data directory.
func TestTestKitRunsTheBinarysDefaults(t *testing.T) {
	t.Parallel()
	want, err := testConfig(t, testenv.DB{}).appConfig()
	if err != nil {
		t.Fatal(err)
	}
	got := apitest.Config(t)
	got.Keys, want.Keys = nil, nil
	got.SecretKey, want.SecretKey = nil, nil
	got.DataDir = want.DataDir
	if want.PublicURL == "" { // serve derives it from the address listened on, 127.0.0.1:8080 by default
		want.PublicURL = publicURLOf("127.0.0.1:8080")
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("apitest.Config differs from the binary's defaults:\n got %+v\nwant %+v", got, want)
	}
}
