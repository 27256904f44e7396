package flows

import (
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// flowRoutes registers flows, drafts, versions, forks, categories and tags. Members read (viewer);
// operators create flows and change the ones they may edit (canEdit: 404 when the flow is not
// visible, 403 when visible but not editable); admins manage the tenant's categories and tags
// (global ones answer 403). API keys are refused until the flows scopes join the catalogue.
func (s *Service) flowRoutes(api huma.API, log *slog.Logger) {
	const flows, versions, catalogue = "Flows", "Flow versions", "Flow categories and tags"
	op := func(id, method, path, summary, tag string, status ...int) huma.Operation {
		o := huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{tag}}
		if len(status) > 0 {
			o.DefaultStatus, o.Errors = status[0], status[1:]
		}
		return o
	}
	const get, post, patch, put, del = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete
	const nf, cf = http.StatusNotFound, http.StatusConflict
	viewer, operator, admin := memberAccess(tenancy.RoleViewer), memberAccess(tenancy.RoleOperator), memberAccess(tenancy.RoleAdmin)
	// Bodies with a graph may reach the graph's bound (maxGraphBytes), which the service answers with a 422.
	graphBody := func(o huma.Operation) huma.Operation { o.MaxBodyBytes = 2 * maxGraphBytes; return o }

	httpapi.Register(api, log, graphBody(op("create-flow", post, "/api/v1/flows", "Create a flow with its first draft", flows, 201)), operator, s.handleCreateFlow)
	httpapi.Register(api, log, op("list-flows", get, "/api/v1/flows", "List the flows you can see, most recently changed first", flows), viewer, s.handleListFlows)
	httpapi.Register(api, log, op("get-flow", get, "/api/v1/flows/{id}", "Get a flow", flows, 200, nf), viewer, s.handleGetFlow)
	httpapi.Register(api, log, op("update-flow", patch, "/api/v1/flows/{id}", "Change a flow's title, description, kind, category or tags", flows, 200, nf), operator, s.handleUpdateFlow)
	httpapi.Register(api, log, op("set-flow-visibility", patch, "/api/v1/flows/{id}/visibility", "Make a flow private, a team flow or visible to the tenant", flows, 200, nf), operator, s.handleSetVisibility)
	httpapi.Register(api, log, op("delete-flow", del, "/api/v1/flows/{id}", "Soft-delete a flow", flows, 204, nf), operator, s.handleDeleteFlow)
	httpapi.Register(api, log, op("fork-flow", post, "/api/v1/flows/{id}/fork", "Copy a flow into a new private flow of yours", flows, 201, nf), operator, s.handleFork)

	httpapi.Register(api, log, op("get-flow-draft", get, "/api/v1/flows/{id}/draft", "Get a flow's draft and its problems", versions, 200, nf), viewer, s.handleGetDraft)
	httpapi.Register(api, log, graphBody(op("save-flow-draft", put, "/api/v1/flows/{id}/draft", "Replace a flow's draft (saved as is; the response lists its problems)", versions, 200, nf)), operator, s.handleSaveDraft)
	httpapi.Register(api, log, op("publish-flow", post, "/api/v1/flows/{id}/publish", "Publish the draft as the next version (422 names the nodes at fault)", versions, 201, nf), operator, s.handlePublish)
	httpapi.Register(api, log, op("list-flow-versions", get, "/api/v1/flows/{id}/versions", "List a flow's published versions, newest first", versions, 200, nf), viewer, s.handleListVersions)
	httpapi.Register(api, log, op("get-flow-version", get, "/api/v1/flows/{id}/versions/{version}", "Get a published version with its graph", versions, 200, nf), viewer, s.handleGetVersion)

	httpapi.Register(api, log, op("list-flow-categories", get, "/api/v1/flow-categories", "List global and tenant categories", catalogue), viewer, s.handleListCategories)
	httpapi.Register(api, log, op("create-flow-category", post, "/api/v1/flow-categories", "Create a category of the tenant", catalogue, 201, cf), admin, s.handleCreateCategory)
	httpapi.Register(api, log, op("get-flow-category", get, "/api/v1/flow-categories/{id}", "Get a category with the number of your tenant's flows in it", catalogue, 200, nf), viewer, s.handleGetCategory)
	httpapi.Register(api, log, op("update-flow-category", patch, "/api/v1/flow-categories/{id}", "Change a category of the tenant (global ones are read-only)", catalogue, 200, nf, cf), admin, s.handleUpdateCategory)
	httpapi.Register(api, log, op("delete-flow-category", del, "/api/v1/flow-categories/{id}", "Delete a category of the tenant; its flows lose it", catalogue, 204, nf), admin, s.handleDeleteCategory)
	httpapi.Register(api, log, op("list-flow-tags", get, "/api/v1/flow-tags", "List global and tenant tags", catalogue), viewer, s.handleListTags)
	httpapi.Register(api, log, op("create-flow-tag", post, "/api/v1/flow-tags", "Create a tag of the tenant", catalogue, 201, cf), admin, s.handleCreateTag)
	httpapi.Register(api, log, op("get-flow-tag", get, "/api/v1/flow-tags/{id}", "Get a tag with the number of your tenant's flows with it", catalogue, 200, nf), viewer, s.handleGetTag)
	httpapi.Register(api, log, op("rename-flow-tag", patch, "/api/v1/flow-tags/{id}", "Rename a tag of the tenant (global ones are read-only)", catalogue, 200, nf, cf), admin, s.handleRenameTag)
	httpapi.Register(api, log, op("delete-flow-tag", del, "/api/v1/flow-tags/{id}", "Delete a tag of the tenant; its flows lose it", catalogue, 204, nf), admin, s.handleDeleteTag)
}

// memberAccess is the declaration of a flows operation: a member of the tenant with at least role. API
// keys are refused (no scope) until the flows scopes join the catalogue.
func memberAccess(r tenancy.Role) httpapi.Access {
	return httpapi.Access{Class: httpapi.Tenant, Role: r}
}
