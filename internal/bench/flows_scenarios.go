package bench

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync/atomic"

	"github.com/google/uuid"
)

// flowsListScenario lists the first page of flows as a random member of the flows tenant, with
// the member's access token: the page must be exactly the member's first page (firstPage), which
// the visibility rule decides; any other flow, or any missing one, is a mismatch.
func flowsListScenario(fb *flowsBench) scenario {
	path := fmt.Sprintf("/api/v1/flows?limit=%d", ListSize)
	title := fmt.Sprintf("`GET /api/v1/flows?limit=%d`, %s flows in one tenant, %d members", ListSize, itoa(int64(fb.flows)), flowMembers)
	return scenario{name: ScenarioFlows, title: title, next: func(r *rand.Rand) call {
		u := r.IntN(flowMembers)
		return call{method: http.MethodGet, path: path, bearer: fb.tokens[u], check: func(status int, body []byte) error {
			if status != http.StatusOK {
				return statusError(status, body)
			}
			var page struct {
				Items []struct {
					ID uuid.UUID `json:"id"`
				} `json:"items"`
			}
			if err := json.Unmarshal(body, &page); err != nil {
				return err
			}
			got := make([]uuid.UUID, len(page.Items))
			for i, it := range page.Items {
				got[i] = it.ID
			}
			if want := fb.pages[u][:ListSize]; !slices.Equal(got, want) {
				return fmt.Errorf("%w: flows member %d got a page of %d flows that is not its own first page", errMismatch, u, len(got))
			}
			return nil
		}}
	}}
}

// decideScenario takes option "yes" in the API's sessions, one after the other (request i goes
// to session i mod sessions, so two requests meet on a session only after all the others had
// one), each with its owner's token: the answer must be that session, of that owner, still
// active.
func decideScenario(fb *flowsBench) scenario {
	var next atomic.Int64
	body := []byte(`{"option_id":"yes"}`)
	return scenario{name: ScenarioDecide, title: "`POST /api/v1/sessions/{id}/decisions`", next: func(*rand.Rand) call {
		k := int((next.Add(1) - 1) % int64(fb.sessions))
		u := k % flowMembers
		id := flowSessionID(apiSessions, k)
		return call{method: http.MethodPost, path: "/api/v1/sessions/" + id.String() + "/decisions", body: body, bearer: fb.tokens[u],
			check: func(status int, body []byte) error {
				if status != http.StatusOK {
					return statusError(status, body)
				}
				var v struct {
					ID      uuid.UUID `json:"id"`
					OwnerID uuid.UUID `json:"owner_id"`
					Status  string    `json:"status"`
				}
				if err := json.Unmarshal(body, &v); err != nil {
					return err
				}
				if v.ID != id || v.OwnerID != flowUserID(u) {
					return fmt.Errorf("%w: flows member %d decided in its session %s and got session %s of %s", errMismatch, u, id, v.ID, v.OwnerID)
				}
				if v.Status != "active" {
					return fmt.Errorf("session %s is %s after a decision", id, v.Status)
				}
				return nil
			}}
	}}
}
