package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/faq/eval"
	"github.com/helpdesk-chat/helpdesk/faq/importcsv"
	"github.com/helpdesk-chat/helpdesk/faq/suggest"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

const faqUsage = `Usage:
  helpdesk faq eval [flags] FAQ.yaml CASES.jsonl   measure answer quality
  helpdesk faq eval --self [flags] FAQ.yaml        check that every listed phrasing is answered with its item
      -no-vectors               lexical model only
      -answer P  -suggest P     thresholds (default: the desk's, else the product defaults)
      -config helpdesk.yaml -desk ID   take languages and thresholds from a desk
      -langs en,de,fr           languages, default first (default: detected from the FAQ)
      -json                     print the report as JSON
      -calibration              print the reliability table (confidence bucket -> share correct)
  helpdesk faq suggest [-config helpdesk.yaml] [-desk ID] [-since 30d] [-top 20]
                                                   suggested alternates and unanswered questions, as YAML
  helpdesk faq template [-o faq.csv|faq.xlsx] [-format csv|xlsx]
                                                   write a CSV or XLSX template for batch upload
  helpdesk faq import FILE.csv|FILE.xlsx [-o faq.yaml] [-sheet NAME] [-format csv|xlsx] [-lang L]
                                                   turn a filled template into FAQ YAML
  helpdesk faq vectors import FILE [-o OUT] [-max N] [-lang L]
                                                   convert word vectors (.vec text, wink JSON) for a language
`

// faqCmd runs the "helpdesk faq ..." subcommands.
func faqCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, faqUsage)
		return 2
	}
	switch args[0] {
	case "eval":
		return faqEvalCmd(args[1:], stdout, stderr)
	case "suggest":
		return faqSuggestCmd(args[1:], stdout, stderr)
	case "template":
		return faqTemplateCmd(args[1:], stdout, stderr)
	case "import":
		return faqImportCmd(args[1:], stdout, stderr)
	case "vectors":
		return faqVectorsCmd(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, faqUsage)
		return 0
	}
	fmt.Fprintf(stderr, "helpdesk faq: unknown command %q\n\n%s", args[0], faqUsage)
	return 2
}

// parseInterleaved parses flags that may come before, between or after
// the positional arguments ("faq eval FAQ CASES -json").
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func faqEvalCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("faq eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	answer := fs.Float64("answer", 0, "answer threshold (0 = default)")
	suggest := fs.Float64("suggest", 0, "suggest threshold (0 = default)")
	cfgPath := fs.String("config", "", "helpdesk.yaml to take a desk's languages and thresholds from")
	desk := fs.String("desk", "", "desk id in -config")
	langs := fs.String("langs", "", "comma-separated languages, default first")
	asJSON := fs.Bool("json", false, "print JSON")
	calibration := fs.Bool("calibration", false, "print the reliability table")
	self := fs.Bool("self", false, "cases from the FAQ's own phrasings (no CASES file)")
	noVectors := fs.Bool("no-vectors", false, "lexical model only (to measure what the vectors add)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if *self && len(pos) == 1 {
		pos = append(pos, "")
	}
	if len(pos) != 2 || (*self && pos[1] != "") {
		fmt.Fprintln(stderr, "usage: helpdesk faq eval [flags] FAQ.yaml CASES.jsonl")
		return 2
	}
	f, err := config.LoadFAQ(pos[0])
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	var th config.Thresholds
	var languages []string
	if *desk != "" || *cfgPath != "" {
		d, err := evalDesk(*cfgPath, *desk)
		if err != nil {
			fmt.Fprintln(stderr, "helpdesk faq eval:", err)
			return 1
		}
		th, languages = d.Thresholds, d.Languages
	}
	if *langs != "" {
		languages = strings.Split(*langs, ",")
	}
	if len(languages) == 0 {
		languages = eval.FAQLanguages(f)
	}
	if *answer > 0 {
		th.Answer = *answer
	}
	if *suggest > 0 {
		th.Suggest = *suggest
	}
	var cases []eval.Case
	if *self {
		cases = eval.SelfCases(f, languages)
	} else {
		cf, err := os.Open(pos[1])
		if err != nil {
			fmt.Fprintln(stderr, "helpdesk faq eval:", err)
			return 1
		}
		cases, err = eval.ReadCases(cf)
		cf.Close()
		if err != nil {
			fmt.Fprintf(stderr, "helpdesk faq eval: %s: %v\n", pos[1], err)
			return 1
		}
	}
	ix, err := faq.BuildWith(f, languages, th, faq.Options{NoVectors: *noVectors})
	if err != nil {
		fmt.Fprintln(stderr, "helpdesk faq eval:", err)
		return 1
	}
	rep, err := eval.Run(context.Background(), ix, cases)
	if err != nil {
		fmt.Fprintln(stderr, "helpdesk faq eval:", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintln(stderr, "helpdesk faq eval:", err)
			return 1
		}
		return 0
	}
	if err := rep.WriteText(stdout, *calibration); err != nil {
		fmt.Fprintln(stderr, "helpdesk faq eval:", err)
		return 1
	}
	return 0
}

