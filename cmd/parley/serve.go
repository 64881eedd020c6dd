package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/calldoc"
	"github.com/parley-cc/parley/index"
	"github.com/parley-cc/parley/jobs"
	"github.com/parley-cc/parley/process"
	"github.com/parley-cc/parley/storage"
	"github.com/parley-cc/parley/web"
)

// serveCmd: parley serve [flags] [DIR|s3://bucket/prefix...] runs the review app over the results
// index, after indexing the call documents under the given places (parley run output, or a bucket's
// results prefix).
func (m *Main) serveCmd(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("serve", flag.ContinueOnError)
	fset.SetOutput(m.Stderr)
	cfg, err := loadConfig(fset, args, m.Environ)
	if err != nil {
		return err
	}
	idx, err := cfg.openIndex()
	if err != nil {
		return err
	}
	defer idx.Close()
	locs := cfg.locations()
	for _, p := range fset.Args() {
		n, skipped, err := importDocs(ctx, idx, locs, p)
		if err != nil {
			return err
		}
		for _, s := range skipped {
			fmt.Fprintf(m.Stderr, "parley serve: skipped %s\n", s)
		}
		fmt.Fprintf(m.Stderr, "parley serve: indexed %d calls from %s\n", n, p)
	}
	if users, err := idx.Users(ctx); err == nil && len(users) == 0 {
		fmt.Fprintf(m.Stderr, "parley serve: no users yet: create the first admin with\n  parley users add --role admin NAME\n")
	}
	srv := &web.Server{Index: idx, Blobs: locs, SecureCookies: cfg.TLSCert != "" || cfg.BehindHTTPS}
	if cfg.RedisURL != "" {
		redisOpt, err := cfg.redis()
		if err != nil {
			return err
		}
		scorecard, err := cfg.LoadScorecard()
		if err != nil {
			return err
		}
		ops := &jobs.Ops{Redis: redisOpt, Locations: locs, Index: idx, ResultsPrefix: cfg.ResultsPrefix, Stages: process.Stages{Scorecard: scorecard, Vocabulary: cfg.vocabulary(nil)}}
		defer ops.Close()
		srv.Ops = ops
	}
	web.New(srv)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return parley.WrapError(parley.CodeConfig, err, "listen")
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	slog.Info("review app", "url", scheme+"://"+ln.Addr().String(), "index", cfg.IndexPath)
	fmt.Fprintf(m.Stderr, "parley serve: %s://%s\n", scheme, ln.Addr())
	errc := make(chan error, 1)
	go func() {
		if cfg.TLSCert != "" {
			errc <- hs.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return parley.WrapError(parley.CodeIO, err, "serve")
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return hs.Shutdown(sctx)
}

// importDocs indexes the call documents under a directory or an s3://bucket/prefix.
func importDocs(ctx context.Context, idx *index.Index, locs *storage.Locations, place string) (int, []string, error) {
	n := 0
	var batch []index.DocAt
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := idx.PutCalls(ctx, batch)
		if err == nil {
			n += len(batch)
		}
		batch = batch[:0]
		return err
	}
	put := func(doc calldoc.CallDoc, loc string) error {
		if !strings.HasPrefix(doc.Source, "s3://") && doc.Source != "" && !filepath.IsAbs(doc.Source) {
			// parley run records the input as it was given; the app opens it from wherever it runs.
			if abs, err := filepath.Abs(doc.Source); err == nil {
				doc.Source = abs
			}
		}
		batch = append(batch, index.DocAt{Doc: doc, Loc: loc})
		if len(batch) == 500 { // one transaction per 500 calls
			return flush()
		}
		return nil
	}
	var skipped []string
	var err error
	if strings.HasPrefix(place, "s3://") {
		bucket, prefix, perr := storage.ParseURL(place)
		if perr != nil {
			return 0, nil, perr
		}
		store, berr := locs.Bucket(bucket)
		if berr != nil {
			return 0, nil, berr
		}
		skipped, err = calldoc.Walk(ctx, store, prefix, func(d calldoc.CallDoc, key string) error {
			return put(d, "s3://"+bucket+"/"+key)
		})
		for i := range skipped {
			skipped[i] = "s3://" + bucket + "/" + skipped[i]
		}
	} else {
		var abs string
		if abs, err = filepath.Abs(place); err == nil {
			if _, err = os.Stat(abs); err == nil {
				skipped, err = calldoc.WalkPaths([]string{abs}, put)
			}
		}
	}
	if err == nil {
		err = flush()
	}
	if err != nil {
		return n, skipped, parley.WrapError(parley.CodeIO, err, "index %s", place)
	}
	return n, skipped, nil
}

// usersCmd: parley users add|list|passwd|token.
func (m *Main) usersCmd(ctx context.Context, args []string) error {
	const usage = "usage: parley users add --role ROLE [--agent ID] NAME | list | passwd NAME | token [--label L] NAME"
	if len(args) == 0 {
		return parley.Errorf(parley.CodeConfig, usage)
	}
	fset := flag.NewFlagSet("users "+args[0], flag.ContinueOnError)
	fset.SetOutput(m.Stderr)
	role := fset.String("role", "", "admin, qa, coach, ops or agent")
	agent := fset.String("agent", "", "for an agent: the agent id their calls are filed under")
	label := fset.String("label", "", "what the token is for")
	cfg, err := loadConfig(fset, args[1:], m.Environ)
	if err != nil {
		return err
	}
	idx, err := cfg.openIndex()
	if err != nil {
		return err
	}
	defer idx.Close()
	name := fset.Arg(0)
	if args[0] != "list" && (fset.NArg() != 1 || name == "") {
		return parley.Errorf(parley.CodeConfig, usage)
	}
	switch args[0] {
	case "add":
		u := index.User{Name: name, Role: *role, Agent: *agent}
		if err := web.ValidUser(u); err != nil {
			return parley.Errorf(parley.CodeConfig, "%v", err)
		}
		if u.PasswordHash, err = m.newPassword(); err != nil {
			return err
		}
		if err := idx.AddUser(ctx, u); err != nil {
			return parley.WrapError(parley.CodeConfig, err, "add user")
		}
		idx.Audit(ctx, "(command line)", "user_add", name, "role "+u.Role)
		fmt.Fprintf(m.Stderr, "parley users: added %s (%s)\n", name, u.Role)
	case "passwd":
		hash, err := m.newPassword()
		if err != nil {
			return err
		}
		if err := idx.SetPassword(ctx, name, hash); err != nil {
			return parley.WrapError(parley.CodeConfig, err, "passwd")
		}
		idx.Audit(ctx, "(command line)", "password_set", name, "")
		fmt.Fprintf(m.Stderr, "parley users: password of %s changed; their sessions ended\n", name)
	case "token":
		if _, ok, err := idx.User(ctx, name); err != nil || !ok {
			return parley.Errorf(parley.CodeConfig, "no user %q", name)
		}
		tok, err := web.NewAPIToken(ctx, idx, name, *label)
		if err != nil {
			return parley.WrapError(parley.CodeIO, err, "token")
		}
		idx.Audit(ctx, "(command line)", "token_add", name, *label)
		fmt.Fprintln(m.Stdout, tok)
	case "list":
		users, err := idx.Users(ctx)
		if err != nil {
			return parley.WrapError(parley.CodeIO, err, "users")
		}
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "name\trole\tagent\tcreated")
		for _, u := range users {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Name, u.Role, u.Agent, u.CreatedAt.Format(time.RFC3339))
		}
		return tw.Flush()
	default:
		return parley.Errorf(parley.CodeConfig, usage)
	}
	return nil
}

// newPassword reads a password: typed twice on a terminal, else the first line of standard input
// (for scripts: printf '%s\n' "$PASSWORD" | parley users add …). It is never a flag, which would show
// in the process list and shell history.
func (m *Main) newPassword() (string, error) {
	var pw string
	if f, ok := m.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(m.Stderr, "password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(m.Stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(m.Stderr, "again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(m.Stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", parley.Errorf(parley.CodeConfig, "the passwords differ")
		}
		pw = string(a)
	} else {
		line, err := bufio.NewReader(m.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	hash, err := web.HashPassword(pw)
	if err != nil {
		return "", parley.Errorf(parley.CodeConfig, "%v", err)
	}
	return hash, nil
}
