package parking

import (
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Routes registers parking's operations: one table, each with its access declaration (class,
// minimum role, API-key scope). Viewers read; operators handle reservations, maintenance and the
// orphan inbox; admins manage sites, spaces and devices; owners the settings and ingest secret.
func (s *Service) Routes(api huma.API, log *slog.Logger) {
	const sites, spaces, devices, resv, ingest, telemetry, settings = "Sites", "Spaces", "Devices", "Reservations", "Ingest", "Telemetry", "Parking settings"
	reg := func(id, method, path, summary, tag string, status ...int) huma.Operation {
		op := huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{tag}}
		if len(status) > 0 {
			op.DefaultStatus, status = status[0], status[1:]
		}
		op.Errors = status
		return op
	}
	const get, post, patch, put, del = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete
	const nf, cf = http.StatusNotFound, http.StatusConflict

	httpapi.Register(api, log, reg("create-site", post, "/api/v1/sites", "Create a site", sites, 201, cf), role(tenancy.RoleAdmin, "sites:write"), s.handleCreateSite)
	httpapi.Register(api, log, reg("list-sites", get, "/api/v1/sites", "List sites by name", sites), role(tenancy.RoleViewer, "sites:read"), s.handleListSites)
	httpapi.Register(api, log, reg("get-site", get, "/api/v1/sites/{id}", "Get a site", sites, 200, nf), role(tenancy.RoleViewer, "sites:read"), s.handleGetSite)
	httpapi.Register(api, log, reg("update-site", patch, "/api/v1/sites/{id}", "Change a site", sites, 200, nf, cf), role(tenancy.RoleAdmin, "sites:write"), s.handleUpdateSite)
	httpapi.Register(api, log, reg("delete-site", del, "/api/v1/sites/{id}", "Soft-delete a site (409 while it has live spaces, unless force)", sites, 204, nf, cf), role(tenancy.RoleAdmin, "sites:write"), s.handleDeleteSite)
	httpapi.Register(api, log, reg("restore-site", post, "/api/v1/sites/{id}/restore", "Restore a deleted site", sites, 200, nf, cf), role(tenancy.RoleAdmin, "sites:write"), s.handleRestoreSite)
	httpapi.Register(api, log, reg("site-occupancy", get, "/api/v1/sites/{id}/occupancy", "Count a site's spaces by state", sites, 200, nf), role(tenancy.RoleViewer, "spaces:read"), s.handleSiteOccupancy)
	httpapi.Register(api, log, reg("site-utilisation", get, "/api/v1/sites/{id}/utilisation", "A site's occupied share per hour", telemetry, 200, nf), role(tenancy.RoleViewer, "telemetry:read"), s.handleSiteUtilisation)

	httpapi.Register(api, log, reg("create-space", post, "/api/v1/spaces", "Create a space on a site", spaces, 201, nf, cf), role(tenancy.RoleAdmin, "spaces:write"), s.handleCreateSpace)
	httpapi.Register(api, log, reg("list-spaces", get, "/api/v1/spaces", "List spaces by code, with their state", spaces), role(tenancy.RoleViewer, "spaces:read"), s.handleListSpaces)
	httpapi.Register(api, log, reg("get-space", get, "/api/v1/spaces/{id}", "Get a space and its state", spaces, 200, nf), role(tenancy.RoleViewer, "spaces:read"), s.handleGetSpace)
	httpapi.Register(api, log, reg("update-space", patch, "/api/v1/spaces/{id}", "Change a space", spaces, 200, nf, cf), role(tenancy.RoleAdmin, "spaces:write"), s.handleUpdateSpace)
	httpapi.Register(api, log, reg("delete-space", del, "/api/v1/spaces/{id}", "Soft-delete a space (409 while it has open reservations, unless force)", spaces, 204, nf, cf), role(tenancy.RoleAdmin, "spaces:write"), s.handleDeleteSpace)
	httpapi.Register(api, log, reg("restore-space", post, "/api/v1/spaces/{id}/restore", "Restore a deleted space", spaces, 200, nf, cf), role(tenancy.RoleAdmin, "spaces:write"), s.handleRestoreSpace)
	httpapi.Register(api, log, reg("set-space-override", put, "/api/v1/spaces/{id}/override", "Put a space under maintenance or block it", spaces, 200, nf), role(tenancy.RoleOperator, "spaces:override"), s.handleSetOverride)
	httpapi.Register(api, log, reg("clear-space-override", del, "/api/v1/spaces/{id}/override", "Lift a space's override", spaces, 200, nf), role(tenancy.RoleOperator, "spaces:override"), s.handleClearOverride)
	httpapi.Register(api, log, reg("space-history", get, "/api/v1/spaces/{id}/history", "A space's state history, newest first", spaces, 200, nf), role(tenancy.RoleViewer, "spaces:read"), s.handleSpaceHistory)
	httpapi.Register(api, log, reg("space-availability", get, "/api/v1/spaces/{id}/availability", "A space's held windows in a time range", resv, 200, nf), role(tenancy.RoleViewer, "reservations:read"), s.handleAvailability)

	httpapi.Register(api, log, reg("create-device", post, "/api/v1/devices", "Register a sensor, display or gateway", devices, 201, nf, cf), role(tenancy.RoleAdmin, "devices:write"), s.handleCreateDevice)
	httpapi.Register(api, log, reg("list-devices", get, "/api/v1/devices", "List devices by EUI", devices), role(tenancy.RoleViewer, "devices:read"), s.handleListDevices)
	httpapi.Register(api, log, reg("get-device", get, "/api/v1/devices/{id}", "Get a device", devices, 200, nf), role(tenancy.RoleViewer, "devices:read"), s.handleGetDevice)
	httpapi.Register(api, log, reg("update-device", patch, "/api/v1/devices/{id}", "Change a device's name, model or payload format", devices, 200, nf), role(tenancy.RoleAdmin, "devices:write"), s.handleUpdateDevice)
	httpapi.Register(api, log, reg("decommission-device", del, "/api/v1/devices/{id}", "Decommission a device", devices, 204, nf), role(tenancy.RoleAdmin, "devices:write"), s.handleDecommissionDevice)
	httpapi.Register(api, log, reg("assign-device", post, "/api/v1/devices/{id}/assign", "Put a device on a space", devices, 200, nf, cf), role(tenancy.RoleAdmin, "devices:write"), s.handleAssignDevice)
	httpapi.Register(api, log, reg("unassign-device", post, "/api/v1/devices/{id}/unassign", "Take a device off its space", devices, 200, nf), role(tenancy.RoleAdmin, "devices:write"), s.handleUnassignDevice)
	httpapi.Register(api, log, reg("list-orphan-devices", get, "/api/v1/orphan-devices", "The orphan inbox: unregistered devices that sent data", devices), role(tenancy.RoleViewer, "devices:read"), s.handleListOrphans)
	httpapi.Register(api, log, reg("assign-orphan-device", post, "/api/v1/orphan-devices/{id}/assign", "Register an orphan as an active device on a space", devices, 200, nf, cf), role(tenancy.RoleAdmin, "devices:write"), s.handleAssignOrphan)
	httpapi.Register(api, log, reg("dismiss-orphan-device", del, "/api/v1/orphan-devices/{id}", "Dismiss an orphan", devices, 204, nf), role(tenancy.RoleOperator, "devices:write"), s.handleDismissOrphan)

	httpapi.Register(api, log, reg("create-reservation", post, "/api/v1/reservations", "Reserve a space (idempotent by request_id)", resv, 201, nf, cf), role(tenancy.RoleOperator, "reservations:write"), s.handleCreateReservation)
	httpapi.Register(api, log, reg("list-reservations", get, "/api/v1/reservations", "List reservations by start", resv), role(tenancy.RoleViewer, "reservations:read"), s.handleListReservations)
	httpapi.Register(api, log, reg("get-reservation", get, "/api/v1/reservations/{id}", "Get a reservation", resv, 200, nf), role(tenancy.RoleViewer, "reservations:read"), s.handleGetReservation)
	httpapi.Register(api, log, reg("cancel-reservation", post, "/api/v1/reservations/{id}/cancel", "Cancel a pending or confirmed reservation", resv, 200, nf, cf), role(tenancy.RoleOperator, "reservations:write"), s.handleCancelReservation)
	httpapi.Register(api, log, reg("check-in-reservation", post, "/api/v1/reservations/{id}/check-in", "Check in to a confirmed reservation", resv, 200, nf, cf), role(tenancy.RoleOperator, "reservations:write"), s.handleCheckIn)

	ingestOp := reg("ingest-chirpstack", post, "/api/v1/ingest/chirpstack", "ChirpStack v4 HTTP integration endpoint", ingest)
	ingestOp.SkipValidateBody = true // the handler reads the raw body (the signature covers it) and validates it
	httpapi.Register(api, log, ingestOp, role(tenancy.RoleOperator, "webhook:ingest"), s.handleIngest)
	documentIngestBody(api)
	httpapi.Register(api, log, reg("list-readings", get, "/api/v1/telemetry/readings", "Readings by device or space and time, newest first", telemetry), role(tenancy.RoleViewer, "telemetry:read"), s.handleListReadings)
	httpapi.Register(api, log, reg("list-state-changes", get, "/api/v1/telemetry/state-changes", "Space state changes by time, newest first", telemetry), role(tenancy.RoleViewer, "telemetry:read"), s.handleListStateChanges)

	httpapi.Register(api, log, reg("get-parking-settings", get, "/api/v1/parking/settings", "The tenant's parking settings", settings), role(tenancy.RoleAdmin, ""), s.handleGetSettings)
	httpapi.Register(api, log, reg("update-parking-settings", put, "/api/v1/parking/settings", "Replace the tenant's parking settings", settings), role(tenancy.RoleOwner, ""), s.handleUpdateSettings)
	httpapi.Register(api, log, reg("rotate-ingest-secret", post, "/api/v1/parking/ingest-secret", "Make a new ingest signing secret (shown once)", settings, 201), role(tenancy.RoleOwner, ""), s.handleRotateIngestSecret)
	httpapi.Register(api, log, reg("remove-ingest-secret", del, "/api/v1/parking/ingest-secret", "Stop requiring signed ingest requests", settings, 204), role(tenancy.RoleOwner, ""), s.handleRemoveIngestSecret)
}

// role is the declaration of a tenant operation: its minimum role and API-key scope ("" refuses keys).
func role(r tenancy.Role, scope string) httpapi.Access {
	return httpapi.Access{Class: httpapi.Tenant, Role: r, Scope: scope}
}
