package vectors_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/faq/vectors"
)

// mustConvert converts src and opens the result.
func mustConvert(tb testing.TB, src string, opt vectors.ConvertOptions) *vectors.Table {
	tb.Helper()
	var buf bytes.Buffer
	if _, err := vectors.Convert(strings.NewReader(src), &buf, opt); err != nil {
		tb.Fatal(err)
	}
	t, err := vectors.Open(buf.Bytes())
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func TestConvertReadsEveryFormat(t *testing.T) {
	t.Parallel()
	for name, src := range map[string]string{
		"word2vec": "3 2\nthe 0.5 -1\nVPN 2 0\nnetwork 0.25 0.25\n",
		"glove":    "the 0.5 -1\nvpn 2 0\nnetwork 0.25 0.25\n",
		"wink": `{"precision":8,"dimensions":2,"words":["the","vpn","network"],` +
			`"vectors":{"the":[0.5,-1,1.1,0],"vpn":[2,0,2,1],"network":[0.25,0.25,0.3,2]},"unkVector":[0,0]}`,
	} {
		t.Run(name, func(t *testing.T) {
			tb := mustConvert(t, src, vectors.ConvertOptions{})
			if tb.Len() != 3 || tb.Dims() != 2 {
				t.Fatalf("%d words of %d dims, want 3 of 2", tb.Len(), tb.Dims())
			}
			i, ok := tb.Lookup("vpn")
			if !ok {
				t.Fatal("vpn not found")
			}
			if v := tb.Vector(i); math.Abs(float64(v[0]-2)) > 0.02 || v[1] != 0 {
				t.Errorf("vpn = %v, want [2 0]", v)
			}
			if tb.Rank(i) != 1 {
				t.Errorf("rank of vpn = %d, want 1", tb.Rank(i))
			}
			if _, ok := tb.Lookup("missing"); ok {
				t.Error("found a word that is not there")
			}
		})
	}
}

func TestConvertKeepsTheMostFrequentWords(t *testing.T) {
	t.Parallel()
	tb := mustConvert(t, "the 1 0\n, 1 1\nThe 0 1\nvpn 0 2\nwifi 3 3\n", vectors.ConvertOptions{Max: 2})
	if tb.Len() != 2 {
		t.Fatalf("%d words, want 2", tb.Len())
	}
	for _, w := range []string{"the", "vpn"} {
		if _, ok := tb.Lookup(w); !ok {
			t.Errorf("%q missing", w)
		}
	}
	i, _ := tb.Lookup("the")
	if v := tb.Vector(i); v[0] != 1 {
		t.Errorf("the = %v: the first of two spellings must win", v)
	}
}

func TestOpenRejectsOtherData(t *testing.T) {
	t.Parallel()
	for _, data := range [][]byte{nil, []byte("the 1 2\n"), []byte("HDVEC\x00\x01\x00\x01\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00")} {
		if _, err := vectors.Open(data); !errors.Is(err, vectors.ErrFormat) {
			t.Errorf("Open(%q) = %v, want ErrFormat", data, err)
		}
	}
}

func TestEnglishIsEmbedded(t *testing.T) {
	t.Parallel()
	tb, err := vectors.English()
	if err != nil {
		t.Fatal(err)
	}
	if tb.Len() < 90_000 || tb.Dims() != 100 {
		t.Fatalf("%d words of %d dims", tb.Len(), tb.Dims())
	}
	for _, w := range []string{"password", "wifi", "vpn", "laptop"} {
		if _, ok := tb.Lookup(w); !ok {
			t.Errorf("%q missing", w)
		}
	}
}
