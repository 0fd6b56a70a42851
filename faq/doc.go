// Package faq answers users' questions from a help desk's FAQ.
//
// It analyses every phrasing with Bleve's per-language analyzers (accent
// folding, stop words, stemming) and trains, per desk and language, a
// linear classifier over the FAQ's own phrasings (question, alternates and
// keywords of each item are its labelled examples; features are analysed
// terms and pairs of them, raw words and pairs that keep the stop words
// "where am i" needs, and, for FAQs of up to 300 items, character 2–5-grams
// across word boundaries). Where the language has word vectors (English
// is embedded, see faq/vectors; others come from files the admin
// imports), a second classifier over SIF sentence vectors is trained on
// the same phrasings and the two are fused. Search scores items through
// the lexical classifier's own postings (a small inverted index, rarest
// features first, with a budget), rescores the best with the vector
// classifier, and returns a calibrated confidence in [0,1] for every hit.
// Bleve's index is not used: for questions of a few words, scoring a
// purpose-built inverted index of the learned weights is an order of
// magnitude faster than a Bleve query, and the weights are what ranks.
//
// The answer threshold is chosen per FAQ from phrasings and whole items
// held out while building (a desk's thresholds override it), and a
// question that is one of the FAQ's listed phrasings after normalisation
// is always answered with its item. It then decides between answering,
// suggesting and giving up, and walks the question-menu tree.
//
// It imports only the config types, faq/vectors and internal/textutil (a
// leaf) of this module: never bot, tickets, adapters, a platform SDK or a
// storage driver. An Index is immutable after Build; a config reload builds
// a new one.
package faq
