// Package faq answers users' questions from a help desk's FAQ.
//
// It analyses every phrasing with Bleve's per-language analyzers (accent
// folding, stop words, stemming) and trains, per desk and language, a
// linear classifier over the FAQ's own phrasings (question, alternates and
// keywords of each item are its labelled examples; features are analysed
// terms and pairs of them, plus raw words and pairs that keep the stop
// words "where am i" needs). Search scores items through the classifier's
// own postings (a small inverted index, rarest features first, with a
// budget) and returns a calibrated confidence in [0,1] for every hit.
// Bleve's index is not used: for questions of a few words, scoring a
// purpose-built inverted index of the learned weights is an order of
// magnitude faster than a Bleve query, and the weights are what ranks. It
// then decides between answering, suggesting and giving up
// against the desk's thresholds, and walks the question-menu tree.
//
// It imports only the config types of this module (and internal/textutil,
// a leaf): never bot, tickets,
// adapters, a platform SDK or a storage driver. An Index is immutable after
// Build; a config reload builds a new one.
package faq
