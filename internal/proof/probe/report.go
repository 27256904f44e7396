package probe

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Finding is one violation of the isolation contract.
type Finding struct {
	Op        string `json:"operation"`
	Principal string `json:"principal,omitempty"`
	// Check is matrix, cross-tenant, indistinguishable, canary, child-route, owner-only, visibility,
	// share-token, withheld, unchanged, control, server-error or declaration.
	Check  string `json:"check"`
	Detail string `json:"detail"`
}

// OpResult is what happened to one operation.
type OpResult struct {
	Op       string `json:"operation"`
	ID       string `json:"operation_id"`
	HasID    bool   `json:"has_id"`             // the operation names objects (path, query or body ids)
	Slots    int    `json:"id_slots"`           // how many places in its request name objects
	Probed   bool   `json:"probed"`             // every check ran
	Reason   string `json:"reason,omitempty"`   // why it was not probed
	Requests int    `json:"requests"`           // requests sent as B principals
	Findings int    `json:"findings,omitempty"` // violations found
}

func (r OpResult) line() string {
	switch {
	case !r.Probed:
		return fmt.Sprintf("NOT PROBED  %-52s %s", r.Op, r.Reason)
	case r.Findings > 0:
		return fmt.Sprintf("FAIL        %-52s %d findings (%d requests)", r.Op, r.Findings, r.Requests)
	}
	return fmt.Sprintf("PASS        %-52s %d id slots, %d requests", r.Op, r.Slots, r.Requests)
}

// Report is the outcome of a run.
type Report struct {
	Ops        []OpResult    `json:"operations"`
	Findings   []Finding     `json:"findings"`
	Missing    []string      `json:"missing"`              // what the world could not build
	Principals []string      `json:"principals"`           // B's principals
	Idempotent []string      `json:"idempotent,omitempty"` // the create operations whose idempotency checks passed (Options.Duplicates)
	Requests   int           `json:"requests"`
	Duration   time.Duration `json:"duration_ns"`
}

// Coverage returns the operations probed and the operations in the document.
func (r *Report) Coverage() (probed, total int) {
	for _, o := range r.Ops {
		if o.Probed {
			probed++
		}
	}
	return probed, len(r.Ops)
}

// Unprobed returns the operations with an id parameter that were not probed: each fails the run.
func (r *Report) Unprobed() []OpResult {
	var out []OpResult
	for _, o := range r.Ops {
		if o.HasID && !o.Probed {
			out = append(out, o)
		}
	}
	return out
}

// Failed reports whether the run found a violation or left an operation with ids unprobed.
func (r *Report) Failed() bool { return len(r.Findings) > 0 || len(r.Unprobed()) > 0 }

// Write prints the report: one line per operation, the findings, what is missing, coverage.
func (r *Report) Write(w io.Writer) {
	for _, o := range r.Ops {
		fmt.Fprintln(w, o.line())
	}
	if len(r.Findings) > 0 {
		fmt.Fprintf(w, "\nFindings (%d):\n", len(r.Findings))
		for _, f := range r.Findings {
			fmt.Fprintf(w, "  [%s] %s as %s: %s\n", f.Check, f.Op, orNone(f.Principal), f.Detail)
		}
	}
	if len(r.Missing) > 0 {
		fmt.Fprintf(w, "\nNot built (listed, not skipped in silence):\n")
		for _, m := range r.Missing {
			fmt.Fprintf(w, "  - %s\n", m)
		}
	}
	probed, total := r.Coverage()
	withID, probedID := 0, 0
	for _, o := range r.Ops {
		if o.HasID {
			withID++
			if o.Probed {
				probedID++
			}
		}
	}
	fmt.Fprintf(w, "\nPrincipals of B: %s\n", strings.Join(r.Principals, ", "))
	fmt.Fprintf(w, "Coverage: %d/%d operations probed (%.0f %%); with ids: %d/%d; %d requests in %s\n",
		probed, total, pct(probed, total), probedID, withID, r.Requests, r.Duration.Round(time.Millisecond))
	if r.Failed() {
		fmt.Fprintf(w, "FAIL: %d findings, %d operations with ids not probed\n", len(r.Findings), len(r.Unprobed()))
	} else {
		fmt.Fprintln(w, "PASS")
	}
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func pct(a, b int) float64 {
	if b == 0 {
		return 100
	}
	return 100 * float64(a) / float64(b)
}

// rowHashes fingerprints A's rows before and after an operation is probed: through
// Options.RowHashes (every table) when given, else through A's own reads of the objects and
// lists of the kinds the operation names.
func (p *prober) rowHashes(ctx context.Context, op *Operation, tp *template) (map[string]string, error) {
	if p.w.opts.RowHashes != nil {
		return p.w.opts.RowHashes(ctx, p.w.A.ID)
	}
	kinds := map[string]bool{p.w.doc.opKind(op.Path): true}
	for _, s := range tp.slots {
		kinds[s.Kind] = true
	}
	out := map[string]string{}
	for _, read := range p.w.doc.Ops {
		if read.Method != http.MethodGet || !kinds[p.w.doc.opKind(read.Path)] || expect(read.Access, p.w.A.Owner) != expectAllowed {
			continue
		}
		rt, unresolved := p.w.template(read, p.w.A, 0)
		if len(unresolved) > 0 || len(rt.query) > 0 {
			continue
		}
		ps := pathSlots(rt)
		rt.slots = ps
		n := 1
		if len(ps) > 0 {
			n = len(p.w.A.objects(ps[len(ps)-1].Kind))
		}
		for i := range min(n, 2) {
			vals, ok := p.w.A.assign(ps, i)
			if !ok {
				continue
			}
			req := rt.request(vals)
			res, err := p.w.send(ctx, p.w.A.Owner, read, req)
			if err != nil {
				return nil, err
			}
			sum := sha256.Sum256(append([]byte(fmt.Sprint(res.Status)), res.Body...))
			out[req.String()] = hex.EncodeToString(sum[:])
		}
	}
	return out, nil
}
