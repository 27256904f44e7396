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
// edited for a change, is a 404; no API keys, since visibility depends on the calling user).
func (s *Service) sessionRoutes(api huma.API, log *slog.Logger) {
	const sessions, library = "Sessions", "Step library"
	op := func(id, method, path, summary, tag string, status ...int) huma.Operation {
		o := huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{tag}}
		if len(status) > 0 {
			o.DefaultStatus, o.Errors = status[0], status[1:]
		}
		return o
	}
	const get, post, patch, put, del = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete
	const nf, cf = http.StatusNotFound, http.StatusConflict
	own := httpapi.Access{Class: httpapi.OwnerOnly, Role: tenancy.RoleOperator}
	read := httpapi.Access{Class: httpapi.Tenant, Role: tenancy.RoleViewer}
	write := httpapi.Access{Class: httpapi.Tenant, Role: tenancy.RoleOperator}
	const sid = "/api/v1/sessions/{id}"

	httpapi.Register(api, log, op("create-session", post, "/api/v1/sessions", "Start a session on a flow's published version", sessions, 201, nf), own, s.handleCreateSession)
	httpapi.Register(api, log, op("prepare-session", post, "/api/v1/sessions/prepare", "Prepare a session, optionally for another member", sessions, 201, nf), own, s.handlePrepareSession)
	httpapi.Register(api, log, op("list-sessions", get, "/api/v1/sessions", "Your sessions and those assigned to you, newest first", sessions), own, s.handleListSessions)
	httpapi.Register(api, log, op("get-session", get, sid, "Get a session's state", sessions, 200, nf), own, s.handleGetSession)
	httpapi.Register(api, log, op("update-session", patch, sid, "Change a session's ticket number or client", sessions, 200, nf, cf), own, s.handleUpdateSession)
	httpapi.Register(api, log, op("start-session", post, sid+"/start", "Start a prepared session", sessions, 200, nf, cf), own, s.handleStartSession)
	httpapi.Register(api, log, op("decide-session", post, sid+"/decisions", "Take an option at the current node", sessions, 200, nf, cf), own, s.handleDecide)
	httpapi.Register(api, log, op("back-session", post, sid+"/back", "Undo the last decision", sessions, 200, nf, cf), own, s.handleBack)
	httpapi.Register(api, log, op("add-custom-step", post, sid+"/custom-steps", "Add a custom step", sessions, 200, nf, cf), own, s.handleAddCustomStep)
	httpapi.Register(api, log, op("update-custom-step", patch, sid+"/custom-steps/{step_id}", "Change a custom step", sessions, 200, nf, cf), own, s.handleUpdateCustomStep)
	httpapi.Register(api, log, op("delete-custom-step", del, sid+"/custom-steps/{step_id}", "Remove a custom step", sessions, 200, nf, cf), own, s.handleDeleteCustomStep)
	httpapi.Register(api, log, op("set-session-scratchpad", put, sid+"/scratchpad", "Replace the scratchpad", sessions, 200, nf, cf), own, s.handleScratchpad)
	httpapi.Register(api, log, op("set-session-variables", patch, sid+"/variables", "Set or unset variables", sessions, 200, nf, cf), own, s.handleVariables)
	httpapi.Register(api, log, op("complete-session", post, sid+"/complete", "End a session with an outcome", sessions, 200, nf, cf), own, s.handleComplete)
	httpapi.Register(api, log, op("abandon-session", post, sid+"/abandon", "Abandon a session", sessions, 200, nf, cf), own, s.handleAbandon)
	httpapi.Register(api, log, exportOperation(op("export-session", get, sid+"/export", "Download a session's documentation", sessions, 200, nf)), own, s.handleExportSession)

	httpapi.Register(api, log, op("list-library-steps", get, "/api/v1/steps", "Library steps you can see, most recently changed first", library), read, s.handleListLibrarySteps)
	httpapi.Register(api, log, op("create-library-step", post, "/api/v1/steps", "Add a step to the library", library, 201), write, s.handleCreateLibraryStep)
	httpapi.Register(api, log, op("get-library-step", get, "/api/v1/steps/{id}", "Get a library step", library, 200, nf), read, s.handleGetLibraryStep)
	httpapi.Register(api, log, op("update-library-step", patch, "/api/v1/steps/{id}", "Change a library step", library, 200, nf), write, s.handleUpdateLibraryStep)
	httpapi.Register(api, log, op("delete-library-step", del, "/api/v1/steps/{id}", "Delete a library step", library, 204, nf), write, s.handleDeleteLibraryStep)
	httpapi.Register(api, log, op("save-library-step", post, "/api/v1/steps/{id}/save-to-library", "Save a private copy to your library", library, 201, nf), write, s.handleSaveLibraryStep)
	httpapi.Register(api, log, op("rate-library-step", put, "/api/v1/steps/{id}/rating", "Rate a library step (one rating per user)", library, 200, nf), read, s.handleRateLibraryStep)
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
