package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Default thresholds for FAQ answering (see Thresholds): zero, so the FAQ
// model chooses them per FAQ from its own phrasings (faq.Build). A desk's
// thresholds override them.
const (
	DefaultAnswerThreshold  float64 = 0
	DefaultSuggestThreshold float64 = 0
)

// Load reads the main file and every FAQ file it names (paths relative to the
// main file's directory), expands ${ENV} in the main file's scalar values,
// fills defaults and validates. On any problem it returns a *Errors holding
// all problems found, each as file:line: message.
//
// FAQ files are content, not settings: ${...} in them is kept as written, so
// answers may show shell snippets such as ${HOME}.
func Load(path string) (*Config, error) {
	cfg, _, err := load(path)
	return cfg, err
}

// LoadFAQ reads one FAQ file on its own (for helpdesk faq eval), with the same
// validation of the file's content and error style as Load. It sets
// Item.Category.
func LoadFAQ(path string) (*FAQ, error) {
	var p problems
	f, _ := loadFAQ(path, &p)
	if err := newErrors(p.list); err != nil {
		return nil, err
	}
	return f, nil
}

// load is Load that also returns every file the config consists of (for
// Watch), even when the config is invalid.
func load(path string) (*Config, []string, error) {
	var p problems
	files := []string{path}
	data, err := os.ReadFile(path)
	if err != nil {
		p.add(path, 0, "%s", readProblem(path, err))
		return nil, files, newErrors(p.list)
	}
	s := newSource(path)
	root, ok := parse(data, s, &p)
	cfg := &Config{File: path}
	if !ok {
		return nil, files, newErrors(p.list)
	}
	d := &decoder{src: s, probs: &p, expand: true, env: os.LookupEnv}
	if root != nil {
		d.decode(root, reflect.ValueOf(cfg).Elem(), "")
	}

	dir := filepath.Dir(path)
	if a := cfg.Attachments; a != nil && a.Dir != "" && !filepath.IsAbs(a.Dir) {
		a.Dir = filepath.Join(dir, a.Dir) // like faq files: beside the config
	}
	faqs := map[string]*FAQ{} // each file is read once, however many desks share it
	faqSrc := map[string]*source{}
	deskSrc := map[*Desk]*source{} // for lines inside a desk's FAQ file
	for i, desk := range cfg.Desks {
		if desk == nil || desk.FAQFile == "" {
			continue
		}
		fp := desk.FAQFile
		if !filepath.IsAbs(fp) {
			fp = filepath.Join(dir, fp)
		}
		files = append(files, fp)
		if _, done := faqs[fp]; !done {
			var fsrc *source
			var fprobs problems
			faqs[fp], fsrc = loadFAQ(fp, &fprobs)
			faqSrc[fp] = fsrc
			for _, pr := range fprobs.list {
				if pr.Line == 0 && pr.File == fp {
					// The file as a whole is the problem: point at the faq: line.
					pr = Problem{File: path, Line: s.line(fmt.Sprintf("desks.%d.faq", i)), Message: strings.Replace(pr.Message, fp, desk.FAQFile, 1)}
				}
				p.list = append(p.list, pr)
			}
		}
		if f := faqs[fp]; f != nil {
			desk.FAQ = cloneFAQ(f)
			deskSrc[desk] = faqSrc[fp]
		}
	}

	resolveVectors(cfg, dir, s, &p, &files)
	setDefaults(cfg, s)
	validate(cfg, s, deskSrc, &p)
	s.maskEnv(p.list)
	if err := newErrors(p.list); err != nil {
		return nil, files, err
	}
	return cfg, files, nil
}

// readProblem words a read error for a problem message.
func readProblem(path string, err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Sprintf("open %s: no such file", path)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Sprintf("%s %s: %v", pe.Op, path, pe.Err)
	}
	return err.Error()
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parse reads YAML into a node tree; a syntax error becomes a problem with its
// line. root is nil for an empty file.
func parse(data []byte, s *source, p *problems) (root *yaml.Node, ok bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := err.Error()
		line := 0
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		} else {
			msg = strings.TrimPrefix(msg, "yaml: ")
		}
		p.add(s.file, line, "invalid YAML: %s", msg)
		return nil, false
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, true
	}
	return &doc, true
}

