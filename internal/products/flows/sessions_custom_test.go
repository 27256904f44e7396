package flows_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/products/flows"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// TestSessionCustomSteps: custom steps are added (ad hoc, or from a library step the caller can
// see, which counts as one use of it), changed and removed; bad references are 422, unknown steps
// 404.
func TestSessionCustomSteps(t *testing.T) {
	t.Parallel()
	w := newSessWorld(t)
	s := w.start(t, w.alice, w.publishedFlow(t, w.alice))
	ctx := w.alice.ctx
	shared, err := w.svc.CreateLibraryStep(w.bob.ctx, flows.LibraryStepFields{Title: ptrTo("Clear the OST"), StepType: ptrTo("action"),
		Content: ptrTo("Delete %LOCALAPPDATA%\\Microsoft\\Outlook\\*.ost"), Visibility: ptrTo("account")})
	if err != nil {
		t.Fatal(err)
	}
	hidden, err := w.svc.CreateLibraryStep(w.bob.ctx, flows.LibraryStepFields{Title: ptrTo("Bob's notes"), StepType: ptrTo("note")})
	if err != nil {
		t.Fatal(err)
	}

	got, err := w.svc.AddCustomStep(ctx, s.ID, flows.CustomStepFields{Title: ptrTo("Called the user"), Result: ptrTo("no answer")})
	if err != nil || len(got.CustomSteps) != 1 || got.CustomSteps[0].Source != "adhoc" || got.CustomSteps[0].AfterNodeID != "q" {
		t.Fatalf("ad hoc: %+v, %v", got.CustomSteps, err)
	}
	adhoc := got.CustomSteps[0].ID
	got, err = w.svc.AddCustomStep(ctx, s.ID, flows.CustomStepFields{LibraryStepID: &shared.ID, AfterNodeID: ptrTo("")})
	if err != nil || len(got.CustomSteps) != 2 {
		t.Fatalf("from the library: %+v, %v", got, err)
	}
	lib := got.CustomSteps[1]
	if lib.Source != "library" || lib.Title != "Clear the OST" || !strings.Contains(lib.Content, ".ost") || *lib.LibraryStepID != shared.ID || lib.AfterNodeID != "" {
		t.Errorf("library step copied: %+v", lib)
	}
	if st, _ := w.svc.GetLibraryStep(w.bob.ctx, shared.ID); st.UsageCount != 1 {
		t.Errorf("library usage count = %d, want 1", st.UsageCount)
	}

	for name, f := range map[string]flows.CustomStepFields{
		"invisible library step": {LibraryStepID: &hidden.ID},
		"random library step":    {LibraryStepID: ptrTo(tenancy.NewID())},
	} {
		_, err := w.svc.AddCustomStep(ctx, s.ID, f)
		expectField(t, err, "body.library_step_id", name)
	}
	_, err = w.svc.AddCustomStep(ctx, s.ID, flows.CustomStepFields{Title: ptrTo("x"), AfterNodeID: ptrTo("nowhere")})
	expectField(t, err, "body.after_node_id", "unknown node")
	_, err = w.svc.AddCustomStep(ctx, s.ID, flows.CustomStepFields{Content: ptrTo("no title")})
	expectField(t, err, "body.title", "no title")
	_, err = w.svc.AddCustomStep(ctx, s.ID, flows.CustomStepFields{Title: ptrTo("x"), Source: "library"})
	expectField(t, err, "body.library_step_id", "library source without a step")
	if st, _ := w.svc.GetLibraryStep(w.bob.ctx, hidden.ID); st.UsageCount != 0 {
		t.Errorf("a refused use counted: %d", st.UsageCount)
	}

	got, err = w.svc.UpdateCustomStep(ctx, s.ID, adhoc, flows.CustomStepFields{Result: ptrTo("answered on the second call"), AfterNodeID: ptrTo("ins")})
	if err != nil || got.CustomSteps[0].Result != "answered on the second call" || got.CustomSteps[0].AfterNodeID != "ins" || got.CustomSteps[0].Title != "Called the user" {
		t.Fatalf("update: %+v, %v", got.CustomSteps, err)
	}
	_, err = w.svc.UpdateCustomStep(ctx, s.ID, tenancy.NewID(), flows.CustomStepFields{Title: ptrTo("x")})
	expectNotFound(t, err, "update an unknown custom step")
	if got, err = w.svc.DeleteCustomStep(ctx, s.ID, adhoc); err != nil || len(got.CustomSteps) != 1 || got.CustomSteps[0].ID != lib.ID {
		t.Fatalf("delete: %+v, %v", got.CustomSteps, err)
	}
	_, err = w.svc.DeleteCustomStep(ctx, s.ID, adhoc)
	expectNotFound(t, err, "delete twice")
}

