package vectors

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
)

// ConvertOptions says what Convert keeps.
type ConvertOptions struct {
	// Max keeps the Max most frequent words (0: all). The sources list
	// words most frequent first.
	Max int
	// Normalize maps a source word to the form it is looked up by ("" drops
	// it); nil lower-cases. Of words that normalise alike the most
	// frequent is kept.
	Normalize func(string) string
}

// Convert reads word vectors in a text format (word2vec or fastText .vec
// with their "count dims" first line, or GloVe without it) or the
// wink-embeddings JSON (detected from a leading "{") and writes them in
// the table format. Words without a letter or digit are dropped.
func Convert(r io.Reader, w io.Writer, opt ConvertOptions) (words int, err error) {
	br := bufio.NewReaderSize(r, 1<<20)
	first, err := firstByte(br)
	if err != nil {
		return 0, err
	}
	k := newKeeper(opt)
	if first == '{' {
		err = readWink(br, k)
	} else {
		err = readText(br, k)
	}
	if err != nil {
		return 0, err
	}
	if len(k.words) == 0 {
		return 0, fmt.Errorf("%w: no words", ErrFormat)
	}
	return len(k.words), Write(w, k.words, k.vecs)
}

func firstByte(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, fmt.Errorf("%w: empty input", ErrFormat)
		}
		if b == 0xEF { // UTF-8 byte order mark
			_, _ = br.Discard(2)
			continue
		}
		if !unicode.IsSpace(rune(b)) {
			return b, br.UnreadByte()
		}
	}
}

// keeper collects the words to keep, in frequency order.
type keeper struct {
	opt   ConvertOptions
	seen  map[string]bool
	words []string
	vecs  [][]float32
	dims  int
}

func newKeeper(opt ConvertOptions) *keeper {
	if opt.Normalize == nil {
		opt.Normalize = strings.ToLower
	}
	return &keeper{opt: opt, seen: map[string]bool{}}
}

func (k *keeper) full() bool { return k.opt.Max > 0 && len(k.words) >= k.opt.Max }

// name returns the normalised word if it is to be kept.
func (k *keeper) name(word string) (string, bool) {
	if k.full() {
		return "", false
	}
	word = k.opt.Normalize(word)
	if word == "" || k.seen[word] || !strings.ContainsFunc(word, func(r rune) bool {
		return unicode.IsLetter(r) || unicode.IsDigit(r)
	}) {
		return "", false
	}
	return word, true
}

func (k *keeper) add(word string, v []float32) error {
	if k.dims == 0 {
		k.dims = len(v)
	}
	if len(v) != k.dims || len(v) == 0 {
		return fmt.Errorf("%w: %q has %d dimensions, want %d", ErrFormat, word, len(v), k.dims)
	}
	k.seen[word] = true
	k.words = append(k.words, word)
	k.vecs = append(k.vecs, v)
	return nil
}

// readText reads "word x1 x2 ..." lines, skipping a "count dims" header.
func readText(br *bufio.Reader, k *keeper) error {
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	line := 0
	for sc.Scan() && !k.full() {
		line++
		fs := strings.Fields(sc.Text())
		if len(fs) == 0 {
			continue
		}
		if line == 1 && len(fs) == 2 {
			if _, err := strconv.Atoi(fs[0]); err == nil {
				continue // word2vec / fastText header
			}
		}
		if len(fs) < 2 {
			return fmt.Errorf("%w: line %d has no vector", ErrFormat, line)
		}
		word, ok := k.name(fs[0])
		if !ok {
			continue
		}
		v := make([]float32, len(fs)-1)
		for i, f := range fs[1:] {
			x, err := strconv.ParseFloat(f, 32)
			if err != nil {
				return fmt.Errorf("%w: line %d: %v", ErrFormat, line, err)
			}
			v[i] = float32(x)
		}
		if err := k.add(word, v); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
	}
	return sc.Err()
}

// readWink reads the wink-embeddings JSON: {"dimensions": d, "words":
// [...most frequent first], "vectors": {"word": [x1..xd, l2norm, index]}}.
func readWink(br *bufio.Reader, k *keeper) error {
	dec := json.NewDecoder(br)
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("%w: %v", ErrFormat, err)
	}
	dims := 0
	var order []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrFormat, err)
		}
		key, _ := t.(string)
		switch key {
		case "dimensions":
			if err := dec.Decode(&dims); err != nil {
				return fmt.Errorf("%w: dimensions: %v", ErrFormat, err)
			}
		case "words":
			var words []string
			if err := dec.Decode(&words); err != nil {
				return fmt.Errorf("%w: words: %v", ErrFormat, err)
			}
			// The words to keep, in frequency order; vectors come keyed.
			for _, w := range words {
				if name, ok := k.name(w); ok {
					k.seen[name] = true
					order = append(order, w)
					if k.opt.Max > 0 && len(order) >= k.opt.Max {
						break
					}
				}
			}
		case "vectors":
			if dims == 0 || order == nil {
				return fmt.Errorf(`%w: "vectors" before "dimensions" and "words"`, ErrFormat)
			}
			return winkVectors(dec, k, order, dims)
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fmt.Errorf("%w: %s: %v", ErrFormat, key, err)
			}
		}
	}
	return fmt.Errorf(`%w: no "vectors"`, ErrFormat)
}

func winkVectors(dec *json.Decoder, k *keeper, order []string, dims int) error {
	want := make(map[string]int, len(order))
	for i, w := range order {
		want[w] = i
	}
	got := make([][]float32, len(order))
	left := len(order)
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("%w: vectors: %v", ErrFormat, err)
	}
	var raw json.RawMessage
	for dec.More() && left > 0 {
		t, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%w: vectors: %v", ErrFormat, err)
		}
		word, _ := t.(string)
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("%w: vector of %q: %v", ErrFormat, word, err)
		}
		i, ok := want[word]
		if !ok || got[i] != nil {
			continue
		}
		v, err := parseFloats(raw, dims)
		if err != nil {
			return fmt.Errorf("%w: vector of %q: %v", ErrFormat, word, err)
		}
		got[i] = v
		left--
	}
	// Keep the frequency order; words without a vector are dropped.
	k.seen = map[string]bool{}
	words := k.words[:0]
	vecs := k.vecs[:0]
	for i, w := range order {
		if got[i] == nil {
			continue
		}
		name := k.opt.Normalize(w)
		if k.seen[name] {
			continue
		}
		k.seen[name] = true
		words = append(words, name)
		vecs = append(vecs, got[i])
	}
	k.words, k.vecs = words, vecs
	return nil
}

// parseFloats reads the first dims numbers of a JSON array.
func parseFloats(raw []byte, dims int) ([]float32, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) < 2 || raw[0] != '[' {
		return nil, fmt.Errorf("not an array")
	}
	fs := bytes.Split(raw[1:len(raw)-1], []byte{','})
	if len(fs) < dims {
		return nil, fmt.Errorf("%d numbers, want %d", len(fs), dims)
	}
	v := make([]float32, dims)
	for i := range v {
		x, err := strconv.ParseFloat(string(bytes.TrimSpace(fs[i])), 32)
		if err != nil {
			return nil, err
		}
		v[i] = float32(x)
	}
	return v, nil
}
