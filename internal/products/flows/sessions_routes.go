package flows

import (
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// sessionRoutes registers the technician sessions (owner-only: operators and above, members
// only, never API keys; another member's session is a 404), their exports, and the step library
// (members of the tenant: viewers read and rate, operators write; a step that cannot be seen, or
// edited for a change, is a 404, declared as httpapi.Visible and httpapi.EditableOr404; no API
// keys, since visibility depends on the calling user).
func (s *Service) sessionRoutes(api huma.API, log *slog.Logger) {
	rt := httpapi.NewRoutes(api, log)
	sessions, library := rt.Tag("Sessions"), rt.Tag("Step library")
	own := httpapi.Access{Class: httpapi.OwnerOnly, Role: tenancy.RoleOperator}
	read, write := httpapi.Viewer(""), httpapi.Operator("")
	see, edit := httpapi.Visible, httpapi.EditableOr404 // the seed's rule for steps: no 403
	const nf, cf = http.StatusNotFound, http.StatusConflict
	const sid = "/api/v1/sessions/{id}"

	httpapi.Post(sessions.Location("/api/v1/sessions/{id}"), "/api/v1/sessions", "create-session", own,
		s.handleCreateSession, "Start a session on a flow's published version", 201, nf)
	httpapi.Post(sessions.Location("/api/v1/sessions/{id}"), "/api/v1/sessions/prepare", "prepare-session", own,
		s.handlePrepareSession, "Prepare a session, optionally for another member", 201, nf)
	httpapi.Get(sessions, "/api/v1/sessions", "list-sessions", own,
		s.handleListSessions, "Your sessions and those assigned to you, newest first")
	httpapi.Get(sessions, sid, "get-session", own,
		s.handleGetSession, "Get a session's state", nf)
	httpapi.Patch(sessions, sid, "update-session", own,
		s.handleUpdateSession, "Change a session's ticket number or client", nf, cf)
	httpapi.Post(sessions, sid+"/start", "start-session", own,
		s.handleStartSession, "Start a prepared session", 200, nf, cf)
	httpapi.Post(sessions, sid+"/decisions", "decide-session", own,
		s.handleDecide, "Take an option at the current node", 200, nf, cf)
	httpapi.Post(sessions, sid+"/back", "back-session", own,
		s.handleBack, "Undo the last decision", 200, nf, cf)
	httpapi.Post(sessions, sid+"/custom-steps", "add-custom-step", own,
		s.handleAddCustomStep, "Add a custom step", 200, nf, cf)
	httpapi.Patch(sessions, sid+"/custom-steps/{step_id}", "update-custom-step", own,
		s.handleUpdateCustomStep, "Change a custom step", nf, cf)
	httpapi.Delete(sessions, sid+"/custom-steps/{step_id}", "delete-custom-step", own,
		s.handleDeleteCustomStep, "Remove a custom step", 200, nf, cf)
	httpapi.Put(sessions, sid+"/scratchpad", "set-session-scratchpad", own,
		s.handleScratchpad, "Replace the scratchpad", nf, cf)
	variables := huma.Operation{OperationID: "set-session-variables", Method: http.MethodPatch, Path: sid + "/variables",
		Summary: "Set or unset variables", Errors: []int{nf, cf}}
	httpapi.Add(sessions, withExample(variables, exampleVariables), own, s.handleVariables)
	httpapi.Post(sessions, sid+"/complete", "complete-session", own,
		s.handleComplete, "End a session with an outcome", 200, nf, cf)
	httpapi.Post(sessions, sid+"/abandon", "abandon-session", own,
		s.handleAbandon, "Abandon a session", 200, nf, cf)
	export := huma.Operation{OperationID: "export-session", Method: http.MethodGet, Path: sid + "/export",
		Summary: "Download a session's documentation", DefaultStatus: 200, Errors: []int{nf}}
	httpapi.Add(sessions, exportOperation(export), own, s.handleExportSession)

	httpapi.Get(library, "/api/v1/steps", "list-library-steps", read,
		s.handleListLibrarySteps, "Library steps you can see, most recently changed first")
	httpapi.Post(library.Location("/api/v1/steps/{id}"), "/api/v1/steps", "create-library-step", write,
		s.handleCreateLibraryStep, "Add a step to the library", 201)
	httpapi.Get(library, "/api/v1/steps/{id}", "get-library-step", read.Needs(see),
		s.handleGetLibraryStep, "Get a library step", nf)
	httpapi.Patch(library, "/api/v1/steps/{id}", "update-library-step", write.Needs(edit),
		s.handleUpdateLibraryStep, "Change a library step", nf)
	httpapi.Delete(library, "/api/v1/steps/{id}", "delete-library-step", write.Needs(edit),
		s.handleDeleteLibraryStep, "Delete a library step", 204, nf)
	httpapi.Post(library.Location("/api/v1/steps/{id}"), "/api/v1/steps/{id}/save-to-library", "save-library-step", write.Needs(see),
		s.handleSaveLibraryStep, "Save a private copy to your library", 201, nf)
	httpapi.Put(library, "/api/v1/steps/{id}/rating", "rate-library-step", read.Needs(see),
		s.handleRateLibraryStep, "Rate a library step (one rating per user)", nf)
}

// exportOperation documents the export's three media types instead of JSON.
func exportOperation(o huma.Operation) huma.Operation {
	text := &huma.MediaType{Schema: &huma.Schema{Type: huma.TypeString}}
	o.Responses = map[string]*huma.Response{"200": {
		Description: "The documentation, as an attachment",
		Content:     map[string]*huma.MediaType{"text/markdown": text, "text/plain": text, "text/html": text},
	}}
	return o
}
