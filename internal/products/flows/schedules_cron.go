package flows

import (
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/tenantry/tenantry/internal/errs"
)

// cronHorizon is how far ahead a schedule must fire at least once ("0 0 30 2 *" never does).
const cronHorizon = 5 * 366 * 24 * time.Hour

// cronParser reads the five standard fields: minute, hour, day of month, month, day of week
// (names such as MON and JAN, ranges, lists and steps). Seconds and descriptors (@daily) are not
// accepted.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// Cron is a parsed five-field cron expression, evaluated on the wall clock of a time zone.
type Cron struct {
	spec *cron.SpecSchedule
	loc  *time.Location
}

// ParseCron parses expr in the IANA time zone tz. Errors are Invalid with the field names
// body.cron and body.timezone.
func ParseCron(expr, tz string) (Cron, error) {
	expr = strings.TrimSpace(expr)
	if tz == "" || tz == "Local" {
		return Cron{}, errs.Invalidf("body.timezone", "must be an IANA time zone such as Europe/Berlin")
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return Cron{}, errs.Invalidf("body.timezone", "unknown time zone %q", tz)
	}
	// The zone is its own field: the parser's own CRON_TZ= / TZ= prefix is refused.
	if strings.Contains(expr, "TZ=") || strings.HasPrefix(expr, "@") {
		return Cron{}, errs.Invalidf("body.cron", "must be five fields: minute hour day-of-month month day-of-week")
	}
	s, err := cronParser.Parse(expr)
	if err != nil {
		return Cron{}, errs.Invalidf("body.cron", "must be five fields: minute hour day-of-month month day-of-week (%v)", err)
	}
	spec, ok := s.(*cron.SpecSchedule)
	if !ok {
		return Cron{}, errs.Invalidf("body.cron", "must be five fields: minute hour day-of-month month day-of-week")
	}
	c := Cron{spec: spec, loc: loc}
	probe := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if c.Next(probe).IsZero() {
		return Cron{}, errs.Invalidf("body.cron", "never fires")
	}
	return c, nil
}

// Next returns the first firing strictly after t, or the zero time when there is none within
// five years. Slots are wall-clock times of the schedule's zone, resolved to instants like this
// across daylight-saving changes:
//
//   - a slot that does not exist (02:30 on the night clocks jump from 02:00 to 03:00) fires at
//     the first instant after the gap (03:00 local), once, even if several slots fall in the gap;
//   - a slot that happens twice (01:30 on the night clocks go back from 02:00 to 01:00) fires
//     once, at its first occurrence.
//
// Each slot resolves to the earliest instant whose wall clock is at or after it, which never
// decreases from one slot to the next; so the firings are in order and none repeats.
func (c Cron) Next(t time.Time) time.Time {
	// Start a day before t's wall date: no offset change moves a slot by more than a day.
	local := t.In(c.loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	end := day.Add(cronHorizon)
	for ; day.Before(end); day = day.AddDate(0, 0, 1) {
		if !c.dayMatches(day) {
			continue
		}
		for h := 0; h < 24; h++ {
			if c.spec.Hour&(1<<uint(h)) == 0 {
				continue
			}
			for m := 0; m < 60; m++ {
				if c.spec.Minute&(1<<uint(m)) == 0 {
					continue
				}
				at := resolveWall(day.Add(time.Duration(h)*time.Hour+time.Duration(m)*time.Minute), c.loc)
				if at.After(t) {
					return at
				}
			}
		}
	}
	return time.Time{}
}

// dayMatches applies cron's day rule to a wall date (in UTC fields): the month must match, and
// when both day of month and day of week are restricted either may match, otherwise both must.
func (c Cron) dayMatches(d time.Time) bool {
	const star = 1 << 63
	s := c.spec
	if s.Month&(1<<uint(d.Month())) == 0 {
		return false
	}
	dom := s.Dom&(1<<uint(d.Day())) != 0
	dow := s.Dow&(1<<uint(d.Weekday())) != 0
	if s.Dom&star != 0 || s.Dow&star != 0 {
		return dom && dow
	}
	return dom || dow
}

// resolveWall returns the earliest instant whose wall clock in loc is wall (given in UTC fields),
// or, when wall falls in a gap of loc's clock, the instant the gap ends.
func resolveWall(wall time.Time, loc *time.Location) time.Time {
	var best time.Time
	offsets := map[int]bool{}
	for _, probe := range []time.Duration{-36 * time.Hour, 0, 36 * time.Hour} {
		_, off := wall.Add(probe).In(loc).Zone()
		offsets[off] = true
	}
	for off := range offsets {
		at := wall.Add(-time.Duration(off) * time.Second)
		if _, got := at.In(loc).Zone(); got == off && (best.IsZero() || at.Before(best)) {
			best = at
		}
	}
	if !best.IsZero() {
		return best.In(loc)
	}
	// A gap: read with the offset before it, wall names an instant after the change, in the zone
	// that starts at the change.
	_, before := wall.Add(-36 * time.Hour).In(loc).Zone()
	start, _ := wall.Add(-time.Duration(before) * time.Second).In(loc).ZoneBounds()
	return start.In(loc)
}
