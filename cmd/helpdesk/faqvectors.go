package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/faq/vectors"
)

const faqVectorsUsage = `Usage:
  helpdesk faq vectors import FILE [-o OUT] [-max N] [-lang L]
      FILE: word2vec/GloVe/fastText .vec text, or the wink-embeddings JSON
      -o OUT     output file (default: FILE with the extension .hdv)
      -max N     keep the N most frequent words (default 100000, 0 = all)
      -lang L    language whose folding the words get (default en)
  Then name the file in helpdesk.yaml: vectors: {de: vectors/de.hdv}
`

// faqVectorsCmd runs "helpdesk faq vectors ...".
func faqVectorsCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprint(stderr, faqVectorsUsage)
		return 2
	}
	fs := flag.NewFlagSet("faq vectors import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "output file")
	maxWords := fs.Int("max", 100_000, "most frequent words to keep (0 = all)")
	lang := fs.String("lang", "en", "language of the words")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprint(stderr, faqVectorsUsage)
		return 2
	}
	if *out == "" {
		base := pos[0]
		for _, ext := range []string{".gz", ".json", ".vec", ".txt"} {
			base = strings.TrimSuffix(base, ext)
		}
		*out = base + ".hdv"
	}
	norm, err := faq.WordNormalizer(*lang)
	if err != nil {
		fmt.Fprintln(stderr, "helpdesk faq vectors import:", err)
		return 1
	}
	in, err := os.Open(pos[0])
	if err != nil {
		fmt.Fprintln(stderr, "helpdesk faq vectors import:", err)
		return 1
	}
	defer in.Close()
	var buf bytes.Buffer
	n, err := vectors.Convert(in, &buf, vectors.ConvertOptions{Max: *maxWords, Normalize: norm})
	if err != nil {
		fmt.Fprintf(stderr, "helpdesk faq vectors import: %s: %v\n", pos[0], err)
		return 1
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintln(stderr, "helpdesk faq vectors import:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %d words, %d bytes\n", *out, n, buf.Len())
	return 0
}
