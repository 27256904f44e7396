package graph

import (
	"bytes"
	"html/template"
	"io"
)

// HTML renders the record as a complete, self-contained HTML document. It is built with
// html/template, so every user string is escaped for its context; the document also carries a
// Content-Security-Policy that allows no script, image or other resource (inline style only), as a
// second line of defence when the file is opened from disk or mail.
func HTML(r Record) []byte {
	verbatim := func(s string) string { return s }
	return render(htmlTemplate, newView(r, escaper{line: verbatim, block: verbatim}))
}

var htmlTemplate = template.Must(template.New("html").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font-family: system-ui, sans-serif; line-height: 1.5; max-width: 50rem; margin: 2rem auto; padding: 0 1rem; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
.kind { color: #666; }
.text { white-space: pre-wrap; border-left: 3px solid #ccc; margin: 0.3rem 0 0.8rem; padding-left: 0.8rem; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<dl class="facts">
{{- range .Facts}}
<dt>{{.Label}}</dt><dd>{{.Value}}</dd>
{{- end}}
</dl>
<h2>Path</h2>
{{if .Steps}}<ol>
{{- range .Steps}}
<li>{{.Title}} <span class="kind">({{.Kind}})</span></li>
{{- end}}
</ol>{{else}}<p>No steps yet.</p>{{end}}
<h2>Decisions</h2>
{{if .Decisions}}<ol>
{{- range .Decisions}}
<li><strong>{{.Step}}</strong> → {{.Answer}}{{if .At}} <span class="kind">({{.At}})</span>{{end}}
{{- if .Note}}<div class="text">{{.Note}}</div>{{end}}</li>
{{- end}}
</ol>{{else}}<p>No decisions yet.</p>{{end}}
<h2>Custom steps</h2>
{{if .Custom}}<ol>
{{- range .Custom}}
<li><strong>{{.Title}}</strong> <span class="kind">(after {{.After}}, source: {{.Source}})</span>
{{- if .Content}}<div class="text">{{.Content}}</div>{{end}}
{{- if .Result}}<div>Result:</div><div class="text">{{.Result}}</div>{{end}}</li>
{{- end}}
</ol>{{else}}<p>None.</p>{{end}}
<h2>Variables</h2>
{{if .Variables}}<dl class="facts">
{{- range .Variables}}
<dt>{{.Label}}</dt><dd>{{.Value}}</dd>
{{- end}}
</dl>{{else}}<p>None.</p>{{end}}
<h2>Scratchpad</h2>
{{if .Scratchpad}}<div class="text">{{.Scratchpad}}</div>{{else}}<p>Empty.</p>{{end}}
</body>
</html>
`))

// render executes one of the export templates into a byte slice.
func render(t interface{ Execute(io.Writer, any) error }, v view) []byte {
	var b bytes.Buffer
	if err := t.Execute(&b, v); err != nil {
		// The templates are fixed and the view holds only strings and ints, so an error here is
		// a bug in this package, not something a record can cause.
		panic("graph: export template: " + err.Error())
	}
	return b.Bytes()
}