// TestSessionExport: each format has its content type and a safe file name; a <script> canary in
// a node title, a decision note and a custom step comes out inert in HTML and Markdown, and
// verbatim only in the text export (served as text/plain).
func TestSessionExport(t *testing.T) {
	t.Parallel()
	w := newSessWorld(t)
	const canary = `<script>alert("canary")</script>`
	flow := w.flow(t, w.alice, "account", nil)
	w.publish(t, w.alice, flow, 1, sessGraph("Which symptom? "+canary))
	s, err := w.svc.CreateSession(w.alice.ctx, flows.NewSession{FlowID: flow, TicketNumber: `T-1"; evil=<x>`, ClientName: canary})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = w.svc.DecideSession(w.alice.ctx, s.ID, "a", "note "+canary); err != nil {
		t.Fatal(err)
	}
	if _, err = w.svc.AddCustomStep(w.alice.ctx, s.ID, flows.CustomStepFields{Title: ptrTo("step " + canary), Content: ptrTo(canary)}); err != nil {
		t.Fatal(err)
	}
	if _, err = w.svc.DecideSession(w.alice.ctx, s.ID, graph.ContinueOption, ""); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"md": "text/markdown; charset=utf-8", "txt": "text/plain; charset=utf-8", "html": "text/html; charset=utf-8"}
	for format, ct := range want {
		e, err := w.svc.ExportSession(w.alice.ctx, s.ID, format)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if e.ContentType != ct || !strings.HasSuffix(e.Filename, "."+format) || strings.ContainsAny(e.Filename, `"; <>=`) {
			t.Errorf("%s: content type %q, file name %q", format, e.ContentType, e.Filename)
		}
		for _, must := range []string{"Restart Outlook in safe mode", "Duration", "Fixed"} {
			if !bytes.Contains(e.Body, []byte(must)) {
				t.Errorf("%s export lacks %q", format, must)
			}
		}
		raw := bytes.Count(e.Body, []byte("<script"))
		switch format {
		case "txt":
			if raw < 4 { // title, client, note, custom step title and content: verbatim
				t.Errorf("text export: %d verbatim canaries, want them all", raw)
			}
		default:
			if raw != 0 {
				t.Errorf("%s export has %d live <script> tags:\n%s", format, raw, e.Body)
			}
		}
	}
	html, _ := w.svc.ExportSession(w.alice.ctx, s.ID, "html")
	if c := bytes.Count(html.Body, []byte("&lt;script&gt;")); c < 4 {
		t.Errorf("html export escapes %d canaries, want every one", c)
	}
	dl, err := w.svc.ExportDownload(w.alice.ctx, s.ID, "html")
	if err != nil || dl.ContentType != "text/html; charset=utf-8" || dl.NoSniff != "nosniff" ||
		!strings.HasPrefix(dl.ContentDisposition, `attachment; filename="session-T-1---evil--x-`) ||
		!strings.Contains(dl.ContentSecurity, "default-src 'none'") || strings.Contains(dl.ContentSecurity, "script-src") ||
		!bytes.Equal(dl.Body, html.Body) {
		t.Errorf("download headers: %+v (%v)", dl, err)
	}
	_, err = w.svc.ExportSession(w.alice.ctx, s.ID, "pdf")
	expectKind(t, err, errs.Invalid, "unknown format")
}
