package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// source is one parsed file: where each decoded value came from, so that
// validation can point at the right line.
type source struct {
	file  string
	lines map[string]int  // value path ("desks.0.agents.1.name") -> line
	bad   map[string]bool // paths whose value failed to decode (already reported)
	env   []expansion     // values that ${VAR} expansion changed
}

// expansion is a value as written (with ${VAR}) and as expanded: problem
// messages show the first, never the second (it may be a secret).
type expansion struct {
	line       int
	raw, value string
}

func newSource(file string) *source {
	return &source{file: file, lines: map[string]int{}, bad: map[string]bool{}}
}

// has reports whether the file set the value at path.
func (s *source) has(path string) bool {
	_, ok := s.lines[path]
	return ok
}

// line returns the line of the value at path, or of its nearest parent that
// the file has (for a missing key, the mapping that lacks it).
func (s *source) line(path string) int {
	for {
		if l, ok := s.lines[path]; ok {
			return l
		}
		i := strings.LastIndexByte(path, '.')
		if i < 0 {
			if l, ok := s.lines[""]; ok {
				return l
			}
			return 1
		}
		path = path[:i]
	}
}

// failed reports whether path or one of its parents failed to decode.
func (s *source) failed(path string) bool {
	for {
		if s.bad[path] {
			return true
		}
		i := strings.LastIndexByte(path, '.')
		if i < 0 {
			return false
		}
		path = path[:i]
	}
}

func join(path string, seg any) string {
	s := fmt.Sprint(seg)
	if path == "" {
		return s
	}
	return path + "." + s
}

// problems collects every problem of a load.
type problems struct {
	list []Problem
}

func (p *problems) add(file string, line int, format string, args ...any) {
	p.list = append(p.list, Problem{File: file, Line: line, Message: fmt.Sprintf(format, args...)})
}

// at reports a problem at the value at path in s.
func (p *problems) at(s *source, path, format string, args ...any) {
	p.add(s.file, s.line(path), format, args...)
}

// decoder fills Go values from a yaml.Node tree by reflection over the yaml
// struct tags. Unlike yaml.v3's KnownFields it keeps going after a problem, so
// a single run reports every unknown key and type error.
type decoder struct {
	src    *source
	probs  *problems
	expand bool // expand ${ENV} in scalar values
	env    func(string) (string, bool)
}

var (
	durationType     = reflect.TypeOf(Duration(0))
	availabilityType = reflect.TypeOf(Availability{})
)

// kindNames names the structs in "unknown key" messages.
var kindNames = map[reflect.Type]string{
	reflect.TypeOf(Config{}):              "config",
	reflect.TypeOf(Platforms{}):           "platforms",
	reflect.TypeOf(Slack{}):               "slack settings",
	reflect.TypeOf(Discord{}):             "discord settings",
	reflect.TypeOf(Mattermost{}):          "mattermost settings",
	reflect.TypeOf(Web{}):                 "web settings",
	reflect.TypeOf(Metrics{}):             "metrics settings",
	reflect.TypeOf(People{}):              "people list",
	reflect.TypeOf(Desk{}):                "desk",
	reflect.TypeOf(Hours{}):               "hours",
	reflect.TypeOf(Form{}):                "form",
	reflect.TypeOf(Field{}):               "form field",
	reflect.TypeOf(Agent{}):               "agent",
	reflect.TypeOf(Rule{}):                "rule",
	reflect.TypeOf(Match{}):               "rule condition",
	reflect.TypeOf(Assign{}):              "rule assignment",
	reflect.TypeOf(Evaluation{}):          "evaluation",
	reflect.TypeOf(Thresholds{}):          "thresholds",
	reflect.TypeOf(Inactivity{}):          "inactivity",
	reflect.TypeOf(SLA{}):                 "sla",
	reflect.TypeOf(FAQ{}):                 "FAQ file",
	reflect.TypeOf(Category{}):            "category",
	reflect.TypeOf(CategoryTranslation{}): "category translation",
	reflect.TypeOf(Item{}):                "FAQ item",
	reflect.TypeOf(Translation{}):         "translation",
}

const maxAliasDepth = 32

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.src.bad[path] = true
	d.probs.add(d.src.file, n.Line, format, args...)
}

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxAliasDepth; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names what a node is, for type errors.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return strconv.Quote(n.Value)
	}
	return "nothing"
}

// decode fills v from n; path names the value for line lookups.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	d.decodeDepth(n, v, path, 0)
}

