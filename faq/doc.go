// Package faq answers users' questions from a help desk's FAQ.
//
// It builds one in-memory Bleve index per desk with per-language analyzers
// (accent folding, stop words, stemming), searches it with a confidence in
// [0,1] for every hit, decides between answering, suggesting and giving up
// against the desk's thresholds, and walks the question-menu tree.
//
// It imports only the config types of this module: never bot, tickets,
// adapters, a platform SDK or a storage driver. An Index is immutable after
// Build; a config reload builds a new one.
package faq
