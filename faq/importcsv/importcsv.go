// Package importcsv is the spreadsheet batch upload of FAQ items: it
// writes a CSV or XLSX template and turns a filled one into FAQ YAML
// (DESIGN.md section 4), reporting bad rows by their row number (the
// number a spreadsheet shows; row 1 is the header).
//
// Columns: category, id, question, alternates, keywords, answer, language.
// Alternates and keywords are separated by "|". A category may be a path
// "Accounts > Two-factor" for a sub-category. A row whose language is
// empty or the FAQ's base language defines an item; a row in another
// language with the same id adds that item's translation (category may
// then be left empty).
//
// It imports nothing of this module.
package importcsv

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// Columns is the header of the template, in order.
var Columns = []string{"category", "id", "question", "alternates", "keywords", "answer", "language"}

// WriteTemplate writes the CSV template: the header and two example rows
// (an item and its German translation).
func WriteTemplate(w io.Writer) error {
	cw := csv.NewWriter(w)
	rows := [][]string{
		Columns,
		{"Network & VPN", "vpn-connect", "How do I connect to the VPN?",
			"VPN does not connect|can't reach the intranet from home", "vpn|globalprotect",
			"1. Open GlobalProtect.\n2. Sign in with your company account.", "en"},
		{"", "vpn-connect", "Wie verbinde ich mich mit dem VPN?", "VPN verbindet nicht", "",
			"1. Öffne GlobalProtect.\n2. Melde dich mit deinem Firmenkonto an.", "de"},
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write template: %w", err)
	}
	return nil
}

// RowError is a problem with one row of the file (Row 1 is the header).
type RowError struct {
	Row int
	Msg string
}

func (e RowError) Error() string { return fmt.Sprintf("row %d: %s", e.Row, e.Msg) }

// Errors is every row problem found; Import returns it when there is any.
type Errors []RowError

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// The YAML shapes written: the FAQ file of DESIGN.md section 4, without
// empty fields.
type (
	faqFile struct {
		Menu []*category `yaml:"menu"`
	}
	category struct {
		ID       string      `yaml:"id"`
		Title    string      `yaml:"title"`
		Items    []*item     `yaml:"items,omitempty"`
		Children []*category `yaml:"children,omitempty"`
	}
	item struct {
		ID           string                  `yaml:"id"`
		Question     string                  `yaml:"question"`
		Alternates   []string                `yaml:"alternates,omitempty,flow"`
		Keywords     []string                `yaml:"keywords,omitempty,flow"`
		Answer       string                  `yaml:"answer"`
		Translations map[string]*translation `yaml:"translations,omitempty"`
	}
	translation struct {
		Question   string   `yaml:"question"`
		Alternates []string `yaml:"alternates,omitempty,flow"`
		Keywords   []string `yaml:"keywords,omitempty,flow"`
		Answer     string   `yaml:"answer,omitempty"`
	}
)

// Import reads a filled template and returns the FAQ as YAML. baseLang is
// the language of the items' own text ("" = the language of the first row
// that has one, else "en"). Bad rows give an Errors listing each of them;
// nothing is returned then.
func Import(r io.Reader, baseLang string) ([]byte, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	records, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read csv: %w", err)
	}
	return importRecords(records, baseLang)
}

