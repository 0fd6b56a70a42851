package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/helpdesk-chat/helpdesk/adapters/discord"
	"github.com/helpdesk-chat/helpdesk/adapters/mattermost"
	slackad "github.com/helpdesk-chat/helpdesk/adapters/slack"
	"github.com/helpdesk-chat/helpdesk/adapters/web"
	"github.com/helpdesk-chat/helpdesk/config"
)

// startPlatforms connects every platform enabled in the config to the engine.
// A platform that cannot start (bad config) fails Run; one whose token is
// refused while running stops the program with a clear message.
func (m *Main) startPlatforms(ctx context.Context, cfg *config.Config, mux *http.ServeMux) error {
	if m.auth != nil {
		m.auth.Routes(mux)
	}
	if wc := cfg.Platforms.Web; wc != nil && wc.Enabled {
		if err := m.startWeb(ctx, mux); err != nil {
			return err
		}
	}
	if sc := cfg.Platforms.Slack; sc != nil {
		if err := m.startSlack(ctx, sc, mux); err != nil {
			return err
		}
	}
	if mc := cfg.Platforms.Mattermost; mc != nil {
		if err := m.startMattermost(ctx, cfg, mc, mux); err != nil {
			return err
		}
	}
	if dc := cfg.Platforms.Discord; dc != nil {
		if err := m.startDiscord(ctx, dc); err != nil {
			return err
		}
	}
	return nil
}

// startWeb serves the built-in web chat on the HTTP server.
func (m *Main) startWeb(ctx context.Context, mux *http.ServeMux) error {
	st, ok := m.store.(web.Store)
	if !ok || m.auth == nil {
		return errors.New("the web chat needs a store that keeps web messages and sessions (sqlite or postgres)")
	}
	wc, err := web.New(web.Options{Store: st, Auth: m.auth, Handle: m.engine.Handle,
		Config: func() *config.Config { return m.engine.Runtime().Config },
		Logger: m.log, CenterURL: "/center/"})
	if err != nil {
		return err
	}
	m.engine.AddPlatform(wc)
	wc.Routes(mux)
	// With PostgreSQL, other replicas' changes reach this one's browsers by
	// LISTEN/NOTIFY; with SQLite, Run just waits.
	m.goRun(ctx, "web", wc.Run)
	link, err := wc.DemoLink(ctx)
	if err != nil {
		return err
	}
	if link != "" {
		fmt.Fprintf(m.opts.Stdout, "Demo: sign in as the demo admin: %s\n      or pick a demo person at %s/auth/demo\n",
			link, m.baseURL(m.engine.Runtime().Config))
	}
	return nil
}

// startMattermost connects to Mattermost; its buttons, dialogs and
// /helpdesk reach the bot on the HTTP server.
func (m *Main) startMattermost(ctx context.Context, cfg *config.Config, mc *config.Mattermost, mux *http.ServeMux) error {
	o := mattermost.OptionsFrom(mc, m.baseURL(cfg))
	o.Logger, o.Secrets, o.GroupChats = m.log, m.secrets, m.store
	o.Cursor = m.store // questions posted while the bot was down are answered after a restart
	o.AgentChannels = func() []string { return m.agentChannels(mattermost.Name) }
	ad, err := mattermost.New(o)
	if err != nil {
		return err
	}
	m.engine.AddPlatform(ad)
	ad.Routes(mux)
	m.goRun(ctx, "mattermost", func(ctx context.Context) error { return ad.Run(ctx, m.engine.Handle) })
	return nil
}

func (m *Main) startDiscord(ctx context.Context, dc *config.Discord) error {
	o := discord.OptionsFrom(dc)
	m.secrets.Add(o.Token)
	o.Logger, o.Runtime = m.log, m.engine.Runtime
	o.FormState = m.store // a stepped form's progress survives a restart
	ad, err := discord.New(o)
	if err != nil {
		return err
	}
	m.engine.AddPlatform(ad)
	m.goRun(ctx, "discord", func(ctx context.Context) error { return ad.Run(ctx, m.engine.Handle) })
	return nil
}

func (m *Main) startSlack(ctx context.Context, sc *config.Slack, mux *http.ServeMux) error {
	o := slackad.OptionsFrom(sc)
	o.Logger, o.Secrets, o.GroupChats = m.log, m.secrets, m.store
	o.AgentChannels = func() []string { return m.agentChannels(slackad.Name) }
	sl, err := slackad.New(o)
	if err != nil {
		return err
	}
	m.engine.AddPlatform(sl)
	if sl.Mode() == slackad.ModeHTTP {
		sl.Routes(mux)
	}
	m.goRun(ctx, "slack", func(ctx context.Context) error { return sl.Run(ctx, m.engine.Handle) })
	return nil
}

// agentChannels lists the desks' agent channels on a platform, from the live config.
func (m *Main) agentChannels(platform string) []string {
	var chs []string
	for _, d := range m.engine.Runtime().Config.Desks {
		if ch := d.AgentChannel[platform]; ch != "" {
			chs = append(chs, ch)
		}
	}
	return chs
}
