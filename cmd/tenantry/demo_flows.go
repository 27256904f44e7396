package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/tenantry/tenantry/internal/products/flows/demo"
)

// flowsDemo is the owner of the flows demo tenant.
var flowsDemo = demoAccount{email: "flows-demo@example.com", password: "demo flows password", name: "Demo Technician",
	tenant: "Demo MSP", slug: "demo-flows"}

// flowsDemoSeed is what seeding the flows demo tenant made or found.
type flowsDemoSeed struct {
	flows   map[string]string // flow id by title
	session string            // the completed session's id
	share   string            // the token of its public share link
}

// seedFlowsDemo creates the flows demo tenant through the public API, or signs in to the existing
// one; creates and publishes the demo flows it lacks, records the demo session unless it exists,
// allows public shares and shares the session with a fresh public link (revoking the earlier
// ones, whose tokens nobody can read back), so a re-run duplicates nothing.
func seedFlowsDemo(ctx context.Context, base string, mailed mailToken) (flowsDemoSeed, error) {
	var out flowsDemoSeed
	c := &demoClient{base: base, http: &http.Client{Timeout: 10 * time.Second}, mailed: mailed}
	token, err := c.session(ctx, flowsDemo)
	if err != nil {
		return out, err
	}
	c.token = token
	flows, err := demo.Flows()
	if err != nil {
		return out, err
	}
	if out.flows, err = c.publishFlows(ctx, flows); err != nil {
		return out, fmt.Errorf("demo: flows: %w", err)
	}
	s := demo.DemoSession()
	if out.session, err = c.demoSession(ctx, out.flows[s.Flow], s); err != nil {
		return out, fmt.Errorf("demo: session: %w", err)
	}
	if out.share, err = c.shareDemoSession(ctx, out.session, "VPN ticket "+s.TicketNumber); err != nil {
		return out, fmt.Errorf("demo: share: %w", err)
	}
	return out, nil
}

// demoFlowRef is a flow of the list.
type demoFlowRef struct {
	ID             string `json:"id"`
	Title          string `json:"title"`
	CurrentVersion *int   `json:"current_version"`
}

// demoRef is an id and a name, as the category and tag lists return them.
type demoRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// listPage reads the first page (up to 100 items) of a list operation.
func listPage[T any](ctx context.Context, c *demoClient, path string) ([]T, error) {
	var page struct {
		Items []T `json:"items"`
	}
	err := c.call(ctx, "GET", path, nil, &page)
	return page.Items, err
}

// publishFlows makes sure every demo flow exists, visible to the whole tenant, and is published;
// it returns their ids by title.
func (c *demoClient) publishFlows(ctx context.Context, flows []demo.Flow) (map[string]string, error) {
	have, err := listPage[demoFlowRef](ctx, c, "/api/v1/flows?limit=100")
	if err != nil {
		return nil, err
	}
	existing := map[string]demoFlowRef{}
	for _, f := range have {
		existing[f.Title] = f
	}
	cats, err := c.names(ctx, "/api/v1/flow-categories?limit=100")
	if err != nil {
		return nil, err
	}
	tags, err := c.names(ctx, "/api/v1/flow-tags?limit=100")
	if err != nil {
		return nil, err
	}
	ids := map[string]string{}
	for _, f := range flows {
		ref, ok := existing[f.Title]
		if !ok {
			if ref.ID, err = c.createFlow(ctx, f, cats, tags); err != nil {
				return nil, err
			}
		}
		if ref.CurrentVersion == nil {
			if err := c.publishFlow(ctx, ref.ID, f); err != nil {
				return nil, err
			}
		}
		ids[f.Title] = ref.ID
	}
	return ids, nil
}

// names maps the names of a category or tag list to their ids.
func (c *demoClient) names(ctx context.Context, path string) (map[string]string, error) {
	items, err := listPage[demoRef](ctx, c, path)
	out := map[string]string{}
	for _, it := range items {
		out[it.Name] = it.ID
	}
	return out, err
}

