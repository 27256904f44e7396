package parking

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/errs"
	"github.com/tenantry/tenantry/internal/jobs"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/products/parking/displayformat"
	"github.com/tenantry/tenantry/internal/products/parking/store"
	"github.com/tenantry/tenantry/internal/tenancy"
)

// downlinkAttempts is how often a display's state is tried before it becomes a dead letter.
const downlinkAttempts = 5

// DownlinkArgs is the job that sends one generation of a display's wanted state. It carries ids
// and the generation only: the state, the policy and the token stay in tenant tables. A job whose
// generation is older than the display's is stale and ends without sending (coalescing: only the
// latest state of a display is sent).
type DownlinkArgs struct {
	jobs.TenantArgs
	DisplayID  uuid.UUID `json:"display_id"`
	Generation int64     `json:"generation"`
}

// Kind names the job.
func (DownlinkArgs) Kind() string { return "parking.display_downlink" }

// MaxAttempts is how often a generation is tried (jobs.AttemptLimit).
func (DownlinkArgs) MaxAttempts() int { return downlinkAttempts }

// queueDisplayDownlinks bumps the generation of the active displays on space (or of the one
// display given) to the space's current derived state and inserts their delivery jobs, inside
// the caller's transaction: the downlink exists exactly when the change commits.
func queueDisplayDownlinks(ctx context.Context, q postgres.Querier, tenant uuid.UUID, space, display uuid.NullUUID) error {
	rows, err := store.New(q).QueueDisplayDownlinks(ctx, store.QueueDisplayDownlinksParams{TenantID: tenant, SpaceID: space, DeviceID: display})
	if err != nil {
		return err
	}
	for _, r := range rows {
		args := DownlinkArgs{TenantArgs: jobs.For(tenancy.TenantID(tenant)), DisplayID: r.DeviceID, Generation: r.Generation}
		if err := jobs.InsertTx(ctx, q, args); err != nil {
			return err
		}
	}
	return nil
}

// queueSpaceDisplays queues the display of a space whose derived state changed (transitionAt).
func queueSpaceDisplays(ctx context.Context, q postgres.Querier, tenant, space uuid.UUID) error {
	return queueDisplayDownlinks(ctx, q, tenant, uuid.NullUUID{UUID: space, Valid: true}, uuid.NullUUID{})
}

// RetryDisplayDownlink queues a display's latest wanted state again: the way out of a dead
// letter (or a nudge for a display that missed its downlink).
func (s *Service) RetryDisplayDownlink(ctx context.Context, id uuid.UUID) (Display, error) {
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
		switch {
		case d.Kind != "display":
			return errs.ErrNotFound
		case !d.SpaceID.Valid:
			return errs.E(errs.Conflict, "the display is on no space: it has nothing to show")
		}
		if err := queueDisplayDownlinks(ctx, q, tenant, uuid.NullUUID{}, uuid.NullUUID{UUID: id, Valid: true}); err != nil {
			return err
		}
		if err := record(ctx, q, "display.downlink_retry", "device", id, nil); err != nil {
			return err
		}
		out, err = getDisplay(ctx, st, tenant, id)
		return err
	})
	if err != nil {
		return Display{}, fmt.Errorf("parking: retry display downlink: %w", err)
	}
	return out, nil
}

// downlink is one prepared send: the device, the payload and where it goes.
type downlink struct {
	eui, state, serverURL, token string
	data                         []byte
	fPort                        uint32
	frame                        displayformat.Frame
}

// sendDownlink is the worker of DownlinkArgs. No transaction is held while ChirpStack is talked
// to: the display is read, the downlink queued in ChirpStack, then the result recorded in a short
// transaction of its own. A failure is recorded on the display and returned for River to retry
// with its backoff; on the last attempt the display becomes a dead letter.
func (s *Service) sendDownlink(ctx context.Context, a DownlinkArgs) error {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return err
	}
	dl, skip, err := s.prepareDownlink(ctx, tenant, a)
	if err != nil || skip {
		return err
	}
	queueID, fCnt, serr := s.enqueueChirpStack(ctx, dl)
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		if serr != nil {
			return st.MarkDisplayFailed(ctx, store.MarkDisplayFailedParams{TenantID: tenant, DeviceID: a.DisplayID, Generation: a.Generation,
				LastError: ptrTo(clip(serr.Error(), 500)), Dead: jobs.LastAttempt(ctx)})
		}
		return st.MarkDisplaySent(ctx, store.MarkDisplaySentParams{TenantID: tenant, DeviceID: a.DisplayID, Generation: a.Generation,
			State: &dl.state, Payload: dl.data, Blink: &dl.frame.Blink, Brightness: ptrTo(int16(dl.frame.Brightness)),
			QueueItemID: nonEmpty(queueID), FCntDown: fCnt})
	})
	if serr != nil {
		if jobs.LastAttempt(ctx) {
			s.log.ErrorContext(ctx, "parking: display downlink given up: a dead letter", "tenant", tenant, "display", a.DisplayID, "err", serr)
		}
		return errors.Join(fmt.Errorf("parking: display downlink: %w", serr), err)
	}
	return err
}

