package discord

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/helpdesk-chat/helpdesk/bot"
)

// files turns a message's attachments into the engine's. Each is
// downloaded from its CDN url (signed by Discord, no token needed) only if
// the engine keeps it.
func (a *Adapter) files(atts []*discordgo.MessageAttachment) []bot.File {
	var out []bot.File
	for _, at := range atts {
		if at == nil {
			continue
		}
		size := int64(at.Size)
		if size <= 0 {
			size = -1
		}
		out = append(out, bot.File{ID: "discord:" + at.ID, Name: at.Filename, Size: size,
			Fetch: func(ctx context.Context, max int64) ([]byte, error) { return a.download(ctx, at.URL, max) }})
	}
	return out
}

func (a *Adapter) download(ctx context.Context, url string, max int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("discord attachment: %w", err)
	}
	hc := a.opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 2 * time.Minute}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download discord attachment: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download discord attachment: %s", resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("download discord attachment: %w", err)
	}
	if int64(len(b)) > max {
		return nil, bot.ErrFileTooLarge
	}
	return b, nil
}
