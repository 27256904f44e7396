package graph

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{999 * time.Millisecond, "0s"},
		{-time.Minute, "0s"},
		{45 * time.Second, "45s"},
		{12*time.Minute + 5*time.Second, "12m 5s"},
		{12*time.Minute + 5*time.Second + 900*time.Millisecond, "12m 5s"},
		{time.Hour, "1h"},
		{time.Hour + 5*time.Second, "1h 5s"},
		{26*time.Hour + 3*time.Minute, "1d 2h 3m"},
	}
	start := time.Date(2025, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, tt := range tests {
		end := start.Add(tt.d)
		r := Record{StartedAt: &start, CompletedAt: &end}
		if got := r.Duration(); got != tt.want {
			t.Errorf("Duration over %v = %q, want %q", tt.d, got, tt.want)
		}
	}
	if got := (Record{StartedAt: &start}).Duration(); got != "in progress" {
		t.Errorf("not completed: %q", got)
	}
	if got := (Record{}).Duration(); got != "not started" {
		t.Errorf("not started: %q", got)
	}
}

func TestNewRecord(t *testing.T) {
	t.Parallel()
	g := sample()
	run, _ := Start(g, nil)
	run = mustDecide(t, g, run, "b", "")
	run, _ = SetVariables(g, run, map[string]any{"n": 99})
	run = mustDecide(t, g, run, ContinueOption, "")
	run.Path = append(run.Path, "removed") // a node the snapshot no longer has
	r := NewRecord(g, run)
	want := []PathStep{
		{"q", "Which path?", TypeQuestion}, {"inp", "Tell me", TypeInput}, {"lg", "Route", TypeLogic},
		{"esc", "Escalated", TypeResolution}, {"removed", "removed", ""},
	}
	if !slices.Equal(r.Path, want) {
		t.Errorf("path = %+v\nwant %+v", r.Path, want)
	}
	if r.Outcome != OutcomeEscalated || len(r.Decisions) != 2 || r.Variables["n"] != 99.0 {
		t.Errorf("record = %+v", r)
	}
	r.Variables["n"] = 1.0
	r.Decisions[0].Note = "changed"
	if run.Variables["n"] != 99.0 || run.Decisions[0].Note != "" {
		t.Errorf("the record shares storage with the run")
	}
}

// record returns a completed record of the sample graph, with a user string in every place.
func record(t *testing.T) Record {
	t.Helper()
	g := sample()
	run, _ := Start(g, nil)
	run = mustDecide(t, g, run, "a", "Checked the event log\nSecond line of the note")
	run = mustDecide(t, g, run, ContinueOption, "")
	run = mustDecide(t, g, run, ContinueOption, "")
	r := NewRecord(g, run)
	start := t0
	end := t0.Add(12*time.Minute + 5*time.Second)
	r.Title, r.FlowVersion, r.TicketNumber, r.ClientName = "Outlook will not start", 7, "T 4711", "Acme Corp"
	r.StartedAt, r.CompletedAt = &start, &end
	r.Scratchpad = "Scratch one\nScratch two"
	r.CustomSteps = []CustomStep{{ID: uuid.New(), AfterNodeID: "ins", Title: "Rebooted the PC",
		Content: "Restarted via the RMM", Result: "Came back in two minutes", Source: SourceLibrary}}
	r.Variables = map[string]any{"office_version": "365", "ost_size_gb": 12.5, "cached": true}
	return r
}

// TestExportsContent checks that each format carries every part of the record.
func TestExportsContent(t *testing.T) {
	t.Parallel()
	r := record(t)
	var want []string
	want = append(want, r.Title, "T 4711", "Acme Corp", "12m 5s", "resolved", "7",
		"Checked the event log", "Second line of the note", "Rebooted the PC", "Restarted via the RMM",
		"Came back in two minutes", "library", "Scratch one", "Scratch two", "12.5", "true")
	for _, s := range r.Path {
		want = append(want, s.Title)
	}
	for _, d := range r.Decisions {
		want = append(want, d.Label, d.At.Format(timeLayout))
	}
	for name := range maps.Keys(r.Variables) {
		want = append(want, strings.ReplaceAll(name, "_", `\_`)) // Markdown escapes _, checked below
	}
	for format, render := range map[string]func(Record) []byte{"markdown": Markdown, "text": Text, "html": HTML} {
		out := string(render(r))
		if format != "markdown" {
			out = strings.ReplaceAll(out, "_", `\_`)
		}
		for _, s := range want {
			if !strings.Contains(out, s) {
				t.Errorf("%s export lacks %q:\n%s", format, s, out)
			}
		}
		// The custom step names the step it follows by title.
		if !regexp.MustCompile(`after Do it|After Do it`).MatchString(out) {
			t.Errorf("%s export does not place the custom step after %q", format, "Do it")
		}
	}
}