// prepareDownlink reads what job a must send; skip is true for a stale or already sent
// generation, or a display that left its space.
func (s *Service) prepareDownlink(ctx context.Context, tenant uuid.UUID, a DownlinkArgs) (downlink, bool, error) {
	var (
		dl     downlink
		policy DisplayPolicy
		row    store.DisplayForSendRow
		chirp  store.ChirpStackTokenRow
	)
	err := s.db.Read(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		var err error
		if policy, _, err = displaySettingsOf(ctx, st, tenant); err != nil {
			return err
		}
		row, err = st.DisplayForSend(ctx, store.DisplayForSendParams{TenantID: tenant, DeviceID: a.DisplayID, ReservedSoonMinutes: policy.ReservedSoonMinutes})
		if err != nil {
			return err
		}
		chirp, err = st.ChirpStackToken(ctx, tenant)
		if postgres.IsNoRows(err) {
			err = nil
		}
		return err
	})
	switch {
	case postgres.IsNoRows(err):
		return dl, true, nil
	case err != nil:
		return dl, false, fmt.Errorf("parking: display downlink: %w", err)
	case a.Generation < row.Generation || a.Generation <= row.SentGeneration || row.DesiredState == nil ||
		row.Status != DeviceActive || !row.SpaceID.Valid:
		return dl, true, nil
	}
	dl = downlink{eui: row.DevEui, state: *row.DesiredState, serverURL: deref(chirp.ChirpstackUrl)}
	if dl.serverURL == "" || chirp.ChirpstackToken == nil {
		return dl, false, s.failNow(ctx, tenant, a, errors.New("no ChirpStack server URL and API token in the tenant's settings"))
	}
	if s.box == nil {
		return dl, false, errors.New("parking: display downlink: no secret key to open the ChirpStack token with")
	}
	token, err := s.box.Open(chirp.ChirpstackToken, tokenContext(tenant))
	if err != nil {
		return dl, false, s.failNow(ctx, tenant, a, errors.New("the ChirpStack API token does not open with the current secret key"))
	}
	dl.token = string(token)
	format, ok := displayformat.Lookup(row.Format)
	if !ok {
		format, _ = displayformat.Lookup(displayformat.Default)
	}
	dl.frame = frameOf(policy, State(dl.state), row.ReservedSoon, row.Timezone, a.Generation, s.now())
	dl.data, dl.fPort = format.Encode(dl.frame)
	return dl, false, nil
}

