package graph

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// Record is a session's documentation: what the exports render. NewRecord fills the parts that
// come from the graph and the run; the caller adds the rest from the session row.
type Record struct {
	Title        string         `json:"title"`
	FlowVersion  int            `json:"flow_version"`
	TicketNumber string         `json:"ticket_number,omitempty"`
	ClientName   string         `json:"client_name,omitempty"`
	StartedAt    *time.Time     `json:"started_at,omitempty"`   // nil for a prepared session not yet started
	CompletedAt  *time.Time     `json:"completed_at,omitempty"` // nil while in progress
	Outcome      Outcome        `json:"outcome,omitempty"`
	Path         []PathStep     `json:"path"`
	Decisions    []Decision     `json:"decisions"`
	Scratchpad   string         `json:"scratchpad,omitempty"`
	CustomSteps  []CustomStep   `json:"custom_steps"`
	Variables    map[string]any `json:"variables"`
}

// PathStep is one node of a run's path, with the title it had in the snapshot.
type PathStep struct {
	NodeID string   `json:"node_id"`
	Title  string   `json:"title"`
	Type   NodeType `json:"type"`
}

// CustomStepSource says where a custom step came from.
type CustomStepSource string

// The sources of a custom step.
const (
	SourceAdhoc   CustomStepSource = "adhoc"   // written by the technician during the run
	SourceLibrary CustomStepSource = "library" // taken from the step library
	SourceFork    CustomStepSource = "fork"    // taken from another flow
)

// CustomStep is a step the technician added to a run, after node AfterNodeID (empty: before the
// first node).
type CustomStep struct {
	ID          uuid.UUID        `json:"id"`
	AfterNodeID string           `json:"after_node_id,omitempty"`
	Title       string           `json:"title"`
	Content     string           `json:"content,omitempty"`
	Result      string           `json:"result,omitempty"`
	Source      CustomStepSource `json:"source"`
}

// NewRecord returns the record of a run over graph g: its path with the snapshot's titles and
// types, its decisions, variables and outcome. Nodes of the path missing from g keep their id as
// title. The run is not modified.
func NewRecord(g Graph, run Run) Record {
	idx := index(g)
	r := Record{
		Outcome:     run.Outcome,
		Path:        make([]PathStep, len(run.Path)),
		Decisions:   slices.Clone(run.Decisions),
		CustomSteps: []CustomStep{},
		Variables:   maps.Clone(run.Variables),
	}
	for i, id := range run.Path {
		r.Path[i] = PathStep{NodeID: id, Title: id}
		if n, ok := idx[id]; ok {
			r.Path[i].Title, r.Path[i].Type = n.Title, n.Type
		}
	}
	if r.Decisions == nil {
		r.Decisions = []Decision{}
	}
	return r
}

// Duration returns the time from StartedAt to CompletedAt, human readable ("1h 2m 5s", "12m 5s",
// "0s"), or "in progress" when not completed, or "not started".
func (r Record) Duration() string {
	switch {
	case r.StartedAt == nil:
		return "not started"
	case r.CompletedAt == nil:
		return "in progress"
	}
	return formatDuration(r.CompletedAt.Sub(*r.StartedAt))
}

// formatDuration writes d in whole seconds as days, hours, minutes and seconds, leaving out zero
// units; a negative duration is "0s".
func formatDuration(d time.Duration) string {
	secs := int64(d / time.Second)
	if secs <= 0 {
		return "0s"
	}
	units := []struct {
		size int64
		name string
	}{{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}}
	out := ""
	for _, u := range units {
		if n := secs / u.size; n > 0 {
			if out != "" {
				out += " "
			}
			out += strconv.FormatInt(n, 10) + u.name
			secs %= u.size
		}
	}
	return out
}

// timeLayout is how the exports write times, in the location the caller gave them.
const timeLayout = "2006-01-02 15:04:05 MST"

func formatTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.Format(timeLayout)
}

// formatValue writes a variable's value: numbers without a needless fraction, other values as
// JSON would, strings as they are.
func formatValue(v any) string {
	switch k, f, s, b := classify(v); k {
	case kindNumber:
		return strconv.FormatFloat(f, 'f', -1, 64)
	case kindString:
		return s
	case kindBool:
		return strconv.FormatBool(b)
	}
	if v == nil {
		return ""
	}
	if data, err := json.Marshal(v); err == nil {
		return string(data)
	}
	return fmt.Sprint(v)
}
