package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/httpapi"
	"github.com/tenantry/tenantry/internal/products/flows/graph"
	"github.com/tenantry/tenantry/internal/products/parking"
)

// page encodes tenant t's first page as the API does, with an override and a reservation nested
// in two of its spaces; edit changes a space before encoding.
func page(t *testing.T, tn *tenant, edit func(i int, s *parking.Space)) []byte {
	t.Helper()
	now := time.Now()
	items := make([]parking.Space, ListSize)
	for i := range items {
		items[i] = parking.Space{ID: spaceID(tn.n, i).String(), SiteID: tn.site.String(), SiteName: `Main "site", {"id":"x"}`,
			TenantName: tn.name, Code: "S-" + itoa(int64(i)), State: parking.StateFree, CreatedAt: now, UpdatedAt: now}
		switch i {
		case 1:
			items[i].Reservation = &parking.ActiveReservationSummary{ID: spaceID(99, i).String(), Until: &now}
		case overrideSpace:
			items[i].Override = &parking.ActiveOverride{ID: spaceID(98, i).String(), Kind: "maintenance"}
		}
		if edit != nil {
			edit(i, &items[i])
		}
	}
	var b bytes.Buffer
	p := httpapi.Page[parking.Space]{Items: items, NextCursor: "abc"}
	if err := huma.DefaultJSONFormat.Marshal(&b, p); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPageChecks(t *testing.T) {
	t.Parallel()
	tn := &tenant{n: 7, site: siteID(7), name: tenantName(7)}
	if body := page(t, tn, nil); !quickPageCheck(tn, body) || fullPageCheck(tn, body) != nil {
		t.Fatalf("the tenant's own page fails a check: quick %v, full %v", quickPageCheck(tn, body), fullPageCheck(tn, body))
	}
	cases := map[string]func(i int, s *parking.Space){
		"another tenant's name": func(i int, s *parking.Space) {
			if i == 30 {
				s.TenantName = tenantName(8)
			}
		},
		"another site": func(i int, s *parking.Space) {
			if i == 0 {
				s.SiteID = siteID(8).String()
			}
		},
		"another space": func(i int, s *parking.Space) {
			if i == 49 {
				s.ID = spaceID(8, 49).String()
			}
		},
	}
	for name, edit := range cases {
		body := page(t, tn, edit)
		if quickPageCheck(tn, body) {
			t.Errorf("%s: the quick check passes", name)
		}
		if err := fullPageCheck(tn, body); !errors.Is(err, errMismatch) {
			t.Errorf("%s: full check: %v", name, err)
		}
	}
	short := page(t, tn, nil)
	short = short[:bytes.LastIndex(short, []byte(`,{"id":"`))]
	if quickPageCheck(tn, short) {
		t.Error("a page with a missing space passes the quick check")
	}
}

func TestParseProcStat(t *testing.T) {
	t.Parallel()
	line := "4242 (post gres: (x) y) S 17 4242 4242 0 -1 4194560 1 2 3 4 150 25 7 3 20 0 1 0 100 200 300"
	st, err := parseProcStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if st != (procStat{ppid: 17, utime: 150, stime: 25, cutime: 7, cstime: 3}) {
		t.Errorf("got %+v", st)
	}
	if _, err := parseProcStat([]byte("1 (x) S 0")); err == nil {
		t.Error("a short line parsed")
	}
}

// TestListScript reads the application's statements from the sources and turns them into the
// pgbench script: every parameter replaced, the pipeline around both statements.
func TestListScript(t *testing.T) {
	t.Parallel()
	s, err := listScript("../..", 1234)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\\set t random(1, 1234)\n\\startpipeline\n", "set_config('app.tenant_id', md5(:t), true)",
		"FROM v_spaces v", "v.tenant_id = md5(:t)::uuid", "LIMIT :lim;\n\\endpipeline\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "$") {
		t.Errorf("a parameter is left:\n%s", s)
	}
	if _, err := params("SELECT $1, $3", []string{"a", "b"}); err == nil {
		t.Error("a parameter without a value was accepted")
	}
}

func TestParsePgbench(t *testing.T) {
	t.Parallel()
	out := "transaction type: list.sql\nnumber of failed transactions: 3 (0.001%)\nlatency average = 1.4 ms\n" +
		"initial connection time = 12.3 ms\ntps = 5678.123456 (without initial connection time)\n"
	r, err := parsePgbench(out)
	if err != nil || r.tps != 5678.123456 || r.failed != 3 {
		t.Errorf("got %+v, %v", r, err)
	}
	if _, err := parsePgbench("pgbench: error"); err == nil {
		t.Error("output without tps parsed")
	}
}

