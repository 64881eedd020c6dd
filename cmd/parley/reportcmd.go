package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/report"
	"github.com/parley-cc/parley/storage"
	"github.com/parley-cc/parley/team"
)

// reportCmd: parley report [--from D] [--to D] [--by agent|team] --out DIR CALLS... aggregates call
// documents into agent or team scorecards, KPIs, alerts and calibration.
func (m *Main) reportCmd(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("report", flag.ContinueOnError)
	fset.SetOutput(m.Stderr)
	from := fset.String("from", "", "first `day` (YYYY-MM-DD), inclusive")
	to := fset.String("to", "", "last `day` (YYYY-MM-DD), inclusive")
	by := fset.String("by", "agent", "group scorecards by agent or team")
	out := fset.String("out", "qa-report", "output `dir`")
	window := fset.Duration("repeat-window", 7*24*time.Hour, "a caller calling again within this is a repeat caller")
	low := fset.Float64("low-score", 60, "calls below this score count as low-scoring")
	overrides := fset.String("overrides", "", "reviewer overrides `file` (YAML or JSON list of call_id, item, status, reviewer, note)")
	webhook := fset.String("webhook", "", "POST every alert as JSON to this `url`")
	var rules team.AlertRules
	fset.Float64Var(&rules.EndSentimentBelow, "alert-end-sentiment", -0.5, "alert when the customer ends at or below this")
	fset.Float64Var(&rules.TransferRateOver, "alert-transfer-rate", 0.25, "alert when the transfer rate is over this")
	fset.Float64Var(&rules.RepeatRateOver, "alert-repeat-rate", 0.3, "alert when the share of repeat callers is over this")
	// The same settings as every command: YAML file, environment, flags (webhook_hosts comes from them).
	cfg, err := loadConfig(fset, args, m.Environ)
	if err != nil {
		return err
	}
	if *webhook != "" {
		if err := team.CheckWebhook(*webhook, cfg.WebhookHosts); err != nil {
			return parley.Errorf(parley.CodeConfig, "%v", err)
		}
	}
	if *by != "agent" && *by != "team" {
		return parley.Errorf(parley.CodeConfig, "--by %q (agent or team)", *by)
	}
	opt := team.Options{By: *by, RepeatWindow: *window, LowScore: *low, Alerts: rules}
	if *from != "" {
		if opt.From, err = time.Parse("2006-01-02", *from); err != nil {
			return parley.Errorf(parley.CodeConfig, "--from %q: want YYYY-MM-DD", *from)
		}
	}
	if *to != "" {
		if opt.To, err = time.Parse("2006-01-02", *to); err != nil {
			return parley.Errorf(parley.CodeConfig, "--to %q: want YYYY-MM-DD", *to)
		}
		opt.To = opt.To.Add(24 * time.Hour)
	}
	var ov []team.Override
	if *overrides != "" {
		if ov, err = readOverrides(*overrides); err != nil {
			return err
		}
	}
	paths := fset.Args()
	if len(paths) == 0 {
		paths = []string{"out"}
	}
	var local []string
	var docs []calldoc.CallDoc
	var skipped []string
	for _, p := range paths {
		if !strings.HasPrefix(p, "s3://") {
			local = append(local, p)
			continue
		}
		d, s, err := loadS3Docs(ctx, cfg, p)
		if err != nil {
			return err
		}
		docs, skipped = append(docs, d...), append(skipped, s...)
	}
	d, s := calldoc.Load(local)
	docs, skipped = append(docs, d...), append(skipped, s...)
	if enc, err := cfg.LoadEncoder(); err != nil {
		return err
	} else if enc != nil {
		opt.Encoder = enc // groups the unclear calls by meaning
	}
	r := team.Build(docs, opt, ov)
	r.Skipped = append(skipped, r.Skipped...)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return parley.WrapError(parley.CodeIO, err, "create output dir")
	}
	writers := map[string]func(io.Writer) error{
		"report.json":  func(w io.Writer) error { return report.EncodeJSON(w, r) },
		"report.html":  r.WriteHTML,
		"calls.csv":    r.WriteCallsCSV,
		"items.csv":    r.WriteItemsCSV,
		"alerts.jsonl": r.WriteAlerts,
	}
	for name, write := range writers {
		if err := report.WriteFileAtomic(filepath.Join(*out, name), write); err != nil {
			return parley.WrapError(parley.CodeIO, err, "write %s", name)
		}
	}
	fmt.Fprintf(m.Stderr, "parley report: %d calls, %d groups, %d alerts, %d skipped → %s\n", r.Calls, len(r.Groups), len(r.Alerts), len(r.Skipped), *out)
	if *webhook != "" && len(r.Alerts) > 0 {
		if err := r.PostAlerts(ctx, *webhook, nil); err != nil {
			return parley.WrapError(parley.CodeIO, err, "alerts")
		}
	}
	return nil
}

// loadS3Docs reads the call documents under an s3://bucket/prefix.
func loadS3Docs(ctx context.Context, cfg *Config, url string) ([]calldoc.CallDoc, []string, error) {
	bucket, prefix, err := storage.ParseURL(url)
	if err != nil {
		return nil, nil, err
	}
	store, err := cfg.s3(bucket)
	if err != nil {
		return nil, nil, err
	}
	var docs []calldoc.CallDoc
	skipped, err := calldoc.Walk(ctx, store, prefix, func(d calldoc.CallDoc, _ string) error {
		docs = append(docs, d)
		return nil
	})
	if err != nil {
		return nil, nil, parley.WrapError(parley.CodeIO, err, "read %s", url)
	}
	for i := range skipped {
		skipped[i] = "s3://" + bucket + "/" + skipped[i]
	}
	return docs, skipped, nil
}

func readOverrides(path string) ([]team.Override, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, parley.WrapError(parley.CodeConfig, err, "overrides")
	}
	var ov []team.Override
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&ov); err != nil && err != io.EOF {
		return nil, parley.Errorf(parley.CodeConfig, "overrides %s: %v", path, err)
	}
	for i, o := range ov {
		if o.CallID == "" || o.Item == "" || (o.Status != parley.ItemPass && o.Status != parley.ItemFail && o.Status != parley.ItemNA) {
			return nil, parley.Errorf(parley.CodeConfig, "overrides %s: entry %d needs call_id, item and status pass, fail or na", path, i+1)
		}
	}
	return ov, nil
}
