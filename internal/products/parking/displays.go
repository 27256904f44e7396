package parking

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/platform/secretbox"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking/displayformat"
	"github.com/tenantry/tenantry/internal/products/parking/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// DisplayPolicy is how a tenant's bay displays show the derived states (docs/parking.md, "Displays").
type DisplayPolicy struct {
	ColourFree          string     `json:"colour_free" pattern:"^#[0-9A-F]{6}$" example:"#00C800" doc:"#RRGGBB; default #00C800"`
	ColourOccupied      string     `json:"colour_occupied" pattern:"^#[0-9A-F]{6}$" example:"#FF0000" doc:"Default #FF0000"`
	ColourReserved      string     `json:"colour_reserved" pattern:"^#[0-9A-F]{6}$" example:"#0050FF" doc:"Default #0050FF"`
	ColourMaintenance   string     `json:"colour_maintenance" pattern:"^#[0-9A-F]{6}$" example:"#FFA000" doc:"Default #FFA000"`
	ReservedSoonMinutes int32      `json:"reserved_soon_minutes" minimum:"0" maximum:"1440" doc:"A free space whose next reservation starts within this many minutes blinks; 0 turns it off; default 15"`
	QuietStart          string     `json:"quiet_start" doc:"HH:MM in the site's timezone, or empty for no quiet hours"`
	QuietEnd            string     `json:"quiet_end" doc:"HH:MM in the site's timezone (may be before quiet_start: over midnight)"`
	QuietBrightness     int32      `json:"quiet_brightness" minimum:"0" maximum:"100" doc:"Brightness in percent during quiet hours (100 outside them); default 20"`
	UpdatedAt           *time.Time `json:"updated_at,omitempty" readOnly:"true"`
}

// DefaultDisplayPolicy is the policy of a tenant that changed none.
func DefaultDisplayPolicy() DisplayPolicy {
	return DisplayPolicy{ColourFree: "#00C800", ColourOccupied: "#FF0000", ColourReserved: "#0050FF", ColourMaintenance: "#FFA000",
		ReservedSoonMinutes: 15, QuietBrightness: 20}
}

// ChirpStackSettings are the tenant's ChirpStack v4 REST API settings for downlinks. The API
// token is write-only: only whether one is stored is shown.
type ChirpStackSettings struct {
	ServerURL   string     `json:"server_url" doc:"Base URL of the ChirpStack REST API (the grpc-gateway), e.g. https://chirpstack.example.com; empty: no downlinks"`
	HasAPIToken bool       `json:"has_api_token" readOnly:"true"`
	UpdatedAt   *time.Time `json:"updated_at,omitempty" readOnly:"true"`
}

var (
	colourRE = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)
	clockRE  = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
)

// validate checks a policy and puts its colours in canonical (upper-case) form.
func (p *DisplayPolicy) validate() error {
	for _, c := range []struct {
		field string
		v     *string
	}{{"colour_free", &p.ColourFree}, {"colour_occupied", &p.ColourOccupied}, {"colour_reserved", &p.ColourReserved}, {"colour_maintenance", &p.ColourMaintenance}} {
		if !colourRE.MatchString(*c.v) {
			return errs.Invalidf("body."+c.field, "must be a colour #RRGGBB")
		}
		*c.v = strings.ToUpper(*c.v)
	}
	switch {
	case p.ReservedSoonMinutes < 0 || p.ReservedSoonMinutes > 1440:
		return errs.Invalidf("body.reserved_soon_minutes", "must be between 0 and 1440")
	case p.QuietBrightness < 0 || p.QuietBrightness > 100:
		return errs.Invalidf("body.quiet_brightness", "must be between 0 and 100")
	case (p.QuietStart == "") != (p.QuietEnd == ""):
		return errs.Invalidf("body.quiet_end", "give quiet_start and quiet_end together, or neither")
	case p.QuietStart != "" && !clockRE.MatchString(p.QuietStart):
		return errs.Invalidf("body.quiet_start", "must be a time HH:MM")
	case p.QuietEnd != "" && !clockRE.MatchString(p.QuietEnd):
		return errs.Invalidf("body.quiet_end", "must be a time HH:MM")
	case p.QuietStart != "" && p.QuietStart == p.QuietEnd:
		return errs.Invalidf("body.quiet_end", "must differ from quiet_start")
	}
	return nil
}

