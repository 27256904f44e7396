package flows

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/platform/ratelimit"
)

// csatRoutes registers the one public operation of the satisfaction surveys: answering a survey by
// its token. The token comes from the answer of the request that completed the session
// (FlowSession.CSATToken). Like opening a share link it needs no account and is rate-limited per
// client address with the share-link policy (ratelimit.ShareLink, 30 a minute, counted together
// with share-link opens), so guessing tokens costs the same as guessing share links.
func (s *Service) csatRoutes(api huma.API, log *slog.Logger) {
	httpapi.DescribeTag(api, "Satisfaction surveys", "The end user's satisfaction (CSAT) with a completed session: one answer per survey token.")
	surveys := httpapi.NewRoutes(api, log).Tag("Satisfaction surveys")
	answer := huma.Operation{OperationID: "answer-csat", Method: http.MethodPost, Path: "/api/v1/csat/{token}",
		Summary:       "Answer a session's satisfaction survey, once (404 unknown token, 409 already answered)",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound, http.StatusConflict},
		Metadata: map[string]any{ratelimit.PolicyKey: ratelimit.ShareLink}}
	httpapi.Add(surveys, withExample(answer, exampleCSAT), httpapi.Access{Class: httpapi.Public, Credential: httpapi.SurveyToken}, s.handleAnswerCSAT)
}

// exampleCSAT is the documented body of answer-csat.
var exampleCSAT = map[string]any{"score": 5, "comment": "Fixed in ten minutes, thank you."}

// AnswerCSATInput answers a survey: the token from the completed session, a score and a comment.
type AnswerCSATInput struct {
	Token string `path:"token" doc:"The survey's token, from the answer that completed the session"`
	Body  struct {
		Score   int    `json:"score" minimum:"1" maximum:"5" doc:"1 (very unhappy) to 5 (very happy)"`
		Comment string `json:"comment,omitempty" maxLength:"2000" doc:"Optional, at most 2000 characters"`
	}
}

func (s *Service) handleAnswerCSAT(ctx context.Context, in *AnswerCSATInput) (*httpapi.NoContent, error) {
	return &httpapi.NoContent{}, s.AnswerCSAT(ctx, in.Token, CSATAnswer{Score: in.Body.Score, Comment: in.Body.Comment})
}