func (d *decoder) decodeDepth(n *yaml.Node, v reflect.Value, path string, depth int) {
	if depth > 64 {
		d.fail(n, path, "document nests too deeply")
		return
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return
		}
		n = n.Content[0]
	}
	n = resolve(n)
	if n == nil || n.Kind == yaml.AliasNode {
		return
	}
	d.src.lines[path] = n.Line

	switch v.Type() {
	case durationType:
		s, ok := d.scalar(n, path)
		if !ok || s == "" {
			return
		}
		dur, err := ParseDuration(s)
		if err != nil {
			d.fail(n, path, "%v", err)
			return
		}
		v.SetInt(int64(dur))
		return
	case availabilityType:
		d.decodeAvailability(n, v, path, depth)
		return
	}

	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decodeDepth(n, v.Elem(), path, depth+1)
	case reflect.Struct:
		d.decodeStruct(n, v, path, depth)
	case reflect.Slice:
		if isNull(n) {
			return
		}
		if n.Kind != yaml.SequenceNode {
			d.fail(n, path, "%s: expected a list, got %s", lastKey(path), describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decodeDepth(c, s.Index(i), join(path, i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		if isNull(n) {
			return
		}
		if n.Kind != yaml.MappingNode {
			d.fail(n, path, "%s: expected a mapping, got %s", lastKey(path), describe(n))
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		for _, p := range d.pairs(n, 0) {
			elem := reflect.New(v.Type().Elem()).Elem()
			d.decodeDepth(p.val, elem, join(path, p.key.Value), depth+1)
			m.SetMapIndex(reflect.ValueOf(p.key.Value).Convert(v.Type().Key()), elem)
		}
		v.Set(m)
	case reflect.String:
		if s, ok := d.scalar(n, path); ok {
			v.SetString(s)
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		s, ok := d.scalar(n, path)
		if !ok || s == "" {
			return
		}
		i, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			d.fail(n, path, "%s: expected a whole number, got %q", lastKey(path), s)
			return
		}
		v.SetInt(i)
	case reflect.Float64, reflect.Float32:
		s, ok := d.scalar(n, path)
		if !ok || s == "" {
			return
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			d.fail(n, path, "%s: expected a number, got %q", lastKey(path), s)
			return
		}
		v.SetFloat(f)
	case reflect.Bool:
		s, ok := d.scalar(n, path)
		if !ok || s == "" {
			return
		}
		b, ok := parseBool(s)
		if !ok {
			d.fail(n, path, "%s: expected true or false, got %q", lastKey(path), s)
			return
		}
		v.SetBool(b)
	default:
		d.fail(n, path, "%s: cannot decode into %s", lastKey(path), v.Type())
	}
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	return false, false
}

// lastKey is the last segment of a path, for messages ("max_open: ...").
func lastKey(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		last := path[i+1:]
		if _, err := strconv.Atoi(last); err == nil {
			return lastKey(path[:i]) + " item"
		}
		return last
	}
	if path == "" {
		return "file"
	}
	return path
}

// scalar returns the (expanded) text of a scalar node; ok is false after a
// reported problem. Null is the empty string.
func (d *decoder) scalar(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "%s: expected a single value, got %s", lastKey(path), describe(n))
		return "", false
	}
	if isNull(n) {
		return "", true
	}
	if !d.expand {
		return n.Value, true
	}
	s, err := expandEnv(n.Value, d.env)
	if err != nil {
		d.fail(n, path, "%v", err)
		return "", false
	}
	if s != n.Value && strings.Contains(n.Value, "${") {
		d.src.env = append(d.src.env, expansion{line: n.Line, raw: n.Value, value: s})
	}
	return s, true
}

type pair struct{ key, val *yaml.Node }