// UseSecretKey gives the service the key that seals the tenants' ChirpStack API tokens at rest
// (TENANTRY_SECRET_KEY, secretbox.KeySize bytes). Without it no token can be stored.
func (s *Service) UseSecretKey(key []byte) error {
	box, err := secretbox.New(key)
	if err != nil {
		return fmt.Errorf("parking: %w", err)
	}
	s.box = box
	return nil
}

// tokenContext binds a sealed ChirpStack token to its tenant: it opens for no other.
func tokenContext(tenant uuid.UUID) []byte {
	return []byte("parking.chirpstack_token:" + tenant.String())
}

func displaySettingsOf(ctx context.Context, st *store.Queries, tenant uuid.UUID) (DisplayPolicy, ChirpStackSettings, error) {
	r, err := st.GetDisplaySettings(ctx, tenant)
	if postgres.IsNoRows(err) {
		return DefaultDisplayPolicy(), ChirpStackSettings{}, nil
	}
	if err != nil {
		return DisplayPolicy{}, ChirpStackSettings{}, err
	}
	p := DisplayPolicy{ColourFree: r.ColourFree, ColourOccupied: r.ColourOccupied, ColourReserved: r.ColourReserved,
		ColourMaintenance: r.ColourMaintenance, ReservedSoonMinutes: r.ReservedSoonMinutes, QuietStart: r.QuietStart, QuietEnd: r.QuietEnd,
		QuietBrightness: r.QuietBrightness, UpdatedAt: &r.UpdatedAt}
	return p, ChirpStackSettings{ServerURL: deref(r.ChirpstackUrl), HasAPIToken: r.HasChirpstackToken, UpdatedAt: &r.UpdatedAt}, nil
}

// GetDisplayPolicy returns the tenant's display policy.
func (s *Service) GetDisplayPolicy(ctx context.Context) (DisplayPolicy, error) {
	out, err := postgres.Get(ctx, s.db, func(q postgres.Querier, tenant uuid.UUID) (DisplayPolicy, error) {
		p, _, err := displaySettingsOf(ctx, store.New(q), tenant)
		return p, err
	})
	if err != nil {
		return DisplayPolicy{}, fmt.Errorf("parking: get display policy: %w", err)
	}
	return out, nil
}

// UpdateDisplayPolicy replaces the tenant's display policy and queues a downlink for every placed
// display, so each shows the new policy.
func (s *Service) UpdateDisplayPolicy(ctx context.Context, in DisplayPolicy) (DisplayPolicy, error) {
	if err := in.validate(); err != nil {
		return DisplayPolicy{}, err
	}
	tenant, err := tenantOf(ctx)
	if err != nil {
		return DisplayPolicy{}, err
	}
	var out DisplayPolicy
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		err := st.UpsertDisplayPolicy(ctx, store.UpsertDisplayPolicyParams{TenantID: tenant, ColourFree: in.ColourFree,
			ColourOccupied: in.ColourOccupied, ColourReserved: in.ColourReserved, ColourMaintenance: in.ColourMaintenance,
			ReservedSoonMinutes: in.ReservedSoonMinutes, QuietStart: nonEmpty(in.QuietStart), QuietEnd: nonEmpty(in.QuietEnd),
			QuietBrightness: in.QuietBrightness})
		if err != nil {
			return err
		}
		details := map[string]any{"colour_free": in.ColourFree, "colour_occupied": in.ColourOccupied, "colour_reserved": in.ColourReserved,
			"colour_maintenance": in.ColourMaintenance, "reserved_soon_minutes": in.ReservedSoonMinutes, "quiet_start": in.QuietStart,
			"quiet_end": in.QuietEnd, "quiet_brightness": in.QuietBrightness}
		if err := record(ctx, q, "parking.display_policy_update", "tenant", tenant, details); err != nil {
			return err
		}
		// Every placed display shows the new policy from its next downlink: queue it now.
		if err := queueDisplayDownlinks(ctx, q, tenant, uuid.NullUUID{}, uuid.NullUUID{}); err != nil {
			return err
		}
		out, _, err = displaySettingsOf(ctx, st, tenant)
		return err
	})
	if err != nil {
		return DisplayPolicy{}, fmt.Errorf("parking: update display policy: %w", err)
	}
	return out, nil
}