// createFlow creates a demo flow with its graph as the draft, in its global category and tags.
func (c *demoClient) createFlow(ctx context.Context, f demo.Flow, cats, tags map[string]string) (string, error) {
	tagIDs := []string{}
	for _, name := range f.Tags {
		if id, ok := tags[name]; ok {
			tagIDs = append(tagIDs, id)
		}
	}
	body := map[string]any{"kind": f.Kind, "title": f.Title, "description": f.Description, "visibility": "account",
		"tags": tagIDs, "graph": f.Graph}
	if id, ok := cats[f.Category]; ok {
		body["category_id"] = id
	}
	var created demoRef
	err := c.call(ctx, "POST", "/api/v1/flows", body, &created)
	return created.ID, err
}

// publishFlow saves the demo graph as the flow's draft and publishes it.
func (c *demoClient) publishFlow(ctx context.Context, id string, f demo.Flow) error {
	if err := c.call(ctx, "PUT", "/api/v1/flows/"+id+"/draft", map[string]any{"graph": f.Graph}, &struct{}{}); err != nil {
		return err
	}
	return c.call(ctx, "POST", "/api/v1/flows/"+id+"/publish", nil, &struct{}{})
}

// demoSessionView is what the demo reads of a session.
type demoSessionView struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	Outcome      string `json:"outcome"`
	TicketNumber string `json:"ticket_number"`
	CurrentNode  struct {
		ID string `json:"id"`
	} `json:"current_node"`
}

// demoSession returns the completed demo session on flow, recording it first unless it exists.
func (c *demoClient) demoSession(ctx context.Context, flow string, s demo.Session) (string, error) {
	q := url.Values{"status": {"completed"}, "flow_id": {flow}, "limit": {"100"}}
	done, err := listPage[demoSessionView](ctx, c, "/api/v1/sessions?"+q.Encode())
	if err != nil {
		return "", err
	}
	for _, d := range done {
		if d.TicketNumber == s.TicketNumber {
			return d.ID, nil
		}
	}
	var cur demoSessionView
	err = c.call(ctx, "POST", "/api/v1/sessions", map[string]any{"flow_id": flow, "ticket_number": s.TicketNumber,
		"client_name": s.ClientName}, &cur)
	for _, step := range s.Steps {
		if err != nil {
			return "", err
		}
		cur, err = c.demoStep(ctx, cur, step)
	}
	if err == nil && (cur.Status != "completed" || cur.Outcome != string(s.Outcome)) {
		err = fmt.Errorf("the session ended %s with outcome %q, want completed with %q", cur.Status, cur.Outcome, s.Outcome)
	}
	return cur.ID, err
}

// demoStep takes one step of the demo session: variables, a custom step, then the decision.
func (c *demoClient) demoStep(ctx context.Context, cur demoSessionView, step demo.Step) (demoSessionView, error) {
	path := "/api/v1/sessions/" + cur.ID
	if step.Variables != nil {
		if err := c.call(ctx, "PATCH", path+"/variables", map[string]any{"values": step.Variables}, &struct{}{}); err != nil {
			return cur, err
		}
	}
	if cs := step.Custom; cs != nil {
		err := c.call(ctx, "POST", path+"/custom-steps", map[string]any{"source": "adhoc", "after_node_id": cur.CurrentNode.ID,
			"title": cs.Title, "content": cs.Content, "result": cs.Result}, &struct{}{})
		if err != nil {
			return cur, err
		}
	}
	var next demoSessionView
	err := c.call(ctx, "POST", path+"/decisions", map[string]any{"option_id": step.Option, "note": step.Note}, &next)
	return next, err
}

// shareDemoSession allows public shares in the tenant, revokes the session's earlier links and
// returns the token of a new public one with the given name.
func (c *demoClient) shareDemoSession(ctx context.Context, session, name string) (string, error) {
	if err := c.call(ctx, "PATCH", "/api/v1/flows/settings", map[string]any{"allow_public_shares": true}, &struct{}{}); err != nil {
		return "", err
	}
	mine, err := listPage[struct {
		ID        string `json:"id"`
		SessionID string `json:"session_id"`
	}](ctx, c, "/api/v1/shares/mine?limit=100")
	if err != nil {
		return "", err
	}
	for _, sh := range mine {
		if sh.SessionID == session {
			if err := c.call(ctx, "DELETE", "/api/v1/shares/"+sh.ID, nil, nil); err != nil {
				return "", err
			}
		}
	}
	var share struct {
		Token string `json:"token"`
	}
	err = c.call(ctx, "POST", "/api/v1/sessions/"+session+"/shares", map[string]any{"visibility": "public", "name": name}, &share)
	return share.Token, err
}