// importRecords turns the rows of a filled template (records[0] is the
// header, records[i] is row i+1) into FAQ YAML.
func importRecords(records [][]string, baseLang string) ([]byte, error) {
	if len(records) == 0 {
		return nil, Errors{{Row: 1, Msg: "the file is empty; want the header " + strings.Join(Columns, ",")}}
	}
	col := map[string]int{}
	for i, h := range records[0] {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	var errs Errors
	for _, c := range []string{"id", "question", "answer"} {
		if _, ok := col[c]; !ok {
			errs = append(errs, RowError{1, fmt.Sprintf("the header has no %q column (want %s)", c, strings.Join(Columns, ","))})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	get := func(rec []string, name string) string {
		i, ok := col[name]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	if baseLang == "" {
		for _, rec := range records[1:] {
			if l := get(rec, "language"); l != "" {
				baseLang = strings.ToLower(l)
				break
			}
		}
	}
	if baseLang == "" {
		baseLang = "en"
	}

	f := &faqFile{}
	cats := map[string]*category{} // by path
	items := map[string]*item{}
	catIDs := map[string]bool{}
	type pending struct {
		row  int
		lang string
		rec  []string
	}
	var translations []pending
	for n, rec := range records[1:] {
		row := n + 2
		if blank(rec) {
			continue
		}
		id, lang := get(rec, "id"), strings.ToLower(get(rec, "language"))
		switch {
		case id == "":
			errs = append(errs, RowError{row, "id is empty"})
			continue
		case strings.IndexFunc(id, unicode.IsSpace) >= 0:
			errs = append(errs, RowError{row, fmt.Sprintf("id %q has spaces (use letters, digits, - and _)", id)})
			continue
		case get(rec, "question") == "":
			errs = append(errs, RowError{row, fmt.Sprintf("item %q has no question", id)})
			continue
		}
		if lang != "" && lang != baseLang {
			translations = append(translations, pending{row, lang, rec})
			continue
		}
		if _, dup := items[id]; dup {
			errs = append(errs, RowError{row, fmt.Sprintf("duplicate id %q", id)})
			continue
		}
		if get(rec, "answer") == "" {
			errs = append(errs, RowError{row, fmt.Sprintf("item %q has no answer", id)})
			continue
		}
		path := get(rec, "category")
		if path == "" {
			errs = append(errs, RowError{row, fmt.Sprintf("item %q has no category", id)})
			continue
		}
		c, err := categoryAt(f, cats, catIDs, path)
		if err != nil {
			errs = append(errs, RowError{row, err.Error()})
			continue
		}
		it := &item{ID: id, Question: get(rec, "question"), Alternates: list(get(rec, "alternates")),
			Keywords: list(get(rec, "keywords")), Answer: get(rec, "answer")}
		items[id] = it
		c.Items = append(c.Items, it)
	}
	for _, p := range translations {
		id := get(p.rec, "id")
		it, ok := items[id]
		if !ok {
			errs = append(errs, RowError{p.row, fmt.Sprintf("translation %s of item %q, but no %s row defines that item", p.lang, id, baseLang)})
			continue
		}
		if it.Translations == nil {
			it.Translations = map[string]*translation{}
		}
		if _, dup := it.Translations[p.lang]; dup {
			errs = append(errs, RowError{p.row, fmt.Sprintf("duplicate %s translation of item %q", p.lang, id)})
			continue
		}
		it.Translations[p.lang] = &translation{Question: get(p.rec, "question"), Alternates: list(get(p.rec, "alternates")),
			Keywords: list(get(p.rec, "keywords")), Answer: get(p.rec, "answer")}
	}
	if len(errs) > 0 {
		return nil, sortErrors(errs)
	}
	if len(items) == 0 {
		return nil, Errors{{Row: 2, Msg: "no items: fill in at least one row"}}
	}
	out, err := yaml.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("write yaml: %w", err)
	}
	return out, nil
}

// categoryAt finds or creates the category at path ("A > B").
func categoryAt(f *faqFile, cats map[string]*category, ids map[string]bool, path string) (*category, error) {
	var parent *category
	key := ""
	for _, title := range strings.Split(path, ">") {
		title = strings.TrimSpace(title)
		if title == "" {
			return nil, fmt.Errorf("category %q has an empty part", path)
		}
		key += ">" + strings.ToLower(title)
		c, ok := cats[key]
		if !ok {
			c = &category{ID: uniqueID(slug(title), ids), Title: title}
			cats[key] = c
			if parent == nil {
				f.Menu = append(f.Menu, c)
			} else {
				parent.Children = append(parent.Children, c)
			}
		}
		parent = c
	}
	return parent, nil
}

func uniqueID(base string, ids map[string]bool) string {
	if base == "" {
		base = "category"
	}
	id := base
	for n := 2; ids[id]; n++ {
		id = fmt.Sprintf("%s-%d", base, n)
	}
	ids[id] = true
	return id
}

// slug makes a category id from its title: lower-case letters and digits
// joined by "-".
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}

func list(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "|") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

func sortErrors(es Errors) Errors {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].Row < es[j-1].Row; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
	return es
}
