package demo

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"

	"github.com/tenantry/tenantry/internal/products/flows/graph"
)

//go:embed *.json
var files embed.FS

// Flow is one demo flow, as POST /api/v1/flows creates it.
type Flow struct {
	Title       string
	Kind        string // troubleshooting or procedural
	Description string
	Category    string   // the name of a global category
	Tags        []string // names of global tags
	Graph       graph.Graph
}

// catalogue lists the demo flows and the file of each graph.
var catalogue = []struct {
	file string
	flow Flow
}{
	{"outlook.json", Flow{Title: "Outlook will not start", Kind: "troubleshooting",
		Description: "Outlook crashes at start, hangs on the profile or opens no window: safe mode, add-ins, the mail " +
			"profile, then the right Office repair for the installed version.",
		Category: "Email & Office", Tags: []string{"windows", "microsoft-365"}}},
	{"vpn.json", Flow{Title: "VPN connects but no traffic", Kind: "troubleshooting",
		Description: "The VPN client says connected, but the company network is out of reach: MTU, the tunnel's DNS, " +
			"routes by client and tunnel mode, and home networks that overlap a company subnet.",
		Category: "Network & VPN", Tags: []string{"vpn", "windows"}}},
	{"onboarding.json", Flow{Title: "New starter onboarding", Kind: "procedural",
		Description: "Everything a new starter needs by their first day: account, licence, department access, " +
			"laptop, VPN and multi-factor authentication, checked with the user.",
		Category: "Onboarding & Offboarding", Tags: []string{"microsoft-365", "mfa"}}},
}

// Flows returns the demo flows with their graphs. A graph file with an unknown field is an error,
// so a typo cannot silently drop part of a node.
func Flows() ([]Flow, error) {
	out := make([]Flow, 0, len(catalogue))
	for _, c := range catalogue {
		raw, err := files.ReadFile(c.file)
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		f := c.flow
		if err := dec.Decode(&f.Graph); err != nil {
			return nil, fmt.Errorf("demo: %s: %w", c.file, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// Session is the completed session the demo records and shares: a ticket worked through one of
// the demo flows, step by step, ending at a resolution node with Outcome.
type Session struct {
	Flow         string // the title of the demo flow it runs
	TicketNumber string
	ClientName   string
	Steps        []Step
	Outcome      graph.Outcome
}

// Step is one move of the session: at an input node the variables are set first; a custom step,
// if any, is recorded at the current node before the option is taken, with the note.
type Step struct {
	Variables map[string]any
	Custom    *CustomStep
	Option    string // an option id, or graph.ContinueOption
	Note      string
}

// CustomStep is an ad-hoc step the technician adds to the session.
type CustomStep struct {
	Title, Content, Result string
}

// DemoSession returns the session the demo records: a VPN ticket whose cause is a home network
// that overlaps the client's office subnet.
func DemoSession() Session {
	return Session{
		Flow: "VPN connects but no traffic", TicketNumber: "T-20431", ClientName: "Harbour Logistics",
		Outcome: graph.OutcomeResolved,
		Steps: []Step{
			{Option: "internet_only", Note: "Teams and Outlook work; the intranet and the file server time out."},
			{Variables: map[string]any{"vpn_client": "FortiClient", "split_tunnel": true, "home_subnet": "192.168.1.0/24"},
				Option: graph.ContinueOption},
			{Custom: &CustomStep{Title: "Checked the FortiGate's VPN event log",
				Content: "The tunnel comes up and the user gets 10.212.134.20; no denied traffic in the forward log.",
				Result:  "Tunnel and firewall policy are fine"},
				Option: graph.ContinueOption,
				Note:   "route print shows 192.168.1.0/24 twice: on the Wi-Fi adapter and on the tunnel adapter."},
			{Option: "yes"},
			{Option: "yes", Note: "The client's office LAN is 192.168.1.0/24, the same as the user's home router."},
			{Option: graph.ContinueOption, Note: "Router moved to 192.168.77.0/24 with the user on the phone."},
			{Option: "yes"},
		},
	}
}
