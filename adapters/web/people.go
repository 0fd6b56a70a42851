package web

import (
	"context"
	"slices"
	"strings"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
)

// chatKind tells a DM, an agent channel from config, or a group chat.
func chatKind(cfg *config.Config, chat string) bot.ChatKind {
	if strings.HasPrefix(chat, DMPrefix) {
		return bot.ChatDirect
	}
	for _, d := range cfg.Desks {
		if d.AgentChannel[Name] == chat {
			return bot.ChatChannel
		}
	}
	return bot.ChatGroup
}

// isStaff reports whether user is an agent or admin of desk on the web.
func isStaff(cfg *config.Config, d *config.Desk, user string) bool {
	return d.Agent(Name, user) != nil || d.Admins.Has(Name, user) || cfg.Admins.Has(Name, user)
}

// isAgent reports whether user is an agent or admin of any desk.
func isAgent(cfg *config.Config, user string) bool {
	for _, d := range cfg.Desks {
		if isStaff(cfg, d, user) {
			return true
		}
	}
	return false
}

// channel is an agent channel a user may see.
type channel struct {
	ID, Title string
}

// channelsOf lists the desk agent channels of the user's desks.
func channelsOf(cfg *config.Config, user string) []channel {
	var out []channel
	for _, d := range cfg.Desks {
		ch := d.AgentChannel[Name]
		if ch == "" || !isStaff(cfg, d, user) || slices.ContainsFunc(out, func(c channel) bool { return c.ID == ch }) {
			continue
		}
		out = append(out, channel{ID: ch, Title: d.Name + " · agents"})
	}
	return out
}

// access returns the kind of chat and whether user may read and post in it:
// their own DM, a group chat they are a member of, or an agent channel of one
// of their desks.
func (p *Platform) access(ctx context.Context, user, chat string) (bot.ChatKind, error) {
	cfg := p.config()
	switch kind := chatKind(cfg, chat); kind {
	case bot.ChatDirect:
		if chat == DMPrefix+user {
			return kind, nil
		}
	case bot.ChatChannel:
		if slices.ContainsFunc(channelsOf(cfg, user), func(c channel) bool { return c.ID == chat }) {
			return kind, nil
		}
	default:
		c, err := p.store.Chat(ctx, chat)
		if err != nil && errs.Code(err) != errs.ENOTFOUND {
			return "", err
		}
		if err == nil && slices.Contains(c.Members, user) {
			return kind, nil
		}
	}
	return "", errs.Errorf(errs.EFORBIDDEN, "You are not a member of this chat.")
}

// Person is someone the config names on the web platform.
type Person struct {
	ID   string
	Name string
	Role string // "admin", "agent" or "user"
}

// People lists the web ids named in the config: global admins, desk agents
// and admins, and users a desk is available to. Each appears once, with
// their highest role.
func People(cfg *config.Config) []Person {
	var out []Person
	add := func(id, name, role string) {
		if id == "" {
			return
		}
		for i := range out {
			if out[i].ID == id {
				if out[i].Name == out[i].ID && name != "" {
					out[i].Name = name
				}
				if rank(role) > rank(out[i].Role) {
					out[i].Role = role
				}
				return
			}
		}
		if name == "" {
			name = id
		}
		out = append(out, Person{ID: id, Name: name, Role: role})
	}
	for _, id := range cfg.Admins.Web {
		add(id, "", "admin")
	}
	for _, d := range cfg.Desks {
		for _, a := range d.Agents {
			role := "agent"
			if a.Admin {
				role = "admin"
			}
			add(a.Web, a.Name, role)
		}
		for _, id := range d.Admins.Web {
			add(id, "", "admin")
		}
		for _, id := range d.AvailableTo.People.Web {
			add(id, "", "user")
		}
	}
	// Agents' names also name them where they are listed as admins.
	for _, d := range cfg.Desks {
		for _, a := range d.Agents {
			add(a.Web, a.Name, "user")
		}
	}
	return out
}

func rank(role string) int {
	switch role {
	case "admin":
		return 2
	case "agent":
		return 1
	}
	return 0
}

// person finds a configured web person.
func person(cfg *config.Config, id string) (Person, bool) {
	for _, p := range People(cfg) {
		if p.ID == id {
			return p, true
		}
	}
	return Person{}, false
}

// visitorDesks lists the desks available to everyone (visitors may use them).
func visitorDesks(cfg *config.Config) []*config.Desk {
	var out []*config.Desk
	for _, d := range cfg.Desks {
		if d.AvailableTo.Everyone {
			out = append(out, d)
		}
	}
	return out
}

func demoOn(cfg *config.Config) bool {
	return cfg.Platforms.Web != nil && cfg.Platforms.Web.Demo
}
