package ratelimit

import (
	"testing"
	"time"
)

func TestParseLimit(t *testing.T) {
	t.Parallel()
	ok := map[string]Limit{
		"600/1m":     {Rate: 600, Period: time.Minute, Burst: 600},
		" 10/10m:3 ": {Rate: 10, Period: 10 * time.Minute, Burst: 3},
		"5/1s:20":    {Rate: 5, Period: time.Second, Burst: 20},
		"100/1h30m":  {Rate: 100, Period: 90 * time.Minute, Burst: 100},
	}
	for in, want := range ok {
		got, err := ParseLimit(in)
		if err != nil || got != want {
			t.Errorf("ParseLimit(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if back, err := ParseLimit(got.String()); err != nil || back != got {
			t.Errorf("round trip of %q through %q: %+v, %v", in, got.String(), back, err)
		}
	}
	for _, in := range []string{"", "600", "600/", "x/1m", "600/1x", "600/1m:", "600/1m:x", "0/1m", "-1/1m", "10/-1m", "10/1m:0"} {
		if l, err := ParseLimit(in); err == nil {
			t.Errorf("ParseLimit(%q) = %+v, want an error", in, l)
		}
	}
	if s := (Limit{Rate: 600, Period: time.Minute, Burst: 600}).String(); s != "600/1m" {
		t.Errorf("String = %q, want 600/1m", s)
	}
	if s := (Limit{Rate: 10, Period: 2 * time.Hour, Burst: 3}).String(); s != "10/2h:3" {
		t.Errorf("String = %q, want 10/2h:3", s)
	}
}

func TestParseLimits(t *testing.T) {
	t.Parallel()
	got, err := ParseLimits("login=5/1m, tenant=6000/1m:1000,")
	if err != nil || len(got) != 2 || got[Login].Rate != 5 || got[Tenant].Burst != 1000 {
		t.Fatalf("ParseLimits = %+v, %v", got, err)
	}
	for _, in := range []string{"login", "nosuch=1/1m", "login=abc"} {
		if _, err := ParseLimits(in); err == nil {
			t.Errorf("ParseLimits(%q) accepted", in)
		}
	}
}
