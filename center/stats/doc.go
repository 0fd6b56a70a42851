// Package stats computes help desk statistics from tickets and the question
// log: questions asked and how the bot dealt with them, tickets opened and
// closed, response and resolution times, satisfaction, per agent and per
// category, and the questions the FAQ should cover next. It also draws the
// charts as inline SVG.
//
// Everything here is a pure function of its inputs: it does no I/O and
// imports no store, so it is table-tested on fixtures.
package stats
