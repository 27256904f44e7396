package parking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking/store"
)

// replayPage and replayMax bound a resume: the changes missed since Last-Event-ID are replayed
// in pages, at most replayMax of them; beyond that the stream sends a reset event instead.
const (
	replayPage = 200
	replayMax  = 1000
)

// StreamInput names the site and, on a resume, the last event the client received.
type StreamInput struct {
	httpapi.IDInput
	LastEventID string `header:"Last-Event-ID" doc:"The id of the last event received: the changes recorded since are replayed first" maxLength:"64"`
}

// streamOperation is the live stream's operation: its response is text/event-stream, declared
// here because Huma cannot infer it from a streamed body.
func streamOperation(api huma.API) huma.Operation {
	// The JSON of a state event's data line, inline in the x-event-data extension of the media
	// type (OpenAPI 3.1 has no item schema for streams; an unreferenced component would be unused).
	data := huma.NewMapRegistry("#/components/schemas/", huma.DefaultSchemaNamer).Schema(reflect.TypeFor[StreamEvent](), false, "")
	ev := huma.Schema{Type: huma.TypeString, Description: "Server-sent events (text/event-stream). `event: state` with " +
		"`id:` the change's id and `data:` a JSON state change (schema: x-event-data); `event: reset` (data `{\"reason\": …}`) when " +
		"more changes were missed than a resume replays; comment lines (`: heartbeat`) at an interval."}
	return huma.Operation{
		OperationID: "site-stream", Method: http.MethodGet, Path: "/api/v1/sites/{id}/stream",
		Summary: "Live stream of a site's space state changes (server-sent events)",
		Description: "Pushes every state change of the site's spaces within a second of its commit. On reconnecting, " +
			"`Last-Event-ID` replays the changes recorded since (at most 1000; beyond, a `reset` event). Open streams per " +
			"tenant are bounded (429 with Retry-After). See docs/parking.md, \"Live stream\".",
		Errors: []int{http.StatusNotFound, http.StatusTooManyRequests, http.StatusServiceUnavailable},
		Responses: map[string]*huma.Response{"200": {Description: "An event stream",
			Content: map[string]*huma.MediaType{"text/event-stream": {Schema: &ev,
				Extensions: map[string]any{"x-event-data": data}}}}},
	}
}

// handleStream checks the site (another tenant's is the 404 of a random id) and the Last-Event-ID,
// takes a stream slot of the tenant, and streams.
func (s *Service) handleStream(ctx context.Context, in *StreamInput) (*huma.StreamResponse, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	var after uuid.UUID
	if in.LastEventID != "" {
		if after, err = uuid.Parse(in.LastEventID); err != nil {
			return nil, errs.Invalidf("header.Last-Event-ID", "must be the id of an event of this stream")
		}
	}
	if _, err := s.GetSite(ctx, in.ID); err != nil {
		return nil, err
	}
	sub, err := s.stream.subscribe(ctx, sc, in.ID)
	if err != nil {
		return nil, fmt.Errorf("parking: stream: %w", err)
	}
	return &huma.StreamResponse{Body: func(hc huma.Context) {
		defer s.stream.unsubscribe(sub)
		w := newEventWriter(hc)
		if w.comment("connected") != nil {
			return
		}
		replayed, err := s.replay(ctx, w, in.ID, after, in.LastEventID != "")
		if err != nil {
			return
		}
		s.live(ctx, w, sub, replayed)
	}}, nil
}

// replay sends the site's changes recorded after the client's last event, oldest first, and
// returns their ids (a change may also arrive live).
func (s *Service) replay(ctx context.Context, w *eventWriter, site, after uuid.UUID, resume bool) (map[string]bool, error) {
	sent := map[string]bool{}
	if !resume {
		return sent, nil
	}
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	for len(sent) < replayMax {
		var page []StreamEvent
		err := s.db.Read(ctx, func(q postgres.Querier) error {
			rows, err := store.New(q).ReplayChanges(ctx, store.ReplayChangesParams{TenantID: tenant, SiteID: site, AfterID: after, Lim: replayPage})
			for _, r := range rows {
				page = append(page, streamEventOf(r.ID, r.SpaceID, r.SiteID, r.Code, r.OccurredAt, r.PreviousState, r.NewState, r.Occupancy, r.Source))
			}
			return err
		})
		if err != nil {
			if ctx.Err() == nil {
				s.log.WarnContext(ctx, "parking stream: replay", "err", err)
			}
			return nil, err
		}
		for _, ev := range page {
			if err := w.event("state", ev.ID, ev); err != nil {
				return nil, err
			}
			sent[ev.ID] = true
		}
		if len(page) < replayPage {
			return sent, nil
		}
		after = uuid.MustParse(page[len(page)-1].ID)
	}
	err = w.event("reset", "", map[string]string{"reason": fmt.Sprintf("more than %d changes were missed: read the spaces again", replayMax)})
	return sent, err
}

// live sends the stream's events as they are announced, and a heartbeat comment at the interval,
// until the client leaves, the instance ends the stream or the stream reaches its maximum age
// (the client reconnects and its credentials are checked again).
func (s *Service) live(ctx context.Context, w *eventWriter, sub *subscriber, replayed map[string]bool) {
	beat := time.NewTicker(s.stream.cfg.Heartbeat)
	defer beat.Stop()
	age := time.NewTimer(s.stream.cfg.MaxAge)
	defer age.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case <-sub.gone:
			return
		case <-age.C:
			return
		case ev := <-sub.events:
			if replayed[ev.ID] {
				continue
			}
			err = w.event("state", ev.ID, ev)
		case <-beat.C:
			err = w.comment("heartbeat")
		}
		if err != nil {
			return
		}
	}
}

// eventWriter writes server-sent events, each flushed at once, each write with its own deadline
// (the server's WriteTimeout would otherwise cut a long stream).
type eventWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func newEventWriter(hc huma.Context) *eventWriter {
	hc.SetHeader("Content-Type", "text/event-stream")
	hc.SetHeader("Cache-Control", "no-store")
	hc.SetHeader("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	hc.SetStatus(http.StatusOK)
	w, _ := hc.BodyWriter().(http.ResponseWriter)
	return &eventWriter{w: w, rc: http.NewResponseController(w)}
}

func (e *eventWriter) write(b []byte) error {
	if e.w == nil {
		return errors.New("parking stream: no response writer")
	}
	if err := e.rc.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	if _, err := e.w.Write(b); err != nil {
		return err
	}
	return e.rc.Flush()
}

func (e *eventWriter) comment(text string) error { return e.write([]byte(": " + text + "\n\n")) }

func (e *eventWriter) event(name, id string, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	b := make([]byte, 0, len(raw)+100)
	if id != "" {
		b = append(b, "id: "+id+"\n"...)
	}
	b = append(b, "event: "+name+"\ndata: "...)
	b = append(b, raw...)
	return e.write(append(b, "\n\n"...))
}
