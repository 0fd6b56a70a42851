// Package e2e holds the browser end-to-end tests: they run the real web chat
// (engine, SQLite store, sign-in) on 127.0.0.1 and drive headless Chromium
// through the whole help desk journey. They need the e2e build tag and
// /usr/bin/chromium (see .ci/install-chromium.sh):
//
//	go test -tags e2e ./e2e/
//
// Screenshots land in e2e/screenshots/.
package e2e
