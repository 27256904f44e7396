package parking

import (
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/httpapi"
)

// Routes registers parking's operations: one table, two lines a row (method, tag, path, operation
// id, access; then handler, summary, statuses: see httpapi.Routes). Viewers read; operators handle
// reservations, maintenance, the orphan inbox, device health and display dead letters; admins manage sites, spaces,
// devices, displays and the display policy; owners the settings, ingest secret and ChirpStack credentials.
func (s *Service) Routes(api huma.API, log *slog.Logger) {
	for _, t := range [][2]string{
		{"Sites", "Parking sites: a car park or a street area with its time zone; spaces belong to a site."},
		{"Spaces", "Parking spaces: their state (free, occupied, reserved, maintenance), history, overrides and utilisation."},
		{"Devices", "Occupancy sensors: assignment to spaces, health, readings and the inbox of readings from unknown sensors."},
		{"Reservations", "Reservations of spaces for a time window, with their lifecycle (active, cancelled, expired)."},
		{"Telemetry", "Occupancy and state history of sites, and the live stream of state changes."},
		{"Parking settings", "The tenant's parking settings, ingest secret and ChirpStack credentials."},
		{"Displays", "Bay displays that show a space's state, their downlink queue and the display policy."},
		{"Ingest", "Sensor uplinks from a ChirpStack network server (HTTP integration), authenticated by the tenant's ingest secret."},
	} {
		httpapi.DescribeTag(api, t[0], t[1])
	}
	rt := httpapi.NewRoutes(api, log)
	sites, spaces, devices, resv := rt.Tag("Sites"), rt.Tag("Spaces"), rt.Tag("Devices"), rt.Tag("Reservations")
	telemetry, settings, displays := rt.Tag("Telemetry"), rt.Tag("Parking settings"), rt.Tag("Displays")
	viewer, operator, admin, owner := httpapi.Viewer, httpapi.Operator, httpapi.Admin, httpapi.Owner
	const nf, cf = http.StatusNotFound, http.StatusConflict

	httpapi.Post(sites.Location("/api/v1/sites/{id}"), "/api/v1/sites", "create-site", admin("sites:write"),
		s.handleCreateSite, "Create a site", 201, cf)
	httpapi.Get(sites, "/api/v1/sites", "list-sites", viewer("sites:read"),
		s.handleListSites, "List sites by name")
	httpapi.Get(sites, "/api/v1/sites/{id}", "get-site", viewer("sites:read"),
		s.handleGetSite, "Get a site", nf)
	httpapi.Patch(sites, "/api/v1/sites/{id}", "update-site", admin("sites:write"),
		s.handleUpdateSite, "Change a site", nf, cf)
	httpapi.Delete(sites, "/api/v1/sites/{id}", "delete-site", admin("sites:write"),
		s.handleDeleteSite, "Soft-delete a site (409 while it has live spaces, unless force)", 204, nf, cf)
	httpapi.Post(sites, "/api/v1/sites/{id}/restore", "restore-site", admin("sites:write"),
		s.handleRestoreSite, "Restore a deleted site", nf, cf)
	httpapi.Get(sites, "/api/v1/sites/{id}/occupancy", "site-occupancy", viewer("spaces:read"),
		s.handleSiteOccupancy, "Count a site's spaces by state", nf)
	httpapi.Add(spaces, streamOperation(api), viewer("spaces:read"), s.handleStream)
	httpapi.Get(telemetry, "/api/v1/sites/{id}/utilisation", "site-utilisation", viewer("telemetry:read"),
		s.handleSiteUtilisation, "A site's occupied share per hour", nf)

	httpapi.Post(spaces.Location("/api/v1/spaces/{id}"), "/api/v1/spaces", "create-space", admin("spaces:write"),
		s.handleCreateSpace, "Create a space on a site", 201, nf, cf)
	httpapi.Get(spaces, "/api/v1/spaces", "list-spaces", viewer("spaces:read"),
		s.handleListSpaces, "List spaces by code, with their state")
	httpapi.Get(spaces, "/api/v1/spaces/{id}", "get-space", viewer("spaces:read"),
		s.handleGetSpace, "Get a space and its state", nf)
	httpapi.Patch(spaces, "/api/v1/spaces/{id}", "update-space", admin("spaces:write"),
		s.handleUpdateSpace, "Change a space", nf, cf)
	httpapi.Delete(spaces, "/api/v1/spaces/{id}", "delete-space", admin("spaces:write"),
		s.handleDeleteSpace, "Soft-delete a space (409 while it has open reservations, unless force)", 204, nf, cf)
	httpapi.Post(spaces, "/api/v1/spaces/{id}/restore", "restore-space", admin("spaces:write"),
		s.handleRestoreSpace, "Restore a deleted space", nf, cf)
	httpapi.Put(spaces, "/api/v1/spaces/{id}/override", "set-space-override", operator("spaces:override"),
		s.handleSetOverride, "Put a space under maintenance or block it", nf)
	httpapi.Delete(spaces, "/api/v1/spaces/{id}/override", "clear-space-override", operator("spaces:override"),
		s.handleClearOverride, "Lift a space's override", 200, nf)
	httpapi.Get(spaces, "/api/v1/spaces/{id}/history", "space-history", viewer("spaces:read"),
		s.handleSpaceHistory, "A space's state history, newest first", nf)
	httpapi.Get(resv, "/api/v1/spaces/{id}/availability", "space-availability", viewer("reservations:read"),
		s.handleAvailability, "A space's held windows in a time range", nf)

	httpapi.Post(devices.Location("/api/v1/devices/{id}"), "/api/v1/devices", "create-device", admin("devices:write"),
		s.handleCreateDevice, "Register a sensor, display or gateway", 201, nf, cf)
	httpapi.Get(devices, "/api/v1/devices", "list-devices", viewer("devices:read"),
		s.handleListDevices, "List devices by EUI")
	httpapi.Get(devices, "/api/v1/devices/{id}", "get-device", viewer("devices:read"),
		s.handleGetDevice, "Get a device", nf)
	httpapi.Patch(devices, "/api/v1/devices/{id}", "update-device", admin("devices:write"),
		s.handleUpdateDevice, "Change a device's name, model or payload format", nf)
	httpapi.Delete(devices, "/api/v1/devices/{id}", "decommission-device", admin("devices:write"),
		s.handleDecommissionDevice, "Decommission a device", 204, nf)
	httpapi.Post(devices, "/api/v1/devices/{id}/assign", "assign-device", admin("devices:write"),
		s.handleAssignDevice, "Put a device on a space", nf, cf)
	httpapi.Post(devices, "/api/v1/devices/{id}/unassign", "unassign-device", admin("devices:write"),
		s.handleUnassignDevice, "Take a device off its space", nf)
	httpapi.Get(devices, "/api/v1/orphan-devices", "list-orphan-devices", viewer("devices:read"),
		s.handleListOrphans, "The orphan inbox: unregistered devices that sent data")
	httpapi.Post(devices, "/api/v1/orphan-devices/{id}/assign", "assign-orphan-device", admin("devices:write"),
		s.handleAssignOrphan, "Register an orphan as an active device on a space", nf, cf)
	httpapi.Delete(devices, "/api/v1/orphan-devices/{id}", "dismiss-orphan-device", operator("devices:write"),
		s.handleDismissOrphan, "Dismiss an orphan", 204, nf)
	httpapi.Get(devices, "/api/v1/device-health/offline-gateways", "list-offline-gateways", viewer("devices:read"),
		s.handleListOfflineGateways, "Active gateways that relayed no uplink within the tenant's offline threshold, by EUI")
	httpapi.Get(devices, "/api/v1/device-health/low-battery", "list-low-battery-devices", viewer("devices:read"),
		s.handleListLowBatteryDevices, "Sensors and displays whose last battery report is below the tenant's threshold, by EUI")

	// Displays are devices: assign-device, unassign-device and decommission-device place and retire them.
	httpapi.Post(displays.Location("/api/v1/displays/{id}"), "/api/v1/displays", "create-display", admin("displays:write"),
		s.handleCreateDisplay, "Register a bay display with its byte format", 201, nf, cf)
	httpapi.Get(displays, "/api/v1/displays", "list-displays", viewer("displays:read"),
		s.handleListDisplays, "List displays by EUI with their downlink state (dead=true: the dead letters)")
	httpapi.Get(displays, "/api/v1/displays/{id}", "get-display", viewer("displays:read"),
		s.handleGetDisplay, "Get a display and its downlink state", nf)
	httpapi.Patch(displays, "/api/v1/displays/{id}", "update-display", admin("displays:write"),
		s.handleUpdateDisplay, "Change a display's name or byte format", nf)
	httpapi.Post(displays, "/api/v1/displays/{id}/retry-downlink", "retry-display-downlink", operator("displays:write"),
		s.handleRetryDisplayDownlink, "Queue a display's latest state again (the way out of a dead letter)", nf, cf)
	httpapi.Get(displays, "/api/v1/parking/display-policy", "get-display-policy", admin(""),
		s.handleGetDisplayPolicy, "The tenant's display policy")
	httpapi.Put(displays, "/api/v1/parking/display-policy", "update-display-policy", admin(""),
		s.handleUpdateDisplayPolicy, "Replace the tenant's display policy")
	httpapi.Get(displays, "/api/v1/parking/chirpstack", "get-chirpstack-settings", admin(""),
		s.handleGetChirpStack, "The tenant's ChirpStack downlink settings (the token is never shown)")
	httpapi.Put(displays, "/api/v1/parking/chirpstack", "update-chirpstack-settings", owner(""),
		s.handleUpdateChirpStack, "Replace the tenant's ChirpStack downlink settings")

	httpapi.Post(resv.Location("/api/v1/reservations/{id}"), "/api/v1/reservations", "create-reservation", operator("reservations:write"),
		s.handleCreateReservation, "Reserve a space (idempotent by request_id)", 201, nf, cf)
	httpapi.Get(resv, "/api/v1/reservations", "list-reservations", viewer("reservations:read"),
		s.handleListReservations, "List reservations by start")
	httpapi.Get(resv, "/api/v1/reservations/{id}", "get-reservation", viewer("reservations:read"),
		s.handleGetReservation, "Get a reservation", nf)
	httpapi.Post(resv, "/api/v1/reservations/{id}/cancel", "cancel-reservation", operator("reservations:write"),
		s.handleCancelReservation, "Cancel a pending or confirmed reservation", nf, cf)
	httpapi.Post(resv, "/api/v1/reservations/{id}/check-in", "check-in-reservation", operator("reservations:write"),
		s.handleCheckIn, "Check in to a confirmed reservation", nf, cf)

	// ChirpStack's endpoint validates its raw body itself: the signature covers the bytes as sent.
	ingest := huma.Operation{OperationID: "ingest-chirpstack", Method: http.MethodPost, Path: "/api/v1/ingest/chirpstack",
		Summary: "ChirpStack v4 HTTP integration endpoint", Tags: []string{"Ingest"}, SkipValidateBody: true}
	httpapi.Add(rt, ingest, operator("webhook:ingest"), s.handleIngest)
	documentIngestBody(api)
	httpapi.Get(telemetry, "/api/v1/telemetry/readings", "list-readings", viewer("telemetry:read"),
		s.handleListReadings, "Readings by device or space and time, newest first")
	httpapi.Get(telemetry, "/api/v1/telemetry/state-changes", "list-state-changes", viewer("telemetry:read"),
		s.handleListStateChanges, "Space state changes by time, newest first")

	httpapi.Get(settings, "/api/v1/parking/settings", "get-parking-settings", admin(""),
		s.handleGetSettings, "The tenant's parking settings")
	httpapi.Put(settings, "/api/v1/parking/settings", "update-parking-settings", owner(""),
		s.handleUpdateSettings, "Replace the tenant's parking settings")
	httpapi.Post(settings.Location("/api/v1/parking/settings"), "/api/v1/parking/ingest-secret", "rotate-ingest-secret", owner(""),
		s.handleRotateIngestSecret, "Make a new ingest signing secret (shown once)", 201)
	httpapi.Delete(settings, "/api/v1/parking/ingest-secret", "remove-ingest-secret", owner(""),
		s.handleRemoveIngestSecret, "Stop requiring signed ingest requests", 204)
}