// RefreshDisplays queues a downlink for each display of the tenant in the scope whose look the
// clock has changed since it was last sent: a reservation of its free space now starts within
// the policy's threshold (or no longer does), or quiet hours began or ended on its site's clock.
// A display with a downlink pending or a dead letter is left to that. It returns how many it
// queued; the refresh sweep runs it for every tenant with displays once a minute.
func (s *Service) RefreshDisplays(ctx context.Context) (int, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return 0, err
	}
	queued := 0
	err = s.db.Tx(ctx, func(q postgres.Querier) error {
		st := store.New(q)
		policy, _, err := displaySettingsOf(ctx, st, tenant)
		if err != nil {
			return err
		}
		rows, err := st.DisplaysToRefresh(ctx, store.DisplaysToRefreshParams{TenantID: tenant, ReservedSoonMinutes: policy.ReservedSoonMinutes})
		if err != nil {
			return err
		}
		now := s.now()
		for _, r := range rows {
			want := frameOf(policy, State(deref(r.SentState)), r.ReservedSoon, r.Timezone, 0, now)
			if r.SentBlink != nil && r.SentBrightness != nil && *r.SentBlink == want.Blink && *r.SentBrightness == int16(want.Brightness) {
				continue
			}
			if err := queueDisplayDownlinks(ctx, q, tenant, uuid.NullUUID{}, uuid.NullUUID{UUID: r.DeviceID, Valid: true}); err != nil {
				return err
			}
			queued++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("parking: refresh displays: %w", err)
	}
	return queued, nil
}

// failNow records a failure that is not ChirpStack's and returns it for River to retry.
func (s *Service) failNow(ctx context.Context, tenant uuid.UUID, a DownlinkArgs, cause error) error {
	err := s.db.Tx(ctx, func(q postgres.Querier) error {
		return store.New(q).MarkDisplayFailed(ctx, store.MarkDisplayFailedParams{TenantID: tenant, DeviceID: a.DisplayID, Generation: a.Generation,
			LastError: ptrTo(cause.Error()), Dead: jobs.LastAttempt(ctx)})
	})
	return errors.Join(fmt.Errorf("parking: display downlink: %w", cause), err)
}

// frameOf is what a display shows for state under policy at now: the state's colour, blinking
// when a free space's reservation starts within the threshold, dimmed in quiet hours (the site's
// timezone).
func frameOf(p DisplayPolicy, state State, reservedSoon bool, timezone string, generation int64, now time.Time) displayformat.Frame {
	colour := map[State]string{StateFree: p.ColourFree, StateOccupied: p.ColourOccupied, StateReserved: p.ColourReserved,
		StateMaintenance: p.ColourMaintenance}[state]
	f := displayformat.Frame{State: string(state), Colour: rgb(colour), Brightness: 100, Sequence: uint8(generation % 256)}
	f.Blink = state == StateFree && reservedSoon && p.ReservedSoonMinutes > 0
	if inQuietHours(p, timezone, now) {
		f.Brightness = uint8(p.QuietBrightness)
	}
	return f
}

// rgb parses #RRGGBB (validated already).
func rgb(c string) [3]byte {
	var out [3]byte
	for i := range out {
		if len(c) == 7 {
			v, _ := strconv.ParseUint(c[1+2*i:3+2*i], 16, 8)
			out[i] = byte(v)
		}
	}
	return out
}

// inQuietHours reports whether now, on the site's clock, is in the policy's quiet hours
// [start, end), which may run over midnight.
func inQuietHours(p DisplayPolicy, timezone string, now time.Time) bool {
	if p.QuietStart == "" || p.QuietEnd == "" {
		return false
	}
	loc, err := time.LoadLocation(timezone)
	if err != nil {
		loc = time.UTC
	}
	local := now.In(loc)
	m := local.Hour()*60 + local.Minute()
	start, end := clockMinutes(p.QuietStart), clockMinutes(p.QuietEnd)
	if start < end {
		return m >= start && m < end
	}
	return m >= start || m < end
}

func clockMinutes(hhmm string) int {
	h, _ := strconv.Atoi(hhmm[:2])
	m, _ := strconv.Atoi(hhmm[3:])
	return h*60 + m
}

// chirpQueueRequest is ChirpStack v4's DeviceService.Enqueue request in its REST (grpc-gateway) form.
type chirpQueueRequest struct {
	QueueItem struct {
		Confirmed bool   `json:"confirmed"`
		FPort     uint32 `json:"fPort"`
		Data      []byte `json:"data"` // base64
	} `json:"queueItem"`
}

// chirpQueueResponse is its answer: the queue item's id and the downlink frame counter.
type chirpQueueResponse struct {
	ID       string `json:"id"`
	FCntDown *int64 `json:"fCntDown"`
}

// enqueueChirpStack queues a confirmed downlink in ChirpStack:
// POST {server}/api/devices/{devEui}/queue with the tenant's API token as a bearer token.
func (s *Service) enqueueChirpStack(ctx context.Context, dl downlink) (string, *int64, error) {
	var body chirpQueueRequest
	body.QueueItem.Confirmed, body.QueueItem.FPort, body.QueueItem.Data = true, dl.fPort, dl.data
	raw, _ := json.Marshal(body)
	endpoint := dl.serverURL + "/api/devices/" + url.PathEscape(strings.ToLower(dl.eui)) + "/queue"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(raw))
	if err != nil {
		return "", nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+dl.token)
	res, err := s.httpc.Do(req)
	if err != nil {
		return "", nil, fmt.Errorf("chirpstack: %w", redactURL(err))
	}
	defer func() { _ = res.Body.Close() }()
	answer, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if res.StatusCode/100 != 2 {
		return "", nil, fmt.Errorf("chirpstack: %s", res.Status)
	}
	var out chirpQueueResponse
	if err := json.Unmarshal(answer, &out); err != nil {
		return "", nil, errors.New("chirpstack: the answer is not a queue item")
	}
	return clip(out.ID, 100), out.FCntDown, nil
}

// redactURL keeps a transport error's cause without its URL (the tenant's server address is
// theirs, but the error lands in logs and on the display).
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// ackDownlink closes the loop of a display's downlink from ChirpStack's ack event (the display
// acknowledged, or not, the confirmed downlink) or txack event (a gateway transmitted it). An
// event for another queue item (an older downlink, or one not queued by Tenantry) changes nothing.
func ackDownlink(ctx context.Context, st *store.Queries, tenant, device uuid.UUID, ev chirpEvent) error {
	if ev.QueueItemID == "" || (ev.kind != "ack" && ev.kind != "txack") {
		return nil
	}
	p := store.AckDisplayDownlinkParams{TenantID: tenant, DeviceID: device, QueueItemID: &ev.QueueItemID}
	if ev.kind == "ack" {
		p.Acknowledged = &ev.Acknowledged
	}
	if ev.FCntDown != nil {
		f := int64(*ev.FCntDown)
		p.FCntDown = &f
	}
	_, err := st.AckDisplayDownlink(ctx, p)
	return err
}

func ptrTo[T any](v T) *T { return &v }
