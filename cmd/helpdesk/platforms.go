package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/helpdesk-chat/helpdesk/adapters/discord"
	"github.com/helpdesk-chat/helpdesk/adapters/email"
	"github.com/helpdesk-chat/helpdesk/adapters/mattermost"
	slackad "github.com/helpdesk-chat/helpdesk/adapters/slack"
	"github.com/helpdesk-chat/helpdesk/adapters/web"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// platform is what every adapter is: a bot.Platform with one lifecycle,
// Run(ctx, handler), that hands events to the handler until ctx ends.
type platform interface {
	bot.Platform
	Run(ctx context.Context, handle func(context.Context, bot.Event) error) error
}

var (
	_ platform = (*web.Platform)(nil)
	_ platform = (*slackad.Adapter)(nil)
	_ platform = (*mattermost.Adapter)(nil)
	_ platform = (*discord.Adapter)(nil)
	_ platform = (*email.Adapter)(nil)
)

// newPlatforms builds every platform enabled in the config and adds its
// routes to mux; it connects nothing (runPlatforms does, once the engine
// exists). A platform that cannot be built (bad config) fails Run.
func (m *Main) newPlatforms(cfg *config.Config, mux *http.ServeMux) ([]platform, error) {
	if m.auth != nil {
		m.auth.Routes(mux)
	}
	var ps []platform
	if wc := cfg.Platforms.Web; wc != nil && wc.Enabled {
		st, ok := m.store.(web.Store)
		if !ok || m.auth == nil {
			return nil, errors.New("the web chat needs a store that keeps web messages and sessions (sqlite or postgres)")
		}
		// Handle is set here too, so a request that arrives before Run starts
		// still reaches the engine.
		p, err := web.New(web.Options{Store: st, Auth: m.auth, Handle: m.handle,
			Config: func() *config.Config { return m.engine.Runtime().Config },
			Logger: m.log, CenterURL: "/center/",
			Files: func() *tickets.Attachments { return m.engine.Attachments() }})
		if err != nil {
			return nil, err
		}
		p.Routes(mux)
		ps = append(ps, p)
	}
	if sc := cfg.Platforms.Slack; sc != nil {
		o := slackad.OptionsFrom(sc)
		o.Logger, o.Secrets, o.GroupChats = m.log, m.secrets, m.store
		o.AgentChannels = func() []string { return m.agentChannels(slackad.Name) }
		if m.opts.Slack != nil {
			m.opts.Slack(&o)
		}
		p, err := slackad.New(o)
		if err != nil {
			return nil, err
		}
		if p.Mode() == slackad.ModeHTTP {
			p.Routes(mux)
		}
		ps = append(ps, p)
	}
	if mc := cfg.Platforms.Mattermost; mc != nil {
		// Its buttons, dialogs and /helpdesk reach the bot on the HTTP server.
		o := mattermost.OptionsFrom(mc, m.baseURL(cfg))
		o.Logger, o.Secrets, o.GroupChats = m.log, m.secrets, m.store
		o.Cursor = m.store // questions posted while the bot was down are answered after a restart
		o.AgentChannels = func() []string { return m.agentChannels(mattermost.Name) }
		if m.opts.Mattermost != nil {
			m.opts.Mattermost(&o)
		}
		p, err := mattermost.New(o)
		if err != nil {
			return nil, err
		}
		p.Routes(mux)
		ps = append(ps, p)
	}
	if dc := cfg.Platforms.Discord; dc != nil {
		o := discord.OptionsFrom(dc)
		m.secrets.Add(o.Token)
		o.Logger = m.log
		o.Runtime = func() *bot.Runtime { return m.engine.Runtime() }
		o.FormState = m.store // a stepped form's progress survives a restart
		if m.opts.Discord != nil {
			m.opts.Discord(&o)
		}
		p, err := discord.New(o)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	if ec := cfg.Platforms.Email; ec != nil {
		o := email.OptionsFrom(ec)
		m.secrets.Add(o.LinkSecret)
		m.secrets.Add(o.SMTP.Password)
		if o.IMAP != nil {
			m.secrets.Add(o.IMAP.Password)
		}
		o.Store, o.Logger = m.store, m.log
		o.Engine = func() email.Engine { return m.engine }
		o.BaseURL = func() string { return m.baseURL(m.engine.Runtime().Config) }
		if m.opts.Email != nil {
			m.opts.Email(&o)
		}
		p, err := email.New(o)
		if err != nil {
			return nil, err
		}
		p.Routes(mux) // the links that stand for buttons in mail
		ps = append(ps, p)
	}
	return ps, nil
}

// runPlatforms runs every platform with the engine as its handler, each
// under a supervisor: one that cannot connect is tried again with back-off
// while the rest serves, and one whose token is refused is reported dead.
func (m *Main) runPlatforms(ctx context.Context, ps []platform) error {
	for _, p := range ps {
		var ready <-chan struct{}
		if r, ok := p.(interface{ Ready() <-chan struct{} }); ok {
			ready = r.Ready()
		}
		sv := newSupervisor(p.Name(), func(ctx context.Context) error { return p.Run(ctx, m.handle) }, ready,
			m.opts.Backoff, m.opts.Now, m.log.With("platform", p.Name()), m.secrets.String)
		m.platforms = append(m.platforms, sv)
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			sv.loop(ctx)
		}()
		if wp, ok := p.(*web.Platform); ok {
			link, err := wp.DemoLink(ctx)
			if err != nil {
				// A store that takes no writes is the trouble, not the link:
				// say so, and serve (/readyz reports it too).
				if perr := m.probeStore(ctx); perr != nil {
					m.log.Error("store not writable: no demo sign-in link; the bot serves what it can read", "err", perr)
					continue
				}
				return err
			}
			if link != "" {
				fmt.Fprintf(m.opts.Stdout, "Demo: sign in as the demo admin: %s\n      or pick a demo person at %s/auth/demo\n",
					link, m.baseURL(m.engine.Runtime().Config))
			}
		}
	}
	return nil
}

// platformStatus returns the state of the named platform's supervisor and
// a channel closed at its next change (ok false: no such platform).
func (m *Main) platformStatus(name string) (platformStatus, <-chan struct{}, bool) {
	for _, sv := range m.platforms {
		if sv.name == name {
			st, ch := sv.status()
			return st, ch, true
		}
	}
	return platformStatus{}, nil, false
}

// handle is the engine's Handle, looked up when an event comes (the
// platforms are built before the engine).
func (m *Main) handle(ctx context.Context, ev bot.Event) error { return m.engine.Handle(ctx, ev) }

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
