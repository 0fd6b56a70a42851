package center

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/helpdesk-chat/helpdesk/config"
)

// Link is one way to reach a desk.
type Link struct {
	Platform string // slack, discord, mattermost, web
	Label    string
	URL      string // "" when the platform gives no link; Hint says what to do
	Hint     string
	QR       string // the QR code image's address
}

type deskData struct {
	Desk  *config.Desk
	Links []Link
	Embed string // the web chat widget snippet
}

// baseURL is the public address: the config's base_url, else what the
// request came to.
func baseURL(cfg *config.Config, r *http.Request) string {
	if cfg.BaseURL != "" {
		return strings.TrimRight(cfg.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// deskLinks lists the links of every enabled platform for a desk.
func (c *Center) deskLinks(ctx context.Context, cfg *config.Config, r *http.Request, d *config.Desk) []Link {
	var out []Link
	hook := func(platform string) string {
		if c.dmLink == nil {
			return ""
		}
		if u, ok := c.dmLink(ctx, platform); ok {
			return u
		}
		return ""
	}
	p := cfg.Platforms
	if p.Web != nil && p.Web.Enabled {
		out = append(out, Link{Platform: "web", Label: "Web chat", URL: baseURL(cfg, r) + "/?desk=" + url.QueryEscape(d.ID),
			Hint: "Opens the help desk chat in a browser."})
	}
	if p.Slack != nil {
		l := Link{Platform: "slack", Label: "Slack", URL: hook("slack"),
			Hint: "Send the help desk app a direct message, or type /helpdesk in any channel."}
		out = append(out, l)
	}
	if p.Discord != nil {
		l := Link{Platform: "discord", Label: "Discord", URL: hook("discord"),
			Hint: "Send the help desk bot a direct message, or use /helpdesk on the server."}
		if l.URL == "" && p.Discord.Guild != "" && p.Discord.SupportChannel != "" {
			l.URL = "https://discord.com/channels/" + url.PathEscape(p.Discord.Guild) + "/" + url.PathEscape(p.Discord.SupportChannel)
			l.Hint = "Opens the support channel; use /helpdesk there or message the bot directly."
		}
		out = append(out, l)
	}
	if p.Mattermost != nil {
		l := Link{Platform: "mattermost", Label: "Mattermost", URL: hook("mattermost"),
			Hint: "Send the help desk bot a direct message, or type /helpdesk in any channel."}
		if l.URL == "" && p.Mattermost.URL != "" && p.Mattermost.Team != "" {
			l.URL = strings.TrimRight(p.Mattermost.URL, "/") + "/" + url.PathEscape(p.Mattermost.Team)
		}
		out = append(out, l)
	}
	for i := range out {
		if out[i].URL != "" {
			out[i].QR = "/desks/" + url.PathEscape(d.ID) + "/qr.png?platform=" + out[i].Platform
		}
	}
	return out
}

func (c *Center) handleDesk(w http.ResponseWriter, r *http.Request) {
	cfg := c.config()
	d := cfg.Desk(r.PathValue("id"))
	if d == nil {
		c.render(w, http.StatusNotFound, "error", nil, page{Title: "Not found", Error: "There is no such help desk."})
		return
	}
	data := deskData{Desk: d, Links: c.deskLinks(r.Context(), cfg, r, d)}
	if p := cfg.Platforms.Web; p != nil && p.Enabled {
		data.Embed = `<script src="` + baseURL(cfg, r) + `/chat/widget.js" data-desk="` + d.ID + `" async></script>`
	}
	c.render(w, http.StatusOK, "desk", nil, page{Title: d.Name, Data: data})
}

// handleQR draws the QR code of one of the desk's own links (never of an
// address from the request, so it is no open QR generator).
func (c *Center) handleQR(w http.ResponseWriter, r *http.Request) {
	cfg := c.config()
	d := cfg.Desk(r.PathValue("id"))
	if d == nil {
		http.NotFound(w, r)
		return
	}
	platform := r.URL.Query().Get("platform")
	for _, l := range c.deskLinks(r.Context(), cfg, r, d) {
		if l.Platform != platform || l.URL == "" {
			continue
		}
		png, err := qrcode.Encode(l.URL, qrcode.Medium, 512)
		if err != nil {
			c.log.Error("draw QR code", "desk", d.ID, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Header().Set("Content-Disposition", `inline; filename="`+d.ID+`-`+platform+`.png"`)
		w.Write(png)
		return
	}
	http.NotFound(w, r)
}
