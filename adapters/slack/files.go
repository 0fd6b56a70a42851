package slack

import (
	"context"

	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/bot"
)

// slackFile is a file of a message event (files[]). A file shared by
// someone outside the workspace may come as a stub ("file_access":
// "check_file_info") that files.info completes.
type slackFile struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	Mimetype           string `json:"mimetype"`
	Size               int64  `json:"size"`
	URLPrivateDownload string `json:"url_private_download"`
	URLPrivate         string `json:"url_private"`
	FileAccess         string `json:"file_access"`
}

// files turns a message's files into the engine's, each downloaded only
// if the engine keeps it.
func (a *Adapter) files(ctx context.Context, fs []slackFile) []bot.File {
	var out []bot.File
	for _, f := range fs {
		if f.FileAccess == "check_file_info" || f.Name == "" {
			// A stub: files.info has the name, size and address.
			if info, _, _, err := a.api.GetFileInfoContext(ctx, f.ID, 0, 0); err == nil {
				f = slackFile{ID: f.ID, Name: info.Name, Mimetype: info.Mimetype, Size: int64(info.Size),
					URLPrivateDownload: info.URLPrivateDownload, URLPrivate: info.URLPrivate}
			} else {
				a.log.Warn("slack files.info", "file", f.ID, "err", err)
			}
		}
		size := f.Size
		if size <= 0 {
			size = -1
		}
		name := f.Name
		if name == "" {
			name = f.ID
		}
		out = append(out, bot.File{ID: "slack:" + f.ID, Name: name, Size: size, Fetch: func(ctx context.Context, max int64) ([]byte, error) {
			return a.download(ctx, f, max)
		}})
	}
	return out
}

// download fetches a file's bytes: url_private_download (or url_private)
// with the bot token in the Authorization header, as Slack requires for
// private files (https://docs.slack.dev/messaging/working-with-files#downloading-files);
// files.info first when the event gave no URL. Slack answers a request
// without a valid token with its sign-in page (HTML), not an error status,
// so an HTML answer for a file that is not HTML is an error.
func (a *Adapter) download(ctx context.Context, f slackFile, max int64) ([]byte, error) {
	u := f.URLPrivateDownload
	if u == "" {
		u = f.URLPrivate
	}
	if u == "" || f.FileAccess == "check_file_info" {
		info, _, _, err := a.api.GetFileInfoContext(ctx, f.ID, 0, 0)
		if err != nil {
			return nil, fmt.Errorf("slack files.info %s: %w", f.ID, err)
		}
		u, f.Mimetype = info.URLPrivateDownload, info.Mimetype
		if u == "" {
			u = info.URLPrivate
		}
	}
	if u == "" {
		return nil, fmt.Errorf("slack file %s has no download address", f.ID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("slack file %s: %w", f.ID, err)
	}
	req.Header.Set("Authorization", "Bearer "+a.opts.BotToken)
	resp, err := a.fileClient().Do(req)
	if err != nil {
		return nil, fmt.Errorf("download slack file %s: %w", f.ID, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download slack file %s: %s", f.ID, resp.Status)
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct == "text/html" && !strings.Contains(f.Mimetype, "html") {
		return nil, fmt.Errorf("download slack file %s: Slack answered with its sign-in page (does the bot token have the files:read scope?)", f.ID)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("download slack file %s: %w", f.ID, err)
	}
	if int64(len(b)) > max {
		return nil, bot.ErrFileTooLarge
	}
	return b, nil
}

// fileClient is the HTTP client for downloads: the configured one, or one
// with a deadline. Downloads follow Slack's redirects to its file host.
func (a *Adapter) fileClient() *http.Client {
	if a.opts.HTTPClient != nil {
		return a.opts.HTTPClient
	}
	return &http.Client{Timeout: fileTimeout}
}

// fileTimeout bounds one download (10 MB on a slow link).
const fileTimeout = 2 * time.Minute