// evalDesk finds a desk in a config (the first desk when id is empty).
func evalDesk(path, id string) (*config.Desk, error) {
	if path == "" {
		path = "helpdesk.yaml"
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	for _, d := range cfg.Desks {
		if d != nil && (id == "" || d.ID == id) {
			return d, nil
		}
	}
	if id == "" {
		return nil, errors.New(path + " has no desk")
	}
	return nil, fmt.Errorf("%s has no desk %q", path, id)
}

func faqSuggestCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("faq suggest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "helpdesk.yaml", "config file")
	desk := fs.String("desk", "", "desk id (default: every desk)")
	since := fs.String("since", "30d", "look at questions asked in this period (e.g. 7d, 12h)")
	top := fs.Int("top", 20, "how many groups of unanswered questions to print")
	if _, err := parseInterleaved(fs, args); err != nil {
		return 2
	}
	period, err := config.ParseDuration(*since)
	if err != nil || period <= 0 {
		fmt.Fprintf(stderr, "helpdesk faq suggest: -since %q: want a duration such as 30d\n", *since)
		return 2
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg.Store, filepath.Dir(*cfgPath))
	if err != nil {
		fmt.Fprintln(stderr, "helpdesk faq suggest:", err)
		return 1
	}
	defer st.Close()
	found := false
	for _, d := range cfg.Desks {
		if d == nil || (*desk != "" && d.ID != *desk) {
			continue
		}
		found = true
		qs, err := st.Questions(ctx, tickets.QuestionFilter{Desk: d.ID, Since: time.Now().Add(-period)})
		if err != nil {
			fmt.Fprintln(stderr, "helpdesk faq suggest:", err)
			return 1
		}
		out, err := suggest.YAML(d.ID, suggest.SuggestedAlternates(qs, d.FAQ), suggest.Gaps(qs, 0, *top))
		if err != nil {
			fmt.Fprintln(stderr, "helpdesk faq suggest:", err)
			return 1
		}
		if _, err := stdout.Write(out); err != nil {
			return 1
		}
	}
	if !found {
		fmt.Fprintf(stderr, "helpdesk faq suggest: %s has no desk %q\n", *cfgPath, *desk)
		return 1
	}
	return 0
}

// batchFormat is the file format of a batch upload file: the -format
// flag when set, else from the file name (.xlsx/.xlsm, and .xls so that
// an old workbook gets a clear error, are XLSX; anything else is CSV).
func batchFormat(flagValue, path string) (string, error) {
	switch f := strings.ToLower(flagValue); f {
	case "csv", "xlsx":
		return f, nil
	case "":
	default:
		return "", fmt.Errorf("-format %q: want csv or xlsx", flagValue)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx", ".xlsm", ".xls":
		return "xlsx", nil
	}
	return "csv", nil
}

func faqTemplateCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("faq template", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the template to this file (default: standard output)")
	format := fs.String("format", "", "csv or xlsx (default: from the -o file name, else csv)")
	if _, err := parseInterleaved(fs, args); err != nil {
		return 2
	}
	kind, err := batchFormat(*format, *out)
	if err != nil {
		fmt.Fprintln(stderr, "helpdesk faq template:", err)
		return 2
	}
	if *format == "" && strings.EqualFold(filepath.Ext(*out), ".xls") {
		fmt.Fprintf(stderr, "helpdesk faq template: %s: the template is an .xlsx workbook; name it .xlsx\n", *out)
		return 2
	}
	write := importcsv.WriteTemplate
	if kind == "xlsx" {
		write = importcsv.WriteTemplateXLSX
	}
	if *out == "" {
		if err := write(stdout); err != nil {
			fmt.Fprintln(stderr, "helpdesk faq template:", err)
			return 1
		}
		return 0
	}
	var b bytes.Buffer
	if err := write(&b); err != nil {
		fmt.Fprintln(stderr, "helpdesk faq template:", err)
		return 1
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		fmt.Fprintln(stderr, "helpdesk faq template:", err)
		return 1
	}
	where := ""
	if kind == "xlsx" {
		where = fmt.Sprintf(" on sheet %q", importcsv.TemplateSheet)
	}
	fmt.Fprintf(stdout, "wrote %s: fill one row per item%s (columns %s); alternates and keywords are separated by |\n",
		*out, where, strings.Join(importcsv.Columns, ", "))
	return 0
}

func faqImportCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("faq import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the FAQ YAML to this file (default: standard output)")
	lang := fs.String("lang", "", "language of the items' own text (default: the first row's)")
	format := fs.String("format", "", "csv or xlsx (default: from the file name)")
	sheet := fs.String("sheet", "", "XLSX: the sheet to read (default: the first)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "usage: helpdesk faq import FILE.csv|FILE.xlsx [-o faq.yaml] [-sheet NAME]")
		return 2
	}
	kind, err := batchFormat(*format, pos[0])
	if err != nil {
		fmt.Fprintln(stderr, "helpdesk faq import:", err)
		return 2
	}
	if kind == "csv" && *sheet != "" {
		fmt.Fprintf(stderr, "helpdesk faq import: -sheet is for XLSX workbooks; %s is read as CSV (use -format xlsx if it is one)\n", pos[0])
		return 2
	}
	f, err := os.Open(pos[0])
	if err != nil {
		fmt.Fprintln(stderr, "helpdesk faq import:", err)
		return 1
	}
	defer f.Close()
	var y []byte
	if kind == "xlsx" {
		y, err = importcsv.ImportXLSX(f, *sheet, *lang)
	} else {
		y, err = importcsv.Import(f, *lang)
	}
	if err != nil {
		var rows importcsv.Errors
		switch {
		case errors.As(err, &rows):
			for _, r := range rows {
				fmt.Fprintf(stderr, "%s:%d: %s\n", pos[0], r.Row, r.Msg)
			}
		case errors.Is(err, importcsv.ErrNotXLSX):
			fmt.Fprintf(stderr, "helpdesk faq import: %s: %v\n"+
				"  (save the spreadsheet as an Excel Workbook (.xlsx); a CSV file needs a .csv name or -format csv)\n", pos[0], err)
		default:
			fmt.Fprintf(stderr, "helpdesk faq import: %s: %v\n", pos[0], err)
		}
		return 1
	}
	if *out == "" {
		_, err = stdout.Write(y)
	} else {
		err = os.WriteFile(*out, y, 0o644)
	}
	if err != nil {
		fmt.Fprintln(stderr, "helpdesk faq import:", err)
		return 1
	}
	return 0
}
