package config

import (
	"net"
	"net/mail"
	"slices"
	"strings"
)

// Email defaults.
const (
	DefaultEmailMaxBytes      = 10 << 20
	DefaultEmailPerSenderHour = 30
)

// validateEmail checks platforms.email: every desk named exists, every
// address parses and belongs to one desk, the servers are host:port with a
// known security, and mail can both come in and go out.
func validateEmail(c *Config, s *source, p *problems) {
	e := c.Platforms.Email
	if e == nil {
		return
	}
	const ep = "platforms.email"
	check := func(path string) bool { return !s.failed(path) }
	if len(e.Desks) == 0 && check(ep+".desks") {
		p.at(s, ep, "email needs desks: a map of desk id to the addresses whose mail opens its tickets")
	}
	owner := map[string]string{}
	for id, addrs := range e.Desks {
		dp := join(join(ep, "desks"), id)
		if c.Desk(id) == nil && len(c.Desks) > 0 {
			p.at(s, dp, "email: no desk %q (desks are %s)", id, deskIDs(c))
		}
		if len(addrs) == 0 {
			p.at(s, dp, "email: desk %q has no address", id)
		}
		if d := c.Desk(id); d != nil && !slices.ContainsFunc(d.Agents, func(a *Agent) bool { return a.Email != "" }) {
			p.at(s, dp, "email: desk %q takes mail but none of its agents has an email address (email: ada@example.com); its email tickets would wait in the queue", id)
		}
		for i, a := range addrs {
			ap := join(dp, i)
			if !check(ap) {
				continue
			}
			m, err := mail.ParseAddress(a)
			if err != nil || m.Name != "" {
				p.at(s, ap, "email: %q is not a bare address (write it-help@example.com)", a)
				continue
			}
			k := strings.ToLower(m.Address)
			if o, ok := owner[k]; ok && o != id {
				p.at(s, ap, "email: %s belongs to desks %q and %q; an address opens tickets on one desk", a, o, id)
			}
			owner[k] = id
		}
	}
	hostPort := func(path, what, v string) {
		if !check(path) {
			return
		}
		if _, _, err := net.SplitHostPort(v); err != nil {
			p.at(s, path, "email %s %q must be host:port (e.g. mail.example.com:993)", what, v)
		}
	}
	security := func(path, v string, allowed ...string) {
		if v == "" || !check(path) {
			return
		}
		for _, a := range allowed {
			if v == a {
				return
			}
		}
		p.at(s, path, "email security %q: use %s", v, strings.Join(allowed, ", "))
	}
	if im := e.IMAP; im != nil {
		hostPort(ep+".imap.addr", "imap addr", im.Addr)
		security(ep+".imap.security", im.Security, "tls", "starttls", "none")
		if im.Username == "" && check(ep+".imap.username") {
			p.at(s, ep+".imap", "email imap needs username")
		}
		if im.Password == "" && check(ep+".imap.password") {
			p.at(s, ep+".imap", "email imap needs password (write ${IMAP_PASSWORD})")
		}
		if im.Poll < 0 {
			p.at(s, ep+".imap.poll", "email imap poll must not be negative")
		}
	}
	if r := e.Receiver; r != nil {
		hostPort(ep+".receiver.listen", "receiver listen", r.Listen)
		if (r.CertFile == "") != (r.KeyFile == "") {
			p.at(s, ep+".receiver", "email receiver needs both cert_file and key_file for STARTTLS, or neither")
		}
	}
	if e.IMAP == nil && e.Receiver == nil && check(ep) {
		p.at(s, ep, "email needs imap (a mailbox to read) or receiver (an SMTP address to forward to), or both")
	}
	if sm := e.SMTP; sm == nil {
		if check(ep + ".smtp") {
			p.at(s, ep, "email needs smtp: the server replies are sent through")
		}
	} else {
		hostPort(ep+".smtp.addr", "smtp addr", sm.Addr)
		security(ep+".smtp.security", sm.Security, "starttls", "tls", "none")
		if (sm.Username == "") != (sm.Password == "") && check(ep+".smtp.password") {
			p.at(s, ep+".smtp", "email smtp needs both username and password, or neither")
		}
	}
	if len(e.LinkSecret) < minTokenLen && check(ep+".link_secret") {
		p.at(s, ep+".link_secret", "email link_secret must be at least %d characters (write ${EMAIL_LINK_SECRET}); it signs the rating links in mail", minTokenLen)
	}
	if e.PerSenderHour < 0 {
		p.at(s, ep+".per_sender_hour", "email per_sender_hour must not be negative")
	}
	if e.MaxBytes < 0 {
		p.at(s, ep+".max_bytes", "email max_bytes must not be negative")
	}
}

func deskIDs(c *Config) string {
	ids := make([]string, 0, len(c.Desks))
	for _, d := range c.Desks {
		ids = append(ids, d.ID)
	}
	return strings.Join(ids, ", ")
}

// EmailDesk returns the desk id an address belongs to ("" if none).
func (e *Email) EmailDesk(addr string) string {
	addr = strings.ToLower(strings.TrimSpace(addr))
	for id, as := range e.Desks {
		for _, a := range as {
			if strings.ToLower(a) == addr {
				return id
			}
		}
	}
	return ""
}