// GetChirpStack returns the tenant's ChirpStack settings, without the token.
func (s *Service) GetChirpStack(ctx context.Context) (ChirpStackSettings, error) {
	out, err := postgres.Get(ctx, s.db, func(q postgres.Querier, tenant uuid.UUID) (ChirpStackSettings, error) {
		_, c, err := displaySettingsOf(ctx, store.New(q), tenant)
		return c, err
	})
	if err != nil {
		return ChirpStackSettings{}, fmt.Errorf("parking: get chirpstack settings: %w", err)
	}
	return out, nil
}

// ChirpStackUpdate changes the ChirpStack settings: the server URL (empty: none), and the API
// token when Token is set (ClearToken removes it).
type ChirpStackUpdate struct {
	ServerURL  string
	Token      *string
	ClearToken bool
}

// checkServerURL accepts an absolute http(s) URL without credentials, query or fragment.
func checkServerURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", errs.Invalidf("body.server_url", "must be an http or https URL without credentials, query or fragment")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// UpdateChirpStack replaces the tenant's ChirpStack settings; a given token is sealed at rest.
func (s *Service) UpdateChirpStack(ctx context.Context, in ChirpStackUpdate) (ChirpStackSettings, error) {
	p := store.UpsertChirpStackParams{Clear: in.ClearToken}
	if in.ServerURL != "" {
		u, err := checkServerURL(in.ServerURL)
		if err != nil {
			return ChirpStackSettings{}, err
		}
		p.Url = &u
	}
	if in.Token != nil && (len(*in.Token) < 8 || len(*in.Token) > 2000 || strings.TrimSpace(*in.Token) != *in.Token) {
		return ChirpStackSettings{}, errs.Invalidf("body.api_token", "must be 8 to 2000 characters without surrounding spaces")
	}
	tenant, err := tenantOf(ctx)
	if err != nil {
		return ChirpStackSettings{}, err
	}
	if in.Token != nil && !in.ClearToken {
		if s.box == nil {
			return ChirpStackSettings{}, fmt.Errorf("parking: update chirpstack settings: no secret key to seal the token with")
		}
		if p.Token, err = s.box.Seal([]byte(*in.Token), tokenContext(tenant)); err != nil {
			return ChirpStackSettings{}, fmt.Errorf("parking: update chirpstack settings: %w", err)
		}
	}
	var out ChirpStackSettings
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		p.TenantID = tenant
		if err := st.UpsertChirpStack(ctx, p); err != nil {
			return err
		}
		details := map[string]any{"server_url": deref(p.Url), "token_changed": p.Token != nil, "token_cleared": in.ClearToken}
		if err := record(ctx, q, "parking.chirpstack_update", "tenant", tenant, details); err != nil {
			return err
		}
		_, out, err = displaySettingsOf(ctx, st, tenant)
		return err
	})
	if err != nil {
		return ChirpStackSettings{}, fmt.Errorf("parking: update chirpstack settings: %w", err)
	}
	return out, nil
}

