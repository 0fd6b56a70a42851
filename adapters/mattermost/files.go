package mattermost

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/helpdesk-chat/helpdesk/bot"
)

// files turns a post's files into the engine's: the name and size from the
// post's metadata (GET /api/v4/files/{id}/info when it has none), the
// bytes from GET /api/v4/files/{id} with the bot's token, only if the
// engine keeps the file (https://api.mattermost.com/#tag/files).
func (a *Adapter) files(ctx context.Context, p *model.Post) []bot.File {
	if len(p.FileIds) == 0 {
		return nil
	}
	infos := map[string]*model.FileInfo{}
	if p.Metadata != nil {
		for _, fi := range p.Metadata.Files {
			if fi != nil {
				infos[fi.Id] = fi
			}
		}
	}
	var out []bot.File
	for _, id := range p.FileIds {
		fi := infos[id]
		if fi == nil {
			got, _, err := a.api.GetFileInfo(ctx, id)
			if err != nil {
				a.log.Warn("mattermost file info", "file", id, "err", err)
				got = &model.FileInfo{Id: id, Name: id, Size: -1}
			}
			fi = got
		}
		size := fi.Size
		if size <= 0 {
			size = -1
		}
		out = append(out, bot.File{ID: "mattermost:" + id, Name: fi.Name, Size: size,
			Fetch: func(ctx context.Context, max int64) ([]byte, error) { return a.download(ctx, id, max) }})
	}
	return out
}

func (a *Adapter) download(ctx context.Context, id string, max int64) ([]byte, error) {
	u := strings.TrimSuffix(a.opts.URL, "/") + "/api/v4/files/" + url.PathEscape(id)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("mattermost file %s: %w", id, err)
	}
	req.Header.Set("Authorization", "Bearer "+a.opts.Token)
	resp, err := a.api.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download mattermost file %s: %w", id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download mattermost file %s: %s", id, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("download mattermost file %s: %w", id, err)
	}
	if int64(len(b)) > max {
		return nil, bot.ErrFileTooLarge
	}
	return b, nil
}
