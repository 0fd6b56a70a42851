package slack_test

import (
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/helpdesk-chat/helpdesk/adapters/slack"
	"github.com/helpdesk-chat/helpdesk/bot"
)

// TestManifestMatchesAdapter: the app manifest asks for what the adapter
// uses: Socket Mode, /helpdesk, interactivity, the events and the scopes.
func TestManifestMatchesAdapter(t *testing.T) {
	raw, err := os.ReadFile("manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			AppHome struct {
				Messages bool `yaml:"messages_tab_enabled"`
			} `yaml:"app_home"`
			SlashCommands []struct {
				Command string `yaml:"command"`
			} `yaml:"slash_commands"`
		} `yaml:"features"`
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			Events struct {
				Bot []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
			Interactivity struct {
				Enabled bool `yaml:"is_enabled"`
			} `yaml:"interactivity"`
			SocketMode bool `yaml:"socket_mode_enabled"`
		} `yaml:"settings"`
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if !m.Settings.SocketMode || !m.Settings.Interactivity.Enabled || !m.Features.AppHome.Messages {
		t.Fatal("Socket Mode, interactivity and the messages tab must be on")
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/helpdesk" {
		t.Fatalf("slash commands: %+v", m.Features.SlashCommands)
	}
	has := func(list []string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(" "+strings.Join(list, " ")+" ", " "+w+" ") {
				t.Errorf("manifest lacks %s", w)
			}
		}
	}
	has(m.Settings.Events.Bot, "app_mention", "message.im", "message.groups", "message.channels")
	has(m.OAuth.Scopes.Bot, "chat:write", "commands", "app_mentions:read", "im:history", "im:write",
		"channels:history", "groups:history", "groups:write", "users:read", "files:read")
}

func BenchmarkBlocks(b *testing.B) {
	m := bot.Message{Title: "IT-1042 · VPN drops every hour",
		Text:    "Assigned to **Ada**. Press **Start Chat** to open a chat with the requester. See [the guide](https://wiki.example.com/vpn).",
		Fields:  []bot.Field{{Label: "Requester", Value: "Carl"}, {Label: "Priority", Value: "high"}, {Label: "What happened?", Value: "It drops <every> hour & then some"}},
		Buttons: []bot.Button{{ID: "start", Label: "Start Chat", Value: "1042", Style: bot.StylePrimary}}}
	for b.Loop() {
		_ = slack.Blocks(m)
	}
}