func TestSpliceSection(t *testing.T) {
	t.Parallel()
	doc := "intro\n" + resultsStart + "\nold\n" + resultsEnd + "\nrest\n"
	got, err := spliceSection(doc, resultsStart, resultsEnd, "\nnew table\n")
	if err != nil || got != "intro\n"+resultsStart+"\nnew table\n"+resultsEnd+"\nrest\n" {
		t.Errorf("got %q, %v", got, err)
	}
	if _, err := spliceSection("no markers", resultsStart, resultsEnd, "x"); err == nil {
		t.Error("a document without markers was accepted")
	}
}

func TestResultFigures(t *testing.T) {
	t.Parallel()
	r := &result{Rates: []float64{100, 300}, Elapsed: 2 * time.Second, ServerCPU: time.Second}
	for i := 1; i <= 100; i++ {
		r.latencies = append(r.latencies, time.Duration(101-i)*time.Millisecond)
	}
	if r.rate() != 200 || r.quantile(0.5) != 51*time.Millisecond || r.quantile(0.99) != 99*time.Millisecond || r.cores(r.ServerCPU) != 0.5 {
		t.Errorf("rate %v, p50 %v, p99 %v, cores %v", r.rate(), r.quantile(0.5), r.quantile(0.99), r.cores(r.ServerCPU))
	}
	if itoa(1234567) != "1,234,567" || itoa(-1000) != "-1,000" || itoa(12) != "12" {
		t.Errorf("itoa: %s %s %s", itoa(1234567), itoa(-1000), itoa(12))
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	c := DefaultConfig()
	c.Spaces, c.Only = 10, []string{"nope"}
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "spaces") || !strings.Contains(err.Error(), "nope") {
		t.Errorf("got %v", err)
	}
}

// TestFlowScripts reads the flows scenarios' statements from the sources: every parameter
// replaced, the list and its tags in two pipelines with the custom-plans binding, each member's
// script with its own page; the decision's lock in one pipeline with BEGIN, then the save.
func TestFlowScripts(t *testing.T) {
	t.Parallel()
	lists, err := flowListScripts("../..")
	if err != nil {
		t.Fatal(err)
	}
	if len(lists) != flowMembers {
		t.Fatalf("%d list scripts, want %d", len(lists), flowMembers)
	}
	for u, s := range lists {
		for _, want := range []string{fmt.Sprintf("\\set u %d\n\\startpipeline\n", u), "'force_custom_plan', true);\n-- name: ListFlows",
			"LIMIT :lim;\n\\endpipeline\n\\startpipeline\n", fmt.Sprintf("flow_id = ANY(:ids_%d::uuid[])", u), "ORDER BY x.name, x.id;\n\\endpipeline\n"} {
			if !strings.Contains(s, want) {
				t.Errorf("list script %d lacks %q:\n%s", u, want, s)
			}
		}
	}
	decide, err := decideScript("../..", 2000)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\\set k random(0, 1999)\n\\set u :k % 8\n\\startpipeline\nBEGIN;\nSELECT set_config(",
		"FOR UPDATE;\n\\endpipeline\n-- name: SaveSession", "updated_at = now()", "scratchpad = ''", "s.id = md5(concat('fsp:', :k::text))::uuid", ";\nCOMMIT;\n"} {
		if !strings.Contains(decide, want) {
			t.Errorf("decision script lacks %q:\n%s", want, decide)
		}
	}
	for _, s := range append(lists, decide) {
		if strings.Contains(s, "$") {
			t.Errorf("a parameter is left:\n%s", s)
		}
	}
}

// TestFlowsDataSet checks the flows data set's shape as docs/performance.md describes it: 40 %
// of the flows visible to the tenant, 40 % team flows, 20 % private, every member seeing 65 %
// (exactly, over a whole number of 160-flow cycles); each member's first page is full; the graphs
// are valid.
func TestFlowsDataSet(t *testing.T) {
	t.Parallel()
	const flows = 16_000
	kinds := map[string]int{}
	for g := range flows {
		kinds[flowVisibility(g)]++
	}
	if kinds["account"] != 6400 || kinds["team"] != 6400 || kinds["private"] != 3200 {
		t.Errorf("visibilities %v", kinds)
	}
	for u := range flowMembers {
		seen := 0
		for g := range flows {
			if flowVisible(u, g) {
				seen++
			}
		}
		if seen != 10_400 {
			t.Errorf("member %d sees %d flows, want 10,400", u, seen)
		}
		if page := firstPage(u, 4*ListSize, uuid.Nil); len(page) != ListSize+1 || page[0] != uuid.Nil {
			t.Errorf("member %d: first page of %d flows", u, len(page))
		}
	}
	for name, g := range map[string]map[string]any{"decision": decisionGraph(), "list": listGraph()} {
		raw, _ := json.Marshal(g)
		var gr graph.Graph
		if err := json.Unmarshal(raw, &gr); err != nil {
			t.Fatal(err)
		}
		if err := graph.Validate(gr); err != nil {
			t.Errorf("%s graph: %v", name, err)
		}
	}
}
