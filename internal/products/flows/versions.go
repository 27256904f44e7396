package flows

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
	"github.com/tenantry/tenantry/internal/products/flows/store"
)

// Version is a published, immutable version of a flow: the title, description, kind and graph it
// had when it was published. Node ids are the graph's own and stay the same across versions.
type Version struct {
	FlowID      uuid.UUID    `json:"flow_id" format:"uuid"`
	Version     int32        `json:"version" minimum:"1"`
	Title       string       `json:"title"`
	Description string       `json:"description"`
	Kind        string       `json:"kind" enum:"troubleshooting,procedural,maintenance"`
	PublishedBy uuid.UUID    `json:"published_by" format:"uuid"`
	PublishedAt time.Time    `json:"published_at"`
	Graph       *graph.Graph `json:"graph,omitempty" doc:"The version's graph; absent in lists"`
}

func versionOf(flow uuid.UUID, r store.ListVersionsRow, g *graph.Graph) Version {
	return Version{FlowID: flow, Version: r.Version, Title: r.Title, Description: r.Description, Kind: r.Kind,
		PublishedBy: r.PublishedBy, PublishedAt: r.PublishedAt, Graph: g}
}

// versionKey is the sort key of the versions list, carried in its cursor.
type versionKey struct {
	Version int32 `json:"v"`
}

// ListVersions returns up to size+1 of the versions of a flow the caller can see (NotFound
// otherwise), newest first, before the version after (nil: from the newest), without their
// graphs; see httpapi.List.
func (s *Service) ListVersions(ctx context.Context, id uuid.UUID, size int, after *versionKey) ([]Version, error) {
	out, err := s.listVersions(ctx, id, size, after)
	return out, fail("list versions", err)
}

func (s *Service) listVersions(ctx context.Context, id uuid.UUID, size int, after *versionKey) ([]Version, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	p := store.ListVersionsParams{TenantID: c.tenant, FlowID: id, Lim: int32(size + 1)}
	if after != nil {
		p.Before = &after.Version
	}
	var items []Version
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if _, err := visibleFlow(ctx, st, c, id); err != nil {
			return err
		}
		rows, err := st.ListVersions(ctx, p)
		for _, r := range rows {
			items = append(items, versionOf(id, r, nil))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}

// GetVersion returns one published version of a flow the caller can see, with its graph. An
// unknown version, or a flow the caller cannot see, is NotFound.
func (s *Service) GetVersion(ctx context.Context, id uuid.UUID, version int32) (Version, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return Version{}, fail("get version", err)
	}
	var out Version
	err = s.db.Read(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if _, err := visibleFlow(ctx, st, c, id); err != nil {
			return err
		}
		r, err := st.GetVersion(ctx, store.GetVersionParams{TenantID: c.tenant, FlowID: id, Version: version})
		if err != nil {
			return found(err)
		}
		g, err := decodeGraph(r.Graph)
		out = versionOf(id, store.ListVersionsRow{Version: r.Version, Title: r.Title, Description: r.Description, Kind: r.Kind,
			PublishedBy: r.PublishedBy, PublishedAt: r.PublishedAt}, &g)
		return err
	})
	return out, fail("get version", err)
}
