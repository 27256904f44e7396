package flows

import (
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/httpapi"
)

// flowRoutes registers flows, drafts, versions, forks, categories and tags. Members read (viewer);
// operators create flows and change the ones they may edit (canEdit: 404 when the flow is not
// visible, 403 when visible but not editable; declared as httpapi.Visible and httpapi.Editable);
// admins manage the tenant's categories and tags (global ones answer 403). API keys are refused (no scope) until the flows scopes join the catalogue.
func (s *Service) flowRoutes(api huma.API, log *slog.Logger) {
	rt := httpapi.NewRoutes(api, log)
	flows, versions, catalogue := rt.Tag("Flows"), rt.Tag("Flow versions"), rt.Tag("Flow categories and tags")
	viewer, operator, admin := httpapi.Viewer(""), httpapi.Operator(""), httpapi.Admin("")
	see, edit := httpapi.Visible, httpapi.Editable
	const nf, cf = http.StatusNotFound, http.StatusConflict
	// Bodies with a graph may reach the graph's bound (maxGraphBytes), which the service answers with a 422.
	graphBody := func(id, method, path, summary string, status int, errors ...int) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary,
			DefaultStatus: status, Errors: errors, MaxBodyBytes: 2 * maxGraphBytes}
	}

	httpapi.Add(flows.Location("/api/v1/flows/{id}"), withExample(graphBody("create-flow", http.MethodPost, "/api/v1/flows",
		"Create a flow with its first draft", 201), exampleFlow), operator, s.handleCreateFlow)
	httpapi.Get(flows, "/api/v1/flows", "list-flows", viewer,
		s.handleListFlows, "List the flows you can see, most recently changed first")
	httpapi.Get(flows, "/api/v1/flows/{id}", "get-flow", viewer.Needs(see),
		s.handleGetFlow, "Get a flow", nf)
	httpapi.Patch(flows, "/api/v1/flows/{id}", "update-flow", operator.Needs(edit),
		s.handleUpdateFlow, "Change a flow's title, description, kind, category or tags", nf)
	httpapi.Patch(flows, "/api/v1/flows/{id}/visibility", "set-flow-visibility", operator.Needs(edit),
		s.handleSetVisibility, "Make a flow private, a team flow or visible to the tenant", nf)
	httpapi.Delete(flows, "/api/v1/flows/{id}", "delete-flow", operator.Needs(edit),
		s.handleDeleteFlow, "Soft-delete a flow", 204, nf)
	httpapi.Post(flows.Location("/api/v1/flows/{id}"), "/api/v1/flows/{id}/fork", "fork-flow", operator.Needs(see),
		s.handleFork, "Copy a flow into a new private flow of yours", 201, nf)

	httpapi.Get(versions, "/api/v1/flows/{id}/draft", "get-flow-draft", viewer.Needs(see),
		s.handleGetDraft, "Get a flow's draft and its problems", nf)
	httpapi.Add(versions, graphBody("save-flow-draft", http.MethodPut, "/api/v1/flows/{id}/draft",
		"Replace a flow's draft (saved as is; the response lists its problems)", 200, nf), operator.Needs(edit), s.handleSaveDraft)
	httpapi.Post(versions.Location("/api/v1/flows/{flow_id}/versions/{version}"), "/api/v1/flows/{id}/publish", "publish-flow", operator.Needs(edit),
		s.handlePublish, "Publish the draft as the next version (422 names the nodes at fault)", 201, nf)
	httpapi.Get(versions, "/api/v1/flows/{id}/versions", "list-flow-versions", viewer.Needs(see),
		s.handleListVersions, "List a flow's published versions, newest first", nf)
	httpapi.Get(versions, "/api/v1/flows/{id}/versions/{version}", "get-flow-version", viewer.Needs(see),
		s.handleGetVersion, "Get a published version with its graph", nf)

	httpapi.Get(catalogue, "/api/v1/flow-categories", "list-flow-categories", viewer,
		s.handleListCategories, "List global and tenant categories")
	httpapi.Post(catalogue.Location("/api/v1/flow-categories/{id}"), "/api/v1/flow-categories", "create-flow-category", admin,
		s.handleCreateCategory, "Create a category of the tenant", 201, cf)
	httpapi.Get(catalogue, "/api/v1/flow-categories/{id}", "get-flow-category", viewer,
		s.handleGetCategory, "Get a category with the number of your tenant's flows in it", nf)
	httpapi.Patch(catalogue, "/api/v1/flow-categories/{id}", "update-flow-category", admin,
		s.handleUpdateCategory, "Change a category of the tenant (global ones are read-only)", nf, cf)
	httpapi.Delete(catalogue, "/api/v1/flow-categories/{id}", "delete-flow-category", admin,
		s.handleDeleteCategory, "Delete a category of the tenant; its flows lose it", 204, nf)
	httpapi.Get(catalogue, "/api/v1/flow-tags", "list-flow-tags", viewer,
		s.handleListTags, "List global and tenant tags")
	httpapi.Post(catalogue.Location("/api/v1/flow-tags/{id}"), "/api/v1/flow-tags", "create-flow-tag", admin,
		s.handleCreateTag, "Create a tag of the tenant", 201, cf)
	httpapi.Get(catalogue, "/api/v1/flow-tags/{id}", "get-flow-tag", viewer,
		s.handleGetTag, "Get a tag with the number of your tenant's flows with it", nf)
	httpapi.Patch(catalogue, "/api/v1/flow-tags/{id}", "rename-flow-tag", admin,
		s.handleRenameTag, "Rename a tag of the tenant (global ones are read-only)", nf, cf)
	httpapi.Delete(catalogue, "/api/v1/flow-tags/{id}", "delete-flow-tag", admin,
		s.handleDeleteTag, "Delete a tag of the tenant; its flows lose it", 204, nf)
}
