package flows

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// Bounds of target lists and batches (the schema's checks, reported as 422 before they fire).
const (
	MaxTargets          = 500  // targets in a list, a schedule or a batch
	MaxTargetLabelLen   = 200  // characters
	MaxTargetNotesLen   = 2000 // characters
	MaxTargetListName   = 200  // characters
	MaxTargetListDetail = 2000 // characters of a description
)

// Target is one machine, site or client a batch prepares a session for.
type Target struct {
	Label string `json:"label" minLength:"1" maxLength:"200" doc:"What the session is for: a host name, a site, a client" example:"srv-files-01"`
	Notes string `json:"notes,omitempty" maxLength:"2000" doc:"Free notes for the technician"`
}

// checkTargets trims and checks targets (field is the location of the list, such as
// "body.targets"); an empty list is allowed when allowEmpty.
func checkTargets(field string, targets []Target, allowEmpty bool) ([]Target, error) {
	if len(targets) == 0 && !allowEmpty {
		return nil, errs.Invalidf(field, "must name at least one target")
	}
	if len(targets) > MaxTargets {
		return nil, errs.Invalidf(field, "must have at most %d targets", MaxTargets)
	}
	out := make([]Target, 0, len(targets))
	for i, t := range targets {
		t.Label, t.Notes = strings.TrimSpace(t.Label), strings.TrimSpace(t.Notes)
		switch n := utf8.RuneCountInString(t.Label); {
		case n == 0:
			return nil, errs.Invalidf(fmt.Sprintf("%s[%d].label", field, i), "is required")
		case n > MaxTargetLabelLen:
			return nil, errs.Invalidf(fmt.Sprintf("%s[%d].label", field, i), "must be at most %d characters", MaxTargetLabelLen)
		}
		if utf8.RuneCountInString(t.Notes) > MaxTargetNotesLen {
			return nil, errs.Invalidf(fmt.Sprintf("%s[%d].notes", field, i), "must be at most %d characters", MaxTargetNotesLen)
		}
		out = append(out, t)
	}
	return out, nil
}

// TargetList is a named list of targets of the tenant, for batch launches and schedules. Every
// member of the tenant reads the tenant's lists; operators and above write them.
type TargetList struct {
	ID          uuid.UUID `json:"id" format:"uuid"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Targets     []Target  `json:"targets"`
	CreatedBy   uuid.UUID `json:"created_by" format:"uuid"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// TargetListInput creates or replaces a target list.
type TargetListInput struct {
	Name        string   `json:"name" minLength:"1" maxLength:"200" example:"File servers"`
	Description string   `json:"description,omitempty" maxLength:"2000"`
	Targets     []Target `json:"targets" minItems:"1" maxItems:"500"`
}

func (in *TargetListInput) check() ([]byte, error) {
	in.Name, in.Description = strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		return nil, errs.Invalidf("body.name", "is required")
	case n > MaxTargetListName:
		return nil, errs.Invalidf("body.name", "must be at most %d characters", MaxTargetListName)
	}
	if utf8.RuneCountInString(in.Description) > MaxTargetListDetail {
		return nil, errs.Invalidf("body.description", "must be at most %d characters", MaxTargetListDetail)
	}
	targets, err := checkTargets("body.targets", in.Targets, false)
	if err != nil {
		return nil, err
	}
	in.Targets = targets
	return json.Marshal(targets)
}

func targetListView(r store.FlowTargetList) (TargetList, error) {
	out := TargetList{ID: r.ID, Name: r.Name, Description: r.Description, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt,
		UpdatedAt: r.UpdatedAt, Targets: []Target{}}
	if err := json.Unmarshal(r.Targets, &out.Targets); err != nil {
		return TargetList{}, fmt.Errorf("decode targets: %w", err)
	}
	return out, nil
}

// CreateTargetList creates a target list of the tenant (operators and above).
func (s *Service) CreateTargetList(ctx context.Context, in TargetListInput) (TargetList, error) {
	c, err := callerOf(ctx)
	if err == nil && !c.role.AtLeast(tenancy.RoleOperator) {
		err = errRole
	}
	if err != nil {
		return TargetList{}, fail("create target list", err)
	}
	doc, err := in.check()
	if err != nil {
		return TargetList{}, fail("create target list", err)
	}
	id, now := tenancy.NewID(), s.now().UTC()
	var out TargetList
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		err := st.InsertTargetList(ctx, store.InsertTargetListParams{TenantID: c.tenant, ID: id, Name: in.Name,
			Description: in.Description, Targets: doc, CreatedBy: c.user, Now: now})
		if err != nil {
			return err
		}
		if err := record(ctx, q, "flow_target_list.create", "flow_target_list", id, map[string]any{"targets": len(in.Targets)}); err != nil {
			return err
		}
		out, err = readTargetList(ctx, st, c.tenant, id)
		return err
	})
	return out, fail("create target list", err)
}

