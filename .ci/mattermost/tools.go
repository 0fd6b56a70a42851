//go:build tools

// Package tools pins the Mattermost server command so that go.mod and go.sum
// hold everything `go build .../server/v8/cmd/mattermost` needs.
package tools

import _ "github.com/mattermost/mattermost/server/v8/cmd/mattermost"
