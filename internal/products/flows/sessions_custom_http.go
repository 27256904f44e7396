package flows

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
)

// CustomStepBody is a custom step to add to a session.
type CustomStepBody struct {
	Title         *string    `json:"title,omitempty" maxLength:"200" doc:"Required unless taken from the library (default: the library step's title)"`
	Content       *string    `json:"content,omitempty" maxLength:"20000"`
	Result        *string    `json:"result,omitempty" maxLength:"20000"`
	AfterNodeID   *string    `json:"after_node_id,omitempty" maxLength:"64" doc:"The node it follows (default: the current node)"`
	Source        string     `json:"source,omitempty" enum:"adhoc,library,fork" doc:"Default: library with library_step_id, else adhoc"`
	LibraryStepID *uuid.UUID `json:"library_step_id,omitempty" format:"uuid" doc:"A library step you can see; counts as one use of it"`
}

// AddCustomStepInput adds a custom step to a session.
type AddCustomStepInput struct {
	httpapi.IDInput
	Body CustomStepBody
}

func (s *Service) handleAddCustomStep(ctx context.Context, in *AddCustomStepInput) (*FlowSessionOutput, error) {
	out, err := s.AddCustomStep(ctx, in.ID, CustomStepFields(in.Body))
	return &FlowSessionOutput{Body: out}, err
}

// CustomStepIDInput addresses one custom step of a session.
type CustomStepIDInput struct {
	httpapi.IDInput
	StepID uuid.UUID `path:"step_id" format:"uuid" doc:"The custom step's id"`
}

// UpdateCustomStepInput changes a custom step; absent fields stay.
type UpdateCustomStepInput struct {
	CustomStepIDInput
	Body struct {
		Title       *string `json:"title,omitempty" minLength:"1" maxLength:"200"`
		Content     *string `json:"content,omitempty" maxLength:"20000"`
		Result      *string `json:"result,omitempty" maxLength:"20000"`
		AfterNodeID *string `json:"after_node_id,omitempty" maxLength:"64"`
	}
}

func (s *Service) handleUpdateCustomStep(ctx context.Context, in *UpdateCustomStepInput) (*FlowSessionOutput, error) {
	b := in.Body
	out, err := s.UpdateCustomStep(ctx, in.ID, in.StepID, CustomStepFields{Title: b.Title, Content: b.Content, Result: b.Result, AfterNodeID: b.AfterNodeID})
	return &FlowSessionOutput{Body: out}, err
}

func (s *Service) handleDeleteCustomStep(ctx context.Context, in *CustomStepIDInput) (*FlowSessionOutput, error) {
	out, err := s.DeleteCustomStep(ctx, in.ID, in.StepID)
	return &FlowSessionOutput{Body: out}, err
}

// exportCSP is the Content-Security-Policy of every export download: nothing may load or run
// (inline style only, which the HTML export uses), and the document may not be framed.
const exportCSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox"

// ExportSessionInput asks for a session's documentation in one format.
type ExportSessionInput struct {
	httpapi.IDInput
	Format string `query:"format" enum:"md,txt,html" default:"md" doc:"md: Markdown; txt: plain text; html: a self-contained HTML document"`
}

// ExportSessionOutput is a session's documentation as a download.
type ExportSessionOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	ContentSecurity    string `header:"Content-Security-Policy"`
	NoSniff            string `header:"X-Content-Type-Options"`
	CacheControl       string `header:"Cache-Control"`
	Body               []byte
}

func (s *Service) handleExportSession(ctx context.Context, in *ExportSessionInput) (*ExportSessionOutput, error) {
	e, err := s.ExportSession(ctx, in.ID, in.Format)
	if err != nil {
		return nil, err
	}
	return &ExportSessionOutput{ContentType: e.ContentType, ContentDisposition: `attachment; filename="` + e.Filename + `"`,
		ContentSecurity: exportCSP, NoSniff: "nosniff", CacheControl: "private, no-store", Body: e.Body}, nil
}