func readTargetList(ctx context.Context, st *store.Queries, tenant, id uuid.UUID) (TargetList, error) {
	r, err := st.GetTargetList(ctx, store.GetTargetListParams{TenantID: tenant, ID: id})
	if err != nil {
		return TargetList{}, found(err)
	}
	return targetListView(r)
}

// GetTargetList returns a target list of the tenant; any other id is errs.ErrNotFound.
func (s *Service) GetTargetList(ctx context.Context, id uuid.UUID) (TargetList, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return TargetList{}, fail("get target list", err)
	}
	var out TargetList
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		out, err = readTargetList(ctx, store.New(q), c.tenant, id)
		return err
	})
	return out, fail("get target list", err)
}

// createdKey is the sort key of the lists ordered newest first, carried in their cursors.
type createdKey struct {
	CreatedAt time.Time `json:"c"`
	ID        uuid.UUID `json:"i"`
}

func (k *createdKey) params() (*time.Time, uuid.NullUUID) {
	if k == nil {
		return nil, uuid.NullUUID{}
	}
	return &k.CreatedAt, uuid.NullUUID{UUID: k.ID, Valid: true}
}

// ListTargetLists returns up to size+1 of the tenant's target lists, newest first, after the key
// of the previous page's last one (httpapi.List).
func (s *Service) ListTargetLists(ctx context.Context, size int, after *createdKey) ([]TargetList, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, fail("list target lists", err)
	}
	p := store.ListTargetListsParams{TenantID: c.tenant, Lim: int32(size + 1)}
	p.AfterCreated, p.AfterID = after.params()
	var out []TargetList
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		rows, err := store.New(q).ListTargetLists(ctx, p)
		for _, r := range rows {
			v, verr := targetListView(r)
			if verr != nil {
				return verr
			}
			out = append(out, v)
		}
		return err
	})
	return out, fail("list target lists", err)
}

// UpdateTargetList replaces a target list's name, description and targets (operators and above).
// Schedules that use the list fire with its targets as they are then; batches launched before
// keep theirs.
func (s *Service) UpdateTargetList(ctx context.Context, id uuid.UUID, in TargetListInput) (TargetList, error) {
	c, err := callerOf(ctx)
	if err == nil && !c.role.AtLeast(tenancy.RoleOperator) {
		err = errRole
	}
	if err != nil {
		return TargetList{}, fail("update target list", err)
	}
	doc, err := in.check()
	if err != nil {
		return TargetList{}, fail("update target list", err)
	}
	var out TargetList
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		n, err := st.UpdateTargetList(ctx, store.UpdateTargetListParams{TenantID: c.tenant, ID: id, Name: in.Name,
			Description: in.Description, Targets: doc, Now: s.now().UTC()})
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.ErrNotFound
		}
		if err := record(ctx, q, "flow_target_list.update", "flow_target_list", id, map[string]any{"targets": len(in.Targets)}); err != nil {
			return err
		}
		out, err = readTargetList(ctx, st, c.tenant, id)
		return err
	})
	return out, fail("update target list", err)
}

// DeleteTargetList deletes a target list (operators and above). A list that a schedule uses is a
// Conflict: change or delete the schedule first.
func (s *Service) DeleteTargetList(ctx context.Context, id uuid.UUID) error {
	c, err := callerOf(ctx)
	if err == nil && !c.role.AtLeast(tenancy.RoleOperator) {
		err = errRole
	}
	if err != nil {
		return fail("delete target list", err)
	}
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		n, err := store.New(q).DeleteTargetList(ctx, store.DeleteTargetListParams{TenantID: c.tenant, ID: id})
		if err != nil {
			if postgres.IsCode(err, "23503") {
				return errs.E(errs.Conflict, "a maintenance schedule uses this target list")
			}
			return err
		}
		if n == 0 {
			return errs.ErrNotFound
		}
		return record(ctx, q, "flow_target_list.delete", "flow_target_list", id, nil)
	})
	return fail("delete target list", err)
}
