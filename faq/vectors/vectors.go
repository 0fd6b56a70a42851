// Package vectors reads and writes the compact word-vector format the FAQ
// model uses for sentence vectors, and converts the usual text formats
// (word2vec, GloVe and fastText .vec text, the wink-embeddings JSON) into
// it.
//
// A Table is read in place from a byte slice (the embedded English
// vectors, or a file read once): nothing is copied but a small header, so
// every desk shares one table and its memory is the file's size. The
// package imports nothing of this module.
package vectors

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
)

// The format, all integers little-endian:
//
//	magic   "HDVEC\x00\x01\x00"              8 bytes
//	n, dims uint32, uint32
//	blob    uint32                           length of the word bytes
//	offs    [n+1]uint32                      word i is words[offs[i]:offs[i+1]]
//	words   [blob]byte                       UTF-8, sorted bytewise (binary search)
//	rank    [n]uint32                        frequency rank in the source (0 = most frequent)
//	scale   [n]float32                       vector i is scale[i] * q[i]
//	q       [n*dims]int8
//
// int8 with a scale per vector keeps the direction of each vector to about
// 0.5 % at a quarter of float32's size.
const magic = "HDVEC\x00\x01\x00"

// ErrFormat is wrapped by errors about a file's content.
var ErrFormat = errors.New("bad vector file")

// Table is a read-only word-vector table. It is safe for concurrent use.
type Table struct {
	n, dims int
	offs    []byte
	words   []byte
	rank    []byte
	scale   []byte
	q       []byte
}

// Open reads a table in place from data, which must stay unchanged while
// the table is used.
func Open(data []byte) (*Table, error) {
	if len(data) < 20 || string(data[:8]) != magic {
		return nil, fmt.Errorf("%w: no HDVEC header", ErrFormat)
	}
	le := binary.LittleEndian
	n, dims, blob := int(le.Uint32(data[8:])), int(le.Uint32(data[12:])), int(le.Uint32(data[16:]))
	if dims <= 0 || dims > 4096 || n < 0 {
		return nil, fmt.Errorf("%w: %d words of %d dimensions", ErrFormat, n, dims)
	}
	want := 20 + 4*(n+1) + blob + 4*n + 4*n + n*dims
	if len(data) != want {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrFormat, len(data), want)
	}
	t := &Table{n: n, dims: dims}
	p := 20
	cut := func(size int) []byte {
		b := data[p : p+size : p+size]
		p += size
		return b
	}
	t.offs = cut(4 * (n + 1))
	t.words = cut(blob)
	t.rank = cut(4 * n)
	t.scale = cut(4 * n)
	t.q = cut(n * dims)
	if int(le.Uint32(t.offs[4*n:])) != blob {
		return nil, fmt.Errorf("%w: word offsets do not end at the word bytes", ErrFormat)
	}
	prev := 0
	for i := 1; i <= n; i++ {
		o := int(le.Uint32(t.offs[4*i:]))
		if o < prev || o > blob {
			return nil, fmt.Errorf("%w: word offsets out of order", ErrFormat)
		}
		prev = o
	}
	return t, nil
}

// Len is the number of words.
func (t *Table) Len() int { return t.n }

// Dims is the number of dimensions of every vector.
func (t *Table) Dims() int { return t.dims }

// Size is the table's memory in bytes (all of it in the data it was
// opened from).
func (t *Table) Size() int {
	return 20 + len(t.offs) + len(t.words) + len(t.rank) + len(t.scale) + len(t.q)
}

func (t *Table) word(i int) []byte {
	le := binary.LittleEndian
	return t.words[le.Uint32(t.offs[4*i:]):le.Uint32(t.offs[4*i+4:])]
}

// Lookup returns the index of word, or false.
func (t *Table) Lookup(word string) (int, bool) {
	lo, hi := 0, t.n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if string(t.word(m)) < word {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < t.n && string(t.word(lo)) == word {
		return lo, true
	}
	return 0, false
}

// Word returns the word at index i.
func (t *Table) Word(i int) string { return string(t.word(i)) }

// Rank is the frequency rank of word i in the source (0 = most frequent).
func (t *Table) Rank(i int) int { return int(binary.LittleEndian.Uint32(t.rank[4*i:])) }

// AddTo adds w times vector i to dst (of Dims elements).
func (t *Table) AddTo(dst []float32, i int, w float32) {
	s := math.Float32frombits(binary.LittleEndian.Uint32(t.scale[4*i:])) * w
	q := t.q[i*t.dims : (i+1)*t.dims]
	dst = dst[:len(q)]
	for k, v := range q {
		dst[k] += s * float32(int8(v))
	}
}

// Vector returns vector i as float32.
func (t *Table) Vector(i int) []float32 {
	v := make([]float32, t.dims)
	t.AddTo(v, i, 1)
	return v
}

// Write writes words (most frequent first, distinct) and their vectors
// (all of one length) in the table format.
func Write(w io.Writer, words []string, vecs [][]float32) error {
	if len(words) != len(vecs) || len(words) == 0 {
		return fmt.Errorf("%w: %d words, %d vectors", ErrFormat, len(words), len(vecs))
	}
	dims := len(vecs[0])
	order := make([]int, len(words))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return words[order[a]] < words[order[b]] })
	for k := 1; k < len(order); k++ {
		if words[order[k]] == words[order[k-1]] {
			return fmt.Errorf("%w: word %q twice", ErrFormat, words[order[k]])
		}
	}
	le := binary.LittleEndian
	n := len(words)
	blob := 0
	for _, s := range words {
		blob += len(s)
	}
	out := make([]byte, 0, 20+4*(n+1)+blob+8*n+n*dims)
	out = append(out, magic...)
	out = le.AppendUint32(out, uint32(n))
	out = le.AppendUint32(out, uint32(dims))
	out = le.AppendUint32(out, uint32(blob))
	off := 0
	for _, i := range order {
		out = le.AppendUint32(out, uint32(off))
		off += len(words[i])
	}
	out = le.AppendUint32(out, uint32(off))
	for _, i := range order {
		out = append(out, words[i]...)
	}
	for _, i := range order {
		out = le.AppendUint32(out, uint32(i))
	}
	for _, i := range order {
		if len(vecs[i]) != dims {
			return fmt.Errorf("%w: word %q has %d dimensions, want %d", ErrFormat, words[i], len(vecs[i]), dims)
		}
		var mx float32
		for _, x := range vecs[i] {
			mx = max(mx, float32(math.Abs(float64(x))))
		}
		out = le.AppendUint32(out, math.Float32bits(mx/127))
	}
	for _, i := range order {
		var mx float32
		for _, x := range vecs[i] {
			mx = max(mx, float32(math.Abs(float64(x))))
		}
		for _, x := range vecs[i] {
			var q int8
			if mx > 0 {
				q = int8(math.Round(float64(x / mx * 127)))
			}
			out = append(out, byte(q))
		}
	}
	_, err := w.Write(out)
	return err
}