// Display is a bay display: a device of kind display, its vendor byte format and the state of
// its downlinks.
type Display struct {
	ID           string    `json:"id" format:"uuid"`
	DevEUI       string    `json:"dev_eui" pattern:"^[0-9A-F]{16}$" example:"70B3D57ED0061A2C"`
	Name         string    `json:"name"`
	Format       string    `json:"format" enum:"tnr-rgb,tnr-compact"`
	Status       string    `json:"status" enum:"active,inactive,decommissioned"`
	SpaceID      *string   `json:"space_id" format:"uuid"`
	CurrentState *State    `json:"current_state" enum:"FREE,OCCUPIED,RESERVED,MAINTENANCE" doc:"The space's derived state now"`
	Downlink     Downlink  `json:"downlink"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Downlink is the state of a display's downlinks: the latest wanted, the last sent and whether
// the display acknowledged it.
type Downlink struct {
	Status        string     `json:"status" enum:"none,pending,sent,transmitted,acknowledged,unacknowledged,dead" doc:"none: nothing queued yet; pending: a newer state waits to be sent; dead: the last attempts failed (retry-display-downlink)"`
	Generation    int64      `json:"generation" doc:"Counts the states queued for the display"`
	WantedState   *State     `json:"wanted_state" enum:"FREE,OCCUPIED,RESERVED,MAINTENANCE"`
	SentState     *State     `json:"sent_state" enum:"FREE,OCCUPIED,RESERVED,MAINTENANCE"`
	SentAt        *time.Time `json:"sent_at"`
	QueueItemID   *string    `json:"queue_item_id" doc:"ChirpStack's id of the last queued downlink"`
	FCntDown      *int64     `json:"f_cnt_down"`
	TransmittedAt *time.Time `json:"transmitted_at" doc:"A gateway transmitted it (txack)"`
	Acknowledged  *bool      `json:"acknowledged" doc:"The display's answer to the confirmed downlink (ack), null before"`
	AckedAt       *time.Time `json:"acked_at"`
	ShowsCurrent  bool       `json:"shows_current" doc:"The acknowledged state is the space's current state"`
	Attempts      int32      `json:"attempts" doc:"Failed attempts of the wanted state"`
	LastError     *string    `json:"last_error"`
	DeadAt        *time.Time `json:"dead_at" doc:"Set when the last attempt failed: a dead letter"`
}

func displayOf(r store.GetDisplayRow) Display {
	d := Display{ID: r.ID.String(), DevEUI: r.DevEui, Name: r.Name, Format: r.Format, Status: r.Status, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		CurrentState: statePtr(r.CurrentState)}
	if r.SpaceID.Valid {
		id := r.SpaceID.UUID.String()
		d.SpaceID = &id
	}
	dl := Downlink{Generation: r.Generation, WantedState: statePtr(r.DesiredState), SentState: statePtr(r.SentState), SentAt: r.SentAt,
		QueueItemID: r.QueueItemID, FCntDown: r.FCntDown, TransmittedAt: r.TransmittedAt, Acknowledged: r.Acknowledged, AckedAt: r.AckedAt,
		Attempts: r.Attempts, LastError: r.LastError, DeadAt: r.DeadAt}
	acked := r.Acknowledged != nil && *r.Acknowledged
	dl.ShowsCurrent = acked && r.SentState != nil && r.CurrentState != nil && *r.SentState == *r.CurrentState
	switch {
	case r.DeadAt != nil:
		dl.Status = "dead"
	case r.Generation == 0:
		dl.Status = "none"
	case r.SentGeneration < r.Generation:
		dl.Status = "pending"
	case r.Acknowledged != nil && acked:
		dl.Status = "acknowledged"
	case r.Acknowledged != nil:
		dl.Status = "unacknowledged"
	case r.TransmittedAt != nil:
		dl.Status = "transmitted"
	default:
		dl.Status = "sent"
	}
	d.Downlink = dl
	return d
}

func statePtr(s *string) *State {
	if s == nil {
		return nil
	}
	st := State(*s)
	return &st
}

// checkFormat validates a display format name.
func checkFormat(location string, f *string) error {
	if f == nil {
		return nil
	}
	if _, ok := displayformat.Lookup(*f); !ok {
		return errs.Invalidf(location, "must be one of %s", strings.Join(displayformat.Names(), ", "))
	}
	return nil
}

// DisplayFields are the writable fields of a display; nil means "not given".
type DisplayFields struct {
	DevEUI       string // create only
	Name, Format *string
	SpaceID      uuid.NullUUID // create only: assign at once
}

// CreateDisplay registers a display device with its byte format, optionally on a live space; a
// display on a space gets the space's state at once (a downlink is queued in the same transaction).
func (s *Service) CreateDisplay(ctx context.Context, f DisplayFields) (Display, error) {
	eui, err := euiField("body.dev_eui", f.DevEUI)
	if err != nil {
		return Display{}, err
	}
	if err := checkFormat("body.format", f.Format); err != nil {
		return Display{}, err
	}
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Display{}, err
	}
	status := DeviceInactive
	if f.SpaceID.Valid {
		status = DeviceActive
	}
	id := tenancy.NewID()
	var out Display
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if f.SpaceID.Valid {
			if _, err := lockLiveSpace(ctx, st, tenant, f.SpaceID.UUID); err != nil {
				return err
			}
		}
		err := st.InsertDevice(ctx, store.InsertDeviceParams{TenantID: tenant, ID: id, DevEui: eui, Kind: "display", Name: deref(f.Name),
			PayloadFormat: "auto", Status: status, SpaceID: f.SpaceID})
		if err != nil {
			return err
		}
		format := derefOr(f.Format, displayformat.Default)
		if err := st.InsertDisplay(ctx, store.InsertDisplayParams{TenantID: tenant, DeviceID: id, Format: format}); err != nil {
			return err
		}
		if err := st.DeleteOrphanByEUI(ctx, store.DeleteOrphanByEUIParams{TenantID: tenant, DevEui: eui}); err != nil {
			return err
		}
		if err := queueDisplayDownlinks(ctx, q, tenant, uuid.NullUUID{}, uuid.NullUUID{UUID: id, Valid: true}); err != nil {
			return err
		}
		if err := record(ctx, q, "display.create", "device", id, map[string]any{"dev_eui": eui, "format": format}); err != nil {
			return err
		}
		out, err = getDisplay(ctx, st, tenant, id)
		return err
	})
	if err != nil {
		return Display{}, fmt.Errorf("parking: create display: %w", deviceConflict(err))
	}
	return out, nil
}

func getDisplay(ctx context.Context, st *store.Queries, tenant, id uuid.UUID) (Display, error) {
	r, err := postgres.One(st.GetDisplay(ctx, store.GetDisplayParams{TenantID: tenant, ID: id}))
	if err != nil {
		return Display{}, err
	}
	return displayOf(r), nil
}

// GetDisplay returns a display; a device of another kind is NotFound.
func (s *Service) GetDisplay(ctx context.Context, id uuid.UUID) (Display, error) {
	out, err := postgres.Get(ctx, s.db, func(q postgres.Querier, tenant uuid.UUID) (Display, error) {
		return getDisplay(ctx, store.New(q), tenant, id)
	})
	if err != nil {
		return Display{}, fmt.Errorf("parking: get display: %w", err)
	}
	return out, nil
}

// ListDisplays lists the tenant's displays that are not decommissioned, by EUI; deadOnly keeps
// the dead letters (displays whose last downlink attempt failed).
func (s *Service) ListDisplays(ctx context.Context, deadOnly bool, size int, after *deviceKey) ([]Display, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	p := store.ListDisplaysParams{TenantID: tenant, DeadOnly: deadOnly, Lim: int32(size + 1)}
	if after != nil {
		p.AfterEui, p.AfterID = &after.EUI, uuid.NullUUID{UUID: after.ID, Valid: true}
	}
	var out []Display
	err = s.db.Read(postgres.CustomPlans(ctx), func(q postgres.Querier) error {
		rows, err := store.New(q).ListDisplays(ctx, p)
		for _, r := range rows {
			out = append(out, displayOf(store.GetDisplayRow(r)))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("parking: list displays: %w", err)
	}
	return out, nil
}

// UpdateDisplay changes a display's name or byte format; a new format is sent at once when the
// display is on a space.
func (s *Service) UpdateDisplay(ctx context.Context, id uuid.UUID, f DisplayFields) (Display, error) {
	if err := checkFormat("body.format", f.Format); err != nil {
		return Display{}, err
	}
	tenant, err := tenantOf(ctx)
	if err != nil {
		return Display{}, err
	}
	var out Display
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		d, err := postgres.One(st.LockDevice(ctx, store.LockDeviceParams{TenantID: tenant, ID: id}))
		if err != nil {
			return err
		}
		if d.Kind != "display" {
			return errs.ErrNotFound
		}
		if err := st.UpdateDevice(ctx, store.UpdateDeviceParams{TenantID: tenant, ID: id, Name: f.Name}); err != nil {
			return err
		}
		if f.Format != nil {
			if err := st.SetDisplayFormat(ctx, store.SetDisplayFormatParams{TenantID: tenant, DeviceID: id, Format: *f.Format}); err != nil {
				return err
			}
			if err := queueDisplayDownlinks(ctx, q, tenant, uuid.NullUUID{}, uuid.NullUUID{UUID: id, Valid: true}); err != nil {
				return err
			}
		}
		if err := record(ctx, q, "display.update", "device", id, map[string]any{"name": f.Name != nil, "format": deref(f.Format)}); err != nil {
			return err
		}
		out, err = getDisplay(ctx, st, tenant, id)
		return err
	})
	if err != nil {
		return Display{}, fmt.Errorf("parking: update display: %w", err)
	}
	return out, nil
}
