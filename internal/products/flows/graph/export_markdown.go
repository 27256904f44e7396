package graph

import (
	"strings"
	"text/template"
	"unicode/utf8"
)

// Markdown renders the record as a Markdown document. Every user string is escaped before it
// reaches the template: Markdown punctuation gets a backslash, a block marker at the start of a
// line (#, -, +, =, "1.") is neutralised, and &, < and > become entities, so no user text turns
// into markup, a link, an image or raw HTML in a CommonMark or GitHub renderer. Multi-line texts
// (notes, custom step content and results, the scratchpad) are block quotes.
func Markdown(r Record) []byte {
	return render(markdownTemplate, newView(r, escaper{line: mdLine, block: mdQuote}))
}

var markdownTemplate = template.Must(template.New("markdown").Parse(`# {{.Title}}

{{range .Facts}}- **{{.Label}}:** {{.Value}}
{{end}}
## Path

{{range .Steps}}{{.N}}. {{.Title}} *({{.Kind}})*
{{else}}No steps yet.
{{end}}
## Decisions

{{range .Decisions}}**{{.N}}\. {{.Step}}** → {{.Answer}}{{if .At}} ({{.At}}){{end}}

{{if .Note}}{{.Note}}
{{end}}{{else}}No decisions yet.

{{end}}## Custom steps

{{range .Custom}}### {{.N}}\. {{.Title}}

*After {{.After}}, source: {{.Source}}*

{{if .Content}}{{.Content}}
{{end}}{{if .Result}}**Result:**

{{.Result}}
{{end}}{{else}}None.

{{end}}## Variables

{{range .Variables}}- {{.Label}}: {{.Value}}
{{else}}None.
{{end}}
## Scratchpad

{{if .Scratchpad}}{{.Scratchpad}}{{else}}Empty.
{{end}}`))

// mdInline escapes the characters that make inline Markdown (emphasis, code, links, images,
// tables, strikethrough, hard breaks) and turns &, < and > into entities (no raw HTML, no
// autolinks, no entity tricks).
var mdInline = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "|", `\|`, "~", `\~`,
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
)

// mdLine escapes one line of user text for any position in a Markdown line. Leading spaces are
// dropped (they could open a code block); a block marker at the start is escaped.
func mdLine(s string) string {
	s = mdInline.Replace(strings.TrimLeft(s, " \t"))
	if s == "" {
		return s
	}
	switch s[0] {
	case '#', '-', '+', '=':
		return `\` + s
	}
	// An ordered list marker: digits, then . or ), then a space or the end of the line.
	digits := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if digits > 0 && (s[digits] == '.' || s[digits] == ')') &&
		(len(s) == digits+1 || s[digits+1] == ' ' || s[digits+1] == '\t') {
		return s[:digits] + `\` + s[digits:]
	}
	return s
}

// mdQuote renders multi-line user text as an escaped block quote, one "> " line per line.
func mdQuote(s string) string {
	var b strings.Builder
	for _, l := range lines(s) {
		if l = mdLine(l); l == "" {
			b.WriteString(">\n")
		} else {
			b.WriteString("> " + l + "\n")
		}
	}
	return b.String()
}

// Text renders the record as plain text. User strings are written verbatim (a command or a path
// such as C:\Users\<user> must survive), so the result must be served as text/plain; anything
// that renders HTML uses the HTML export instead.
func Text(r Record) []byte {
	verbatim := func(s string) string { return s }
	return render(textTemplate, newView(r, escaper{line: verbatim, block: verbatim}))
}

var textTemplate = template.Must(template.New("text").Funcs(template.FuncMap{
	"underline": func(s string) string { return strings.Repeat("=", utf8.RuneCountInString(s)) },
	"indent":    indent,
}).Parse(`{{.Title}}
{{underline .Title}}

{{range .Facts}}{{.Label}}: {{.Value}}
{{end}}
PATH
{{range .Steps}}  {{.N}}. {{.Title}} ({{.Kind}})
{{else}}  No steps yet.
{{end}}
DECISIONS
{{range .Decisions}}  {{.N}}. {{.Step}} -> {{.Answer}}{{if .At}} ({{.At}}){{end}}
{{indent "     Note: " .Note}}{{else}}  No decisions yet.
{{end}}
CUSTOM STEPS
{{range .Custom}}  {{.N}}. {{.Title}} (after {{.After}}, source: {{.Source}})
{{indent "     " .Content}}{{indent "     Result: " .Result}}{{else}}  None.
{{end}}
VARIABLES
{{range .Variables}}  {{.Label}}: {{.Value}}
{{else}}  None.
{{end}}
SCRATCHPAD
{{if .Scratchpad}}{{indent "  " .Scratchpad}}{{else}}  Empty.
{{end}}`))

// indent writes text with label before its first line and the following lines aligned under
// it, or nothing for empty text.
func indent(label, s string) string {
	if s == "" {
		return ""
	}
	pad := strings.Repeat(" ", utf8.RuneCountInString(label))
	var b strings.Builder
	for i, l := range lines(s) {
		switch {
		case i == 0:
			b.WriteString(label + l + "\n")
		case l == "":
			b.WriteString("\n")
		default:
			b.WriteString(pad + l + "\n")
		}
	}
	return b.String()
}
