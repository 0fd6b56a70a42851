package config

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// vectorMagic starts every vector file `helpdesk faq vectors import`
// writes (faq/vectors): check recognises one without reading it all.
const vectorMagic = "HDVEC\x00\x01\x00"

// VectorFiles returns the word-vector files for a desk's languages: the
// config's global ones, overridden by the desk's own.
func (c *Config) VectorFiles(d *Desk) map[string]string {
	out := map[string]string{}
	for l, p := range c.Vectors {
		out[l] = p
	}
	if d != nil {
		for l, p := range d.Vectors {
			out[l] = p
		}
	}
	return out
}

// resolveVectors makes the vector paths relative to the config's
// directory, and checks each names a known language and a vector file.
func resolveVectors(c *Config, dir string, s *source, p *problems, files *[]string) {
	check := func(path string, m map[string]string) {
		langs := make([]string, 0, len(m))
		for l := range m {
			langs = append(langs, l)
		}
		sort.Strings(langs)
		for _, l := range langs {
			at := join(path, l)
			if !KnownLanguage(l) {
				p.at(s, at, "vectors: unknown language %q", l)
			}
			fp := m[l]
			if fp == "" {
				p.at(s, at, "vectors: no file for %q", l)
				continue
			}
			if !filepath.IsAbs(fp) {
				fp = filepath.Join(dir, fp)
			}
			m[l] = fp
			*files = append(*files, fp)
			if msg := vectorFileProblem(fp); msg != "" {
				p.at(s, at, "vectors %s: %s", l, msg)
			}
		}
	}
	check("vectors", c.Vectors)
	for i, d := range c.Desks {
		if d != nil {
			check(fmt.Sprintf("desks.%d.vectors", i), d.Vectors)
		}
	}
}

// vectorFileProblem says what is wrong with a vector file, or "".
func vectorFileProblem(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return readProblem(path, err)
	}
	defer f.Close()
	head := make([]byte, len(vectorMagic))
	if _, err := io.ReadFull(f, head); err != nil || string(head) != vectorMagic {
		return fmt.Sprintf("%s is not a vector file (convert it with: helpdesk faq vectors import FILE)", path)
	}
	return ""
}
