// Package replicas checks that several replicas of the bot on one PostgreSQL
// database behave as one help desk: every platform event is delivered to
// every replica (as a Mattermost WebSocket does), one replica is killed in the
// middle, and the outcome must be what one bot would have produced. Its
// benchmarks measure conversations per second and reply latency on SQLite and
// on PostgreSQL with one and three replicas. It holds tests only.
package replicas
