package flows

import "github.com/danielgtaylor/huma/v2"

// The request examples of the OpenAPI document: a flow whose draft can be published as it is,
// and the session variables its input node defines. Clients (and the cross-tenant probe, which
// fills in from an example what a generated body leaves out) can send them unchanged.
var (
	exampleFlow = map[string]any{
		"kind":        "troubleshooting",
		"title":       "Outlook does not start",
		"description": "From the first symptom to a working Outlook or an escalation.",
		"graph": map[string]any{"nodes": []any{
			map[string]any{"id": "mailbox", "type": "input", "start": true, "title": "Which mailbox is it?",
				"fields": []any{map[string]any{"name": "mailbox", "label": "Mailbox address", "type": "string"}},
				"next":   "safe_mode"},
			map[string]any{"id": "safe_mode", "type": "question", "title": "Does outlook.exe /safe start?",
				"options": []any{
					map[string]any{"id": "yes", "label": "Yes", "next": "disable_addins"},
					map[string]any{"id": "no", "label": "No", "next": "escalated"},
				}},
			map[string]any{"id": "disable_addins", "type": "instruction", "title": "Disable the COM add-ins",
				"next": "resolved"},
			map[string]any{"id": "resolved", "type": "resolution", "title": "Outlook starts", "outcome": "resolved"},
			map[string]any{"id": "escalated", "type": "resolution", "title": "Escalate to the messaging team",
				"outcome": "escalated"},
		}},
	}
	exampleVariables = map[string]any{"values": map[string]any{"mailbox": "helpdesk-example@example.com"}}
)

// withExample documents op's JSON request body with an example.
func withExample(op huma.Operation, example any) huma.Operation {
	op.RequestBody = &huma.RequestBody{Content: map[string]*huma.MediaType{"application/json": {Example: example}}}
	return op
}
