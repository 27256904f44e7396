package flows_test

import (
	"errors"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/products/flows"
)

func mustCron(t *testing.T, expr, tz string) flows.Cron {
	t.Helper()
	c, err := flows.ParseCron(expr, tz)
	if err != nil {
		t.Fatalf("parse %q in %s: %v", expr, tz, err)
	}
	return c
}

// firings returns the first n firings after from.
func firings(c flows.Cron, from time.Time, n int) []time.Time {
	var out []time.Time
	for t := from; len(out) < n; {
		t = c.Next(t)
		if t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out
}

func at(t *testing.T, tz, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04 -0700", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestCronNextAcrossDST: next runs are wall-clock times of the schedule's zone, and the two
// daylight-saving nights behave as documented (docs/flows.md, "Maintenance schedules").
func TestCronNextAcrossDST(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, expr, tz, from string
		want                 []string // as "2006-01-02 15:04 -0700"
	}{
		// Europe/Berlin springs forward on 2026-03-29 at 02:00 CET to 03:00 CEST: 02:30 does not
		// exist that night; the slot fires once, at 03:00 CEST, when the gap ends.
		{"spring forward skips to the end of the gap", "30 2 * * *", "Europe/Berlin", "2026-03-27 12:00 +0100",
			[]string{"2026-03-28 02:30 +0100", "2026-03-29 03:00 +0200", "2026-03-30 02:30 +0200"}},
		// Several slots in the gap fire once together.
		{"slots in the gap fire once", "0,15,45 2 * * *", "Europe/Berlin", "2026-03-29 01:50 +0100",
			[]string{"2026-03-29 03:00 +0200", "2026-03-30 02:00 +0200"}},
		// America/New_York falls back on 2026-11-01 at 02:00 EDT to 01:00 EST: 01:30 happens twice
		// that night; the slot fires once, at the first 01:30 (EDT).
		{"fall back fires once", "30 1 * * *", "America/New_York", "2026-10-30 12:00 -0400",
			[]string{"2026-10-31 01:30 -0400", "2026-11-01 01:30 -0400", "2026-11-02 01:30 -0500"}},
		// An hourly schedule on the fall-back night: the repeated hour does not fire again.
		{"hourly over the repeated hour", "0 * * * *", "America/New_York", "2026-11-01 00:30 -0400",
			[]string{"2026-11-01 01:00 -0400", "2026-11-01 02:00 -0500", "2026-11-01 03:00 -0500"}},
		// Day of month and day of week both restricted: either matches (cron's rule).
		{"dom or dow", "0 9 1 * MON", "UTC", "2026-06-01 10:00 +0000",
			[]string{"2026-06-08 09:00 +0000", "2026-06-15 09:00 +0000"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := firings(mustCron(t, c.expr, c.tz), at(t, c.tz, c.from), len(c.want))
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for i, w := range c.want {
				if want := at(t, c.tz, w); !got[i].Equal(want) {
					t.Errorf("firing %d: got %s, want %s", i, got[i], want)
				}
			}
		})
	}
	// From inside the repeated hour (the second 01:10, EST) the next 01:30 is the next day's: the
	// first 01:30 fired already.
	c := mustCron(t, "30 1 * * *", "America/New_York")
	second := at(t, "America/New_York", "2026-11-01 01:10 -0500")
	if got, want := c.Next(second), at(t, "America/New_York", "2026-11-02 01:30 -0500"); !got.Equal(want) {
		t.Errorf("after the second 01:10: got %s, want %s", got, want)
	}
}

// TestParseCronRefuses: bad expressions and zones are field errors.
func TestParseCronRefuses(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ expr, tz, field string }{
		{"* * * *", "UTC", "body.cron"},
		{"0 0 * * * *", "UTC", "body.cron"},
		{"61 * * * *", "UTC", "body.cron"},
		{"@daily", "UTC", "body.cron"},
		{"CRON_TZ=UTC 0 0 * * *", "UTC", "body.cron"},
		{"0 0 30 2 *", "UTC", "body.cron"}, // never fires
		{"0 0 * * *", "Mars/Olympus", "body.timezone"},
		{"0 0 * * *", "", "body.timezone"},
		{"0 0 * * *", "Local", "body.timezone"},
	} {
		_, err := flows.ParseCron(c.expr, c.tz)
		var e *errs.Error
		if !errs.Is(err, errs.Invalid) || !errors.As(err, &e) || len(e.Fields) == 0 || e.Fields[0].Location != c.field {
			t.Errorf("ParseCron(%q, %q) = %v, want Invalid at %s", c.expr, c.tz, err, c.field)
		}
	}
}