// loadFAQ reads and validates one FAQ file. It returns the source for line
// lookups; the FAQ is nil when the file cannot be read or parsed.
func loadFAQ(path string, p *problems) (*FAQ, *source) {
	s := newSource(path)
	data, err := os.ReadFile(path)
	if err != nil {
		p.add(path, 0, "%s", readProblem(path, err))
		return nil, s
	}
	root, ok := parse(data, s, p)
	if !ok {
		return nil, s
	}
	f := &FAQ{File: path}
	if root == nil {
		p.add(path, 1, "FAQ file is empty: it needs a menu: list of categories")
		return f, s
	}
	d := &decoder{src: s, probs: p}
	d.decode(root, reflect.ValueOf(f).Elem(), "")
	validateFAQ(f, s, p)
	return f, s
}

// cloneFAQ copies the tree so desks sharing a file do not share pointers.
func cloneFAQ(f *FAQ) *FAQ {
	out := &FAQ{File: f.File, Menu: cloneCategories(f.Menu)}
	return out
}

func cloneCategories(cs []*Category) []*Category {
	if cs == nil {
		return nil
	}
	out := make([]*Category, len(cs))
	for i, c := range cs {
		if c == nil {
			continue
		}
		cc := *c
		cc.Items = make([]*Item, len(c.Items))
		for j, it := range c.Items {
			if it != nil {
				ci := *it
				cc.Items[j] = &ci
			}
		}
		cc.Children = cloneCategories(c.Children)
		out[i] = &cc
	}
	return out
}

// validateFAQ checks one FAQ file on its own and sets Item.Category.
func validateFAQ(f *FAQ, s *source, p *problems) {
	if len(f.Menu) == 0 && !s.failed("menu") {
		p.at(s, "menu", "FAQ file has no categories: it needs a menu: list")
	}
	cats := map[string]string{}  // id -> path
	items := map[string]string{} // id -> path
	var walk func(cs []*Category, path string)
	walk = func(cs []*Category, path string) {
		for i, c := range cs {
			cp := join(path, i)
			if c == nil {
				p.at(s, cp, "empty category")
				continue
			}
			if c.ID == "" && !s.failed(join(cp, "id")) {
				p.at(s, cp, "category without id")
			}
			if c.Title == "" && !s.failed(join(cp, "title")) {
				p.at(s, cp, "category %q without title", c.ID)
			}
			if c.ID != "" {
				if first, dup := cats[c.ID]; dup {
					p.at(s, join(cp, "id"), "duplicate category id %q (first on line %d)", c.ID, s.line(first))
				} else {
					cats[c.ID] = join(cp, "id")
				}
			}
			for lang := range c.Translations {
				if !KnownLanguage(lang) {
					p.at(s, join(join(cp, "translations"), lang), "unknown language %q in translations (known: %s)", lang, strings.Join(knownLanguages, " "))
				}
			}
			for j, it := range c.Items {
				ip := join(join(cp, "items"), j)
				if it == nil {
					p.at(s, ip, "empty FAQ item")
					continue
				}
				it.Category = c.ID
				if it.ID == "" && !s.failed(join(ip, "id")) {
					p.at(s, ip, "FAQ item without id")
				}
				if it.Question == "" && !s.failed(join(ip, "question")) {
					p.at(s, ip, "FAQ item %q without question", it.ID)
				}
				if strings.TrimSpace(it.Answer) == "" && !s.failed(join(ip, "answer")) {
					p.at(s, ip, "FAQ item %q without answer", it.ID)
				}
				if it.ID != "" {
					if first, dup := items[it.ID]; dup {
						p.at(s, join(ip, "id"), "duplicate FAQ item id %q (first on line %d)", it.ID, s.line(first))
					} else {
						items[it.ID] = join(ip, "id")
					}
				}
				for lang := range it.Translations {
					if !KnownLanguage(lang) {
						p.at(s, join(join(ip, "translations"), lang), "unknown language %q in translations (known: %s)", lang, strings.Join(knownLanguages, " "))
					}
				}
			}
			walk(c.Children, join(cp, "children"))
		}
	}
	walk(f.Menu, "menu")
}