// pairs lists the key/value pairs of a mapping, applying YAML merge keys
// (<<: *anchor) and reporting duplicate keys.
func (d *decoder) pairs(n *yaml.Node, depth int) []pair {
	var merged, own []pair
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge" {
			if depth > maxAliasDepth {
				continue
			}
			val = resolve(val)
			var srcs []*yaml.Node
			if val.Kind == yaml.SequenceNode {
				for _, c := range val.Content {
					srcs = append(srcs, resolve(c))
				}
			} else {
				srcs = []*yaml.Node{val}
			}
			for _, m := range srcs {
				if m.Kind != yaml.MappingNode {
					d.probs.add(d.src.file, k.Line, "<<: can only merge mappings, got %s", describe(m))
					continue
				}
				merged = append(merged, d.pairs(m, depth+1)...)
			}
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.probs.add(d.src.file, k.Line, "mapping keys must be plain names, got %s", describe(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.probs.add(d.src.file, k.Line, "duplicate key %q (first on line %d)", k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		own = append(own, pair{k, val})
	}
	out := make([]pair, 0, len(merged)+len(own))
	for _, p := range merged {
		if seen[p.key.Value] == nil {
			out = append(out, p)
		}
	}
	return append(out, own...)
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string, depth int) {
	if isNull(n) {
		return
	}
	t := v.Type()
	if n.Kind != yaml.MappingNode {
		what := kindNames[t]
		if what == "" {
			what = strings.ToLower(t.Name())
		}
		name := lastKey(path)
		if path == "" {
			name = what
		}
		d.fail(n, path, "%s: expected a mapping, got %s", name, describe(n))
		return
	}
	fields := map[string]int{}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		fields[tag] = i
		names = append(names, tag)
	}
	for _, p := range d.pairs(n, 0) {
		i, ok := fields[p.key.Value]
		if !ok {
			what := kindNames[t]
			if what == "" {
				what = strings.ToLower(t.Name())
			}
			msg := fmt.Sprintf("unknown key %q in %s", p.key.Value, what)
			if s := closest(p.key.Value, names); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			d.src.bad[join(path, p.key.Value)] = true
			d.probs.add(d.src.file, p.key.Line, "%s", msg)
			continue
		}
		d.decodeDepth(p.val, v.Field(i), join(path, p.key.Value), depth+1)
	}
}

// decodeAvailability reads available_to: the scalar "everyone" or a mapping of
// people per platform.
func (d *decoder) decodeAvailability(n *yaml.Node, v reflect.Value, path string, depth int) {
	a := v.Addr().Interface().(*Availability)
	switch {
	case isNull(n):
		return
	case n.Kind == yaml.ScalarNode:
		s, ok := d.scalar(n, path)
		if !ok {
			return
		}
		if strings.EqualFold(strings.TrimSpace(s), "everyone") {
			a.Everyone = true
			return
		}
		d.fail(n, path, "available_to: expected everyone or a mapping of people per platform (slack, discord, mattermost, web, groups), got %q", s)
	case n.Kind == yaml.MappingNode:
		d.decodeStruct(n, reflect.ValueOf(&a.People).Elem(), path, depth+1)
		p := a.People
		// Platform groups (Slack user groups, Mattermost groups, Discord
		// roles) are not resolved yet: a desk open to "groups" would be open
		// to nobody in them, silently. Refuse the key until it is.
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "groups" && len(p.Groups) > 0 {
				d.fail(n.Content[i], path, "available_to: groups are not supported yet (platform groups are not looked up); list the people per platform (slack, discord, mattermost, web) or write everyone")
			}
		}
		if len(p.Slack)+len(p.Discord)+len(p.Mattermost)+len(p.Web)+len(p.Groups) == 0 && !d.src.failed(path) {
			d.fail(n, path, "available_to lists nobody: write everyone, or list people per platform")
		}
	default:
		d.fail(n, path, "available_to: expected everyone or a mapping of people per platform, got %s", describe(n))
	}
}

// closest suggests a known key for a misspelt one.
func closest(key string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(key, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// expandEnv replaces ${VAR} and ${VAR:-default} with environment values; $$
// is a literal $, and any other $ is kept as it is.
func expandEnv(s string, lookup func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", errors.New("unterminated ${ in value (write $$ for a literal $)")
			}
			expr := s[i+2 : i+2+end]
			name, def, hasDef := strings.Cut(expr, ":-")
			if !envName.MatchString(name) {
				return "", fmt.Errorf("invalid environment variable name %q in ${%s}", name, expr)
			}
			val, ok := lookup(name)
			switch {
			case ok && (val != "" || !hasDef):
				b.WriteString(val)
			case hasDef:
				b.WriteString(def)
			default:
				return "", fmt.Errorf("environment variable %s is not set", name)
			}
			i += 2 + end
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// maskEnv rewrites the messages of s's problems so that no value that came
// from the environment is shown: each appears as written (${VAR}). A value
// is masked in the problems of its own line, and, when long enough to be a
// token, in every problem of the file.
func (s *source) maskEnv(list []Problem) {
	const anyLine = 8
	for i := range list {
		pr := &list[i]
		if pr.File != s.file {
			continue
		}
		for _, e := range s.env {
			if e.value == "" || (pr.Line != e.line && len(e.value) < anyLine) {
				continue
			}
			pr.Message = replaceWord(pr.Message, e.value, e.raw)
			if q := strconv.Quote(e.value); q[1:len(q)-1] != e.value {
				pr.Message = replaceWord(pr.Message, q[1:len(q)-1], e.raw)
			}
		}
	}
}

// replaceWord replaces the occurrences of old in s that do not run on
// into letters or digits at either end (so "0" is not masked inside "10").
func replaceWord(s, old, repl string) string {
	isWord := func(b byte) bool {
		return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
	}
	var b strings.Builder
	for {
		i := strings.Index(s, old)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(old)
		if (i > 0 && isWord(s[i-1]) && isWord(old[0])) || (end < len(s) && isWord(s[end]) && isWord(old[len(old)-1])) {
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteString(repl)
		s = s[end:]
	}
}
