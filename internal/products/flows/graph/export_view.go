package graph

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// view is a Record prepared for rendering: every value a display string, in display order. The
// three exports render the same view, so they always show the same facts.
type view struct {
	Title      string
	Facts      []fact // flow version, ticket, client, times, duration, outcome
	Steps      []viewStep
	Decisions  []viewDecision
	Custom     []viewCustom
	Variables  []fact
	Scratchpad string
}

type fact struct{ Label, Value string }

type viewStep struct {
	N           int
	Title, Kind string // Kind: the node type, or "automatic" for a logic node
}

type viewDecision struct {
	N                      int
	Step, Answer, At, Note string
}

type viewCustom struct {
	N                                     int
	Title, After, Source, Content, Result string
}

// untitled is the title of a record without one.
const untitled = "Untitled flow"

// escaper prepares user strings for one output format: line for a single-line value (line breaks
// already folded into spaces), block for a multi-line text that is not blank.
type escaper struct {
	line, block func(string) string
}

// newView prepares r for rendering, passing every user string through esc. Blank blocks become "".
func newView(r Record, esc escaper) view {
	line := func(s string) string { return esc.line(oneLine(s)) }
	block := func(s string) string {
		if strings.TrimSpace(s) == "" {
			return ""
		}
		return esc.block(strings.TrimRight(s, "\r\n"))
	}
	title := r.Title
	if strings.TrimSpace(title) == "" {
		title = untitled
	}
	v := view{Title: line(title), Facts: recordFacts(r, line), Scratchpad: block(r.Scratchpad)}

	// The path; decisions and custom steps name their node by its title on the path.
	titles := make(map[string]string) // node id → its first title on the path
	for i, s := range r.Path {
		kind := string(s.Type)
		if s.Type == TypeLogic {
			kind = "automatic"
		}
		v.Steps = append(v.Steps, viewStep{N: i + 1, Title: line(s.Title), Kind: line(kind)})
		if _, ok := titles[s.NodeID]; !ok {
			titles[s.NodeID] = s.Title
		}
	}
	titleOf := func(id string) string {
		if t, ok := titles[id]; ok {
			return line(t)
		}
		return line(id)
	}

	// Decisions, custom steps and variables (sorted by name).
	for i, d := range r.Decisions {
		v.Decisions = append(v.Decisions, viewDecision{N: i + 1, Step: titleOf(d.NodeID),
			Answer: line(d.Label), At: line(formatTime(&d.At)), Note: block(d.Note)})
	}
	for i, c := range r.CustomSteps {
		after := line("the start")
		if c.AfterNodeID != "" {
			after = titleOf(c.AfterNodeID)
		}
		v.Custom = append(v.Custom, viewCustom{N: i + 1, Title: line(c.Title), After: after,
			Source: line(string(c.Source)), Content: block(c.Content), Result: block(c.Result)})
	}
	for _, name := range slices.Sorted(maps.Keys(r.Variables)) {
		v.Variables = append(v.Variables, fact{Label: line(name), Value: line(formatValue(r.Variables[name]))})
	}
	return v
}

// recordFacts returns the record's header lines that have a value (the duration always has one).
func recordFacts(r Record, line func(string) string) []fact {
	var fs []fact
	addFact := func(label, value string) {
		if strings.TrimSpace(value) != "" {
			fs = append(fs, fact{Label: label, Value: line(value)})
		}
	}
	if r.FlowVersion > 0 {
		addFact("Flow version", strconv.Itoa(r.FlowVersion))
	}
	addFact("Ticket", r.TicketNumber)
	addFact("Client", r.ClientName)
	addFact("Started", formatTime(r.StartedAt))
	addFact("Completed", formatTime(r.CompletedAt))
	addFact("Duration", r.Duration())
	addFact("Outcome", string(r.Outcome))
	return fs
}

// oneLine folds the line breaks of a single-line value into spaces.
func oneLine(s string) string {
	return strings.Join(lines(s), " ")
}

// lines splits text into lines, accepting \n, \r\n and \r.
func lines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Split(strings.ReplaceAll(s, "\r", "\n"), "\n")
}
