package httpapi

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/tenancy"
)

// Routes is a package's route table: every operation is one row, registered with its access
// declaration through Register. A row takes two lines, what the operation is and who may call it,
// then its handler and documentation:
//
//	httpapi.Get(sites, "/api/v1/sites/{id}", "get-site", httpapi.Viewer("sites:read"),
//		s.handleGetSite, "Get a site", http.StatusNotFound)
//
// that is: method, tag (the table the row is on, see Tag), path, operation id, access; handler,
// summary and statuses. A 2xx status is the success status (default 200, or 204 without a body);
// the others are the errors the operation documents besides those its access class implies. Rows
// are functions, not methods, because Go methods cannot take the handler's type parameters.
type Routes struct {
	api      huma.API
	log      *slog.Logger
	tags     []string
	location string
}

// HandlerFunc is an operation's handler: it gets the parsed and validated input and returns the
// output, or an error that Register turns into a problem.
type HandlerFunc[I, O any] = func(context.Context, *I) (*O, error)

// NewRoutes returns the route table of api; handler errors are logged to log.
func NewRoutes(api huma.API, log *slog.Logger) Routes { return Routes{api: api, log: log} }

// Tag returns the table whose operations carry tag in the OpenAPI document.
func (r Routes) Tag(tag string) Routes {
	r.tags = []string{tag}
	return r
}

// Location returns the table for a create (a POST answering 201) whose created object lives at
// tmpl: each {name} in it is the response body's top-level field name, or else the request's
// path parameter name ("/api/v1/sites/{id}"). Every create must declare one; the 201 carries it
// in its Location header.
func (r Routes) Location(tmpl string) Routes {
	r.location = tmpl
	return r
}

// WithLocation returns op declaring the Location template of a create (see Routes.Location), for
// operations registered with Register directly.
func WithLocation(op huma.Operation, tmpl string) huma.Operation {
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata[locationKey] = tmpl
	return op
}

// Get registers a GET operation on r.
func Get[I, O any](r Routes, path, id string, a Access, h HandlerFunc[I, O], summary string, status ...int) {
	Add(r, r.op(http.MethodGet, path, id, summary, status), a, h)
}

// Post registers a POST operation on r.
func Post[I, O any](r Routes, path, id string, a Access, h HandlerFunc[I, O], summary string, status ...int) {
	Add(r, r.op(http.MethodPost, path, id, summary, status), a, h)
}

// Put registers a PUT operation on r.
func Put[I, O any](r Routes, path, id string, a Access, h HandlerFunc[I, O], summary string, status ...int) {
	Add(r, r.op(http.MethodPut, path, id, summary, status), a, h)
}

// Patch registers a PATCH operation on r.
func Patch[I, O any](r Routes, path, id string, a Access, h HandlerFunc[I, O], summary string, status ...int) {
	Add(r, r.op(http.MethodPatch, path, id, summary, status), a, h)
}

// Delete registers a DELETE operation on r.
func Delete[I, O any](r Routes, path, id string, a Access, h HandlerFunc[I, O], summary string, status ...int) {
	Add(r, r.op(http.MethodDelete, path, id, summary, status), a, h)
}

// Add registers an operation that needs more than a row says (SkipValidateBody, say). It carries
// the table's tag unless op names its own.
func Add[I, O any](r Routes, op huma.Operation, a Access, h HandlerFunc[I, O]) {
	if op.Tags == nil {
		op.Tags = r.tags
	}
	if r.location != "" {
		op = WithLocation(op, r.location)
	}
	Register(r.api, r.log, op, a, h)
}

func (r Routes) op(method, path, id, summary string, status []int) huma.Operation {
	op := huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary}
	for _, s := range status {
		if s >= 200 && s < 300 {
			op.DefaultStatus = s
		} else {
			op.Errors = append(op.Errors, s)
		}
	}
	return op
}

// Viewer declares a tenant operation for members with at least the viewer role, and for API keys
// holding scope ("" refuses API keys).
func Viewer(scope string) Access {
	return Access{Class: Tenant, Role: tenancy.RoleViewer, Scope: scope}
}

// Operator declares a tenant operation for operators and up, and for API keys holding scope ("" refuses them).
func Operator(scope string) Access {
	return Access{Class: Tenant, Role: tenancy.RoleOperator, Scope: scope}
}

// Admin declares a tenant operation for admins and up, and for API keys holding scope ("" refuses them).
func Admin(scope string) Access { return Access{Class: Tenant, Role: tenancy.RoleAdmin, Scope: scope} }

// Owner declares a tenant operation for owners, and for API keys holding scope ("" refuses them).
func Owner(scope string) Access { return Access{Class: Tenant, Role: tenancy.RoleOwner, Scope: scope} }

// Needs returns the declaration with the object rule o: what the operation needs of the object
// its path names (Visible, Editable, EditableOr404).
func (a Access) Needs(o Objects) Access {
	a.Objects = o
	return a
}
