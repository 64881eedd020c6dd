package team

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"net"
	"net/http"
	neturl "net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/parley-cc/parley"
)

// WriteCallsCSV writes one row per call.
func (r *Report) WriteCallsCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"call_id", "source_file", "started_at", "agent_id", "agent_name", "team", "queue", "direction", "duration_s", "score",
		"auto_failed", "intent", "intent_confidence", "customer_end_sentiment", "hold_s", "transferred", "disposition", "traffic_source",
		"revenue", "cost", "repeat_caller", "resolved_first_call", "campaign", "agent_words_unsure"})
	for _, row := range r.Rows {
		d := row.Doc
		rec := []string{d.CallID, d.Source, "", "", "", "", "", "", ff(d.DurationS), "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""}
		if share, ok := d.HeardUnsurelyOf(parley.RoleAgent); ok {
			rec[23] = ff(share)
		}
		if row.Known { // without a caller id, neither is known
			rec[20], rec[21] = strconv.FormatBool(row.Repeat), strconv.FormatBool(row.Resolved)
		}
		if row.Started != nil {
			rec[2] = row.Started.Format(time.RFC3339)
		}
		if m := d.Metadata; m != nil {
			rec[3], rec[4], rec[5], rec[6], rec[7], rec[16], rec[17], rec[22] = m.AgentID, m.AgentName, m.Team, m.Queue, m.Direction, m.Disposition, m.Source, m.Campaign
			if m.Transferred != nil {
				rec[15] = strconv.FormatBool(*m.Transferred)
			}
			if m.Revenue != nil {
				rec[18] = ff(*m.Revenue)
			}
			if m.Cost != nil {
				rec[19] = ff(*m.Cost)
			}
		}
		if s := d.Score; s != nil {
			rec[9], rec[10], rec[14] = ff(s.Score), strconv.FormatBool(s.AutoFailed), ff(s.Metrics.HoldS)
		}
		if a := d.Analysis; a != nil {
			if a.Intent != nil {
				rec[11], rec[12] = a.Intent.Label, ff(a.Intent.Confidence)
			}
			if a.Sentiment != nil && a.Sentiment.Customer != nil {
				rec[13] = ff(a.Sentiment.Customer.End)
			}
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// WriteItemsCSV writes one row per call and scorecard item.
func (r *Report) WriteItemsCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"call_id", "group", "item", "label", "status", "points", "max_points", "reason"})
	for _, row := range r.Rows {
		if row.Doc.Score == nil {
			continue
		}
		for _, it := range row.Doc.Score.Items {
			cw.Write([]string{row.Doc.CallID, row.Group, it.ID, it.Label, it.Status, ff(it.Points), ff(it.MaxPoints), it.Reason})
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteAlerts writes the alerts as JSON lines.
func (r *Report) WriteAlerts(w io.Writer) error {
	enc := json.NewEncoder(w)
	for _, a := range r.Alerts {
		if err := enc.Encode(a); err != nil {
			return err
		}
	}
	return nil
}

// PostAlerts sends each alert as a JSON POST to a webhook and returns the first failure.
func (r *Report) PostAlerts(ctx context.Context, url string, client *http.Client) error {
	if client == nil {
		// A redirect could lead anywhere, past the check of the configured hosts: none is followed.
		client = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	for _, a := range r.Alerts {
		b, _ := json.Marshal(a)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("webhook: %w", err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("webhook: %w", err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("webhook: %s answered %s", url, resp.Status)
		}
	}
	return nil
}

// CheckWebhook allows a webhook URL only to one of the configured hosts (host or host:port), over
// HTTPS, or plain HTTP to a loopback address; alerts name agents and calls and must not go elsewhere.
func CheckWebhook(raw string, hosts []string) error {
	u, err := neturl.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return fmt.Errorf("webhook %q is not an http(s) URL without credentials", raw)
	}
	loopback := false
	if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsLoopback() || u.Hostname() == "localhost" {
		loopback = true
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && loopback) {
		return fmt.Errorf("webhook %q: https only (plain http to loopback addresses)", raw)
	}
	for _, h := range hosts {
		if strings.EqualFold(h, u.Host) || strings.EqualFold(h, u.Hostname()) {
			return nil
		}
	}
	return fmt.Errorf("webhook host %q is not in webhook_hosts (%s)", u.Host, strings.Join(hosts, ", "))
}

func ff(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// sortedKeys returns a map's keys in order (for templates).
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

//go:embed team.html
var teamHTML string

var htmlTemplate = template.Must(template.New("team").Funcs(template.FuncMap{
	"keys": func(m any) []string {
		switch x := m.(type) {
		case map[string]int:
			return sortedKeys(x)
		case map[string]float64:
			return sortedKeys(x)
		case map[string]SourceStats:
			return sortedKeys(x)
		case map[string]LanguageStats:
			return sortedKeys(x)
		}
		return nil
	},
	"pct":  func(v float64) string { return fmt.Sprintf("%.0f%%", v*100) },
	"list": func(v ...string) []string { return v },
	"mulf": func(a, b float64) float64 { return a * b },
	"sub":  func(a, b float64) float64 { return a - b },
	"mmss": func(s float64) string { return fmt.Sprintf("%d:%02d", int(s)/60, int(s)%60) },
	"hours": func() []int {
		h := make([]int, 24)
		for i := range h {
			h[i] = i
		}
		return h
	},
	"days": func() []string { return []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"} },
	"heat": func(n int) string { return fmt.Sprintf("%.2f", math.Min(1, float64(n)/5)*0.8) },
}).Parse(teamHTML))

// WriteHTML writes the team report page.
func (r *Report) WriteHTML(w io.Writer) error { return htmlTemplate.Execute(w, r) }