// TestExportsInProgress: no completion time gives "in progress"; empty parts say so.
func TestExportsInProgress(t *testing.T) {
	t.Parallel()
	start := t0
	r := Record{StartedAt: &start}
	for format, render := range map[string]func(Record) []byte{"markdown": Markdown, "text": Text, "html": HTML} {
		out := string(render(r))
		for _, s := range []string{"in progress", untitled, "No decisions yet.", "Empty."} {
			if !strings.Contains(out, s) {
				t.Errorf("%s export lacks %q:\n%s", format, s, out)
			}
		}
		if strings.Contains(out, "Completed") {
			t.Errorf("%s export shows a completion time:\n%s", format, out)
		}
	}
}

func TestHTMLIsADocument(t *testing.T) {
	t.Parallel()
	out := string(HTML(record(t)))
	for _, s := range []string{"<!DOCTYPE html>", "<html", "<head>", `<meta charset="utf-8">`,
		"Content-Security-Policy", "<title>Outlook will not start</title>", "<body>", "</html>"} {
		if !strings.Contains(out, s) {
			t.Errorf("HTML lacks %q", s)
		}
	}
}

func TestMarkdownEscaping(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"*bold* _it_ `code` ~~x~~ a|b", `\*bold\* \_it\_ \` + "`" + `code\` + "`" + ` \~\~x\~\~ a\|b`},
		{"[x](javascript:alert(1))", `\[x\](javascript:alert(1))`},
		{"![img](http://x/y.png)", `!\[img\](http://x/y.png)`},
		{"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"<https://evil.example>", "&lt;https://evil.example&gt;"},
		{"&lt;b&gt;", "&amp;lt;b&amp;gt;"},
		{`C:\Users`, `C:\\Users`},
		{"# heading", `\# heading`},
		{"- item", `\- item`},
		{"+ item", `\+ item`},
		{"===", `\===`},
		{"> quote", "&gt; quote"},
		{"12. item", `12\. item`},
		{"12.", `12\.`},
		{"12.5 GB", "12.5 GB"},
		{"3) item", `3\) item`},
		{"2016 is the version", "2016 is the version"},
		{"    code block", "code block"},
	}
	for _, tt := range tests {
		if got := mdLine(tt.in); got != tt.want {
			t.Errorf("mdLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestExportsNeutraliseCanaries puts script and image canaries and a javascript: link in a node
// title, an option label, a note, a custom step, a variable, the scratchpad and the record's own
// fields, and checks that no output carries them in a form a renderer would act on.
func TestExportsNeutraliseCanaries(t *testing.T) {
	t.Parallel()
	const (
		script = "<script>alert(1)</script>"
		img    = "<img src=x onerror=alert(1)>"
		link   = "[x](javascript:alert(1))"
		all    = script + " " + img + " " + link
	)
	g := sample()
	node(t, &g, "q").Title = "Q " + all
	node(t, &g, "q").Options[0].Label = "A " + all
	node(t, &g, "ins").Title = "I " + all
	if err := Validate(g); err != nil {
		t.Fatalf("canaries are valid text: %v", err)
	}
	run, _ := Start(g, nil)
	run = mustDecide(t, g, run, "a", "note "+all+"\n"+all)
	r := NewRecord(g, run)
	r.Title, r.TicketNumber, r.ClientName = all, all, all
	r.Scratchpad = all + "\n" + script
	r.CustomSteps = []CustomStep{{ID: uuid.New(), AfterNodeID: "ins", Title: all, Content: all, Result: all, Source: SourceAdhoc}}
	r.Variables = map[string]any{"s": all}

	md, html, text := string(Markdown(r)), string(HTML(r)), string(Text(r))
	if m := regexp.MustCompile(`(?i)<\s*(script|img)`).FindString(md); m != "" {
		t.Errorf("Markdown carries %q:\n%s", m, md)
	}
	// A link needs an unescaped bracket (one after an even number of backslashes); the template
	// has none of its own, so there must be none at all.
	if m := regexp.MustCompile(`(^|[^\\])(\\\\)*[\[\]]`).FindString(md); m != "" {
		t.Errorf("Markdown carries an unescaped bracket %q:\n%s", m, md)
	}
	if m := regexp.MustCompile(`(?i)<\s*(script|img)`).FindString(html); m != "" {
		t.Errorf("HTML carries %q:\n%s", m, html)
	}
	// The canaries are still there, as text.
	if n := strings.Count(html, "&lt;script&gt;alert(1)&lt;/script&gt;"); n < 8 {
		t.Errorf("HTML shows the script canary escaped %d times, want every occurrence:\n%s", n, html)
	}
	if n := strings.Count(md, `&lt;img src=x onerror=alert(1)&gt; \[x\](javascript:alert(1))`); n < 8 {
		t.Errorf("Markdown shows the canaries escaped %d times, want every occurrence:\n%s", n, md)
	}
	// Text is plain text, served as text/plain: it keeps user text verbatim.
	if n := strings.Count(text, all); n < 8 {
		t.Errorf("Text keeps the user text %d times, want every occurrence:\n%s", n, text)
	}
}
