package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
)

// The headers of idempotent creates (see httpapi.IdempotencyKeyHeader).
const (
	idempotencyKeyHeader = "Idempotency-Key"
	replayedHeader       = "Idempotent-Replayed"
)

// creates are the document's create operations: every POST whose success is 201 Created.
func (d *Document) creates() []*Operation {
	var out []*Operation
	for _, op := range d.Ops {
		if op.Method == http.MethodPost && op.SuccessStatus == http.StatusCreated {
			out = append(out, op)
		}
	}
	return out
}

// idempotency checks every create operation of the document, in tenant A once the probe is done:
// it declares the Idempotency-Key header; n concurrent requests with one key and one body make one
// object (one response ran, n-1 are its replay, byte-identical, marked Idempotent-Replayed); the
// 201 names the object in a Location that its caller can GET; the same key with another body
// answers 422; another principal of the tenant with the same key is not answered the replay.
func (p *prober) idempotency(ctx context.Context, n int) {
	w := p.w
	for _, op := range w.doc.creates() {
		check := func(format string, args ...any) {
			p.report.Findings = append(p.report.Findings, Finding{Op: op.String(), Principal: w.A.Owner.Name, Check: "idempotency",
				Detail: fmt.Sprintf(format, args...)})
		}
		if !slices.ContainsFunc(op.Params, func(pr Param) bool { return pr.In == "header" && pr.Name == idempotencyKeyHeader }) {
			check("the operation does not declare the %s header", idempotencyKeyHeader)
			continue
		}
		w.dup = n
		w.dupFailed, w.dupReq, w.dupRes = nil, nil, Response{}
		err := w.create(ctx, op, w.A, 0)
		w.dup = 0
		switch {
		case w.dupFailed != nil:
			check("%v", w.dupFailed)
			continue
		case w.dupReq == nil: // (an error after the create succeeded, such as an answer without an id, is not ours)
			body, _ := json.Marshal(w.dupLastReq.Body)
			check("no object could be created to check idempotency: %v (last request %s %s: %s)", err, w.dupLastReq, body, w.dupLastRes.Body)
			continue
		}
		if fails := p.afterCreate(ctx, op, w.dupReq, w.dupRes); len(fails) > 0 {
			for _, f := range fails {
				check("%s", f)
			}
			continue
		}
		p.report.Idempotent = append(p.report.Idempotent, op.ID)
	}
}

// afterCreate checks what follows a successful create: the Location, another body, another
// principal.
func (p *prober) afterCreate(ctx context.Context, op *Operation, req *Request, res Response) []string {
	w := p.w
	var fails []string
	loc := res.Header.Get("Location")
	if loc == "" {
		fails = append(fails, "the 201 has no Location")
	} else if got, err := w.send(ctx, w.A.Owner, op, Request{Method: http.MethodGet, Path: loc}); err != nil || got.Status != http.StatusOK {
		fails = append(fails, fmt.Sprintf("GET Location %s: %v %s", loc, err, got.summary()))
	}
	other := *req
	other.Body = map[string]any{"not": "the same body"}
	if got, err := w.send(ctx, w.A.Owner, op, other); err != nil || got.Status != http.StatusUnprocessableEntity ||
		!bytes.Contains(got.Body, []byte(idempotencyKeyHeader)) {
		fails = append(fails, fmt.Sprintf("the same key with another body: %v %s, want 422 naming the %s", err, got.summary(), idempotencyKeyHeader))
	}
	for _, who := range w.A.Principals {
		if who == w.A.Owner || expect(op.Access, who) != expectAllowed {
			continue
		}
		got, err := w.send(ctx, who, op, *req)
		if err != nil || got.Header.Get(replayedHeader) != "" {
			fails = append(fails, fmt.Sprintf("the same key as %s: %v %s, want its own answer, not the replay", who.Name, err, got.summary()))
		}
		break
	}
	return fails
}

// sendDuplicates sends req as n concurrent requests with one fresh Idempotency-Key and checks
// that they ran once: a success is answered n times byte for byte, once fresh and n-1 times
// replayed. It returns the fresh answer. A failure (not stored, so each request runs) only needs
// the same status throughout.
func (w *World) sendDuplicates(ctx context.Context, who *Principal, op *Operation, req Request) (Response, error) {
	req.Header = http.Header{idempotencyKeyHeader: {"probe-" + randomHex(8)}}
	res := make([]Response, w.dup)
	errs := make([]error, w.dup)
	var wg sync.WaitGroup
	for i := range w.dup {
		wg.Go(func() { res[i], errs[i] = w.send(ctx, who, op, req) })
	}
	wg.Wait()
	w.dupLastReq, w.dupLastRes = req, res[0]
	fresh, replays := -1, 0
	for i, r := range res {
		if errs[i] != nil {
			return Response{}, errs[i]
		}
		if r.Header.Get(replayedHeader) == "true" {
			replays++
		} else if fresh < 0 {
			fresh = i
		}
	}
	if fresh < 0 {
		w.dupFailed = fmt.Errorf("%d requests with one key: every answer is a replay", w.dup)
		return res[0], nil
	}
	first := res[fresh]
	if !first.ok() {
		for _, r := range res {
			if r.Status != first.Status {
				w.dupFailed = fmt.Errorf("%d failing requests with one key answered %d and %s", w.dup, first.Status, r.summary())
			}
		}
		return first, nil
	}
	if replays != w.dup-1 {
		w.dupFailed = fmt.Errorf("%d requests with one key: %d ran, want 1 (the others replayed)", w.dup, w.dup-replays)
	}
	for _, r := range res {
		if r.Status != first.Status || !bytes.Equal(r.Body, first.Body) || r.Header.Get("Location") != first.Header.Get("Location") {
			w.dupFailed = fmt.Errorf("%d requests with one key: answers differ: %s and %s", w.dup, first.summary(), r.summary())
			break
		}
	}
	w.dupReq, w.dupRes = &req, first
	return first, nil
}

// withoutStrayTeam drops a team_id without the visibility team, which the flows refuse:
// the idempotency checks run once A has teams, which its flows and steps were made without.
func withoutStrayTeam(body any) any {
	if m, ok := body.(map[string]any); ok && m["visibility"] != "team" {
		delete(m, "team_id")
	}
	return body
}
