package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/schollz/progressbar/v3"

	"github.com/parley-cc/parley"
	"github.com/parley-cc/parley/models"
)

func (m *Main) modelsCmd(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return parley.Errorf(parley.CodeConfig, "usage: parley models list|pull NAME...|verify [NAME|PATH]...|path NAME")
	}
	fset := flag.NewFlagSet("models "+args[0], flag.ContinueOnError)
	fset.SetOutput(m.Stderr)
	cfg, err := loadConfig(fset, args[1:], m.Environ)
	if err != nil {
		return err
	}
	cache := cfg.modelCache()
	switch args[0] {
	case "list":
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSIZE\tLANGUAGES\tCACHED")
		for _, md := range models.Catalog {
			cached := "-"
			if st, err := os.Stat(cache.Path(md)); err == nil {
				cached = "yes"
				if st.Size() != md.Size {
					cached = "partial/corrupt"
				}
			}
			langs := "multilingual"
			if md.English() {
				langs = "English"
			}
			fmt.Fprintf(tw, "%s\t%.0f MB\t%s\t%s\n", md.Name, float64(md.Size)/1e6, langs, cached)
		}
		dir, found, err := cfg.EncoderDir()
		state := "-"
		switch {
		case err != nil:
			state = "missing (" + dir + ")"
		case found:
			state = dir
		}
		var size int64
		for _, f := range models.SentenceEncoder.Files {
			size += f.Size
		}
		fmt.Fprintf(tw, "%s\t%.0f MB\tEnglish (sentence encoder for NLP)\t%s\n", models.SentenceEncoder.Name, float64(size)/1e6, state)
		fmt.Fprintf(tw, "\ncache: %s\n", cache.Dir)
		if !found {
			fmt.Fprintf(tw, "sentence encoder: %s\n", models.EncoderHelp(dir))
		}
		return tw.Flush()
	case "pull":
		if fset.NArg() == 0 {
			return parley.Errorf(parley.CodeConfig, "usage: parley models pull NAME... (see parley models list)")
		}
		for _, name := range fset.Args() {
			md, ok := models.Lookup(name)
			if !ok {
				return parley.Errorf(parley.CodeConfig, "unknown model %q (see parley models list)", name)
			}
			var bar *progressbar.ProgressBar
			if isTerminal(m.Stderr) {
				bar = progressbar.DefaultBytes(md.Size, "pull "+md.Name)
				cache.Progress = func(done, _ int64) { bar.Set64(done) }
			}
			path, err := cache.Pull(ctx, md)
			if bar != nil {
				bar.Finish()
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(m.Stdout, path)
		}
		return nil
	case "verify":
		names := fset.Args()
		if len(names) == 0 {
			for _, md := range models.Catalog {
				if _, err := os.Stat(cache.Path(md)); err == nil {
					names = append(names, md.Name)
				}
			}
			if _, found, _ := cfg.EncoderDir(); found {
				names = append(names, models.SentenceEncoder.Name)
			}
			if len(names) == 0 {
				fmt.Fprintf(m.Stdout, "no models in %s\n", cache.Dir)
				return nil
			}
		}
		var failed error
		for _, name := range names {
			var err error
			if name == models.SentenceEncoder.Name {
				dir, _, derr := cfg.EncoderDir()
				if err = derr; err == nil {
					err = models.VerifyEncoder(dir)
				}
			} else {
				err = verifyOne(cache, name)
			}
			if err != nil {
				fmt.Fprintf(m.Stdout, "FAIL %s: %v\n", name, err)
				failed = errors.Join(failed, err)
				continue
			}
			fmt.Fprintf(m.Stdout, "ok   %s\n", name)
		}
		return failed
	case "path":
		if fset.NArg() != 1 {
			return parley.Errorf(parley.CodeConfig, "usage: parley models path NAME")
		}
		if fset.Arg(0) == models.SentenceEncoder.Name {
			dir, found, err := cfg.EncoderDir()
			if err == nil && !found {
				err = parley.Errorf(parley.CodeModelMissing, "%s", models.EncoderHelp(dir))
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(m.Stdout, dir)
			return nil
		}
		p, err := cache.Resolve(fset.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintln(m.Stdout, p)
		return nil
	}
	return parley.Errorf(parley.CodeConfig, "unknown models command %q (list, pull, verify, path)", args[0])
}

// verifyOne checks a catalog model in the cache (size, sha256, magic) or any model file (magic and
// header only, since no checksum is known for it).
func verifyOne(cache *models.Cache, name string) error {
	if md, ok := models.Lookup(name); ok {
		if _, err := os.Stat(name); err != nil {
			return models.VerifyCatalog(cache.Path(md), md)
		}
	}
	return models.CheckFile(name)
}
