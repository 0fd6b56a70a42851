package mattermost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

// CommandTrigger is the slash command the adapter registers in the team.
const CommandTrigger = "helpdesk"

// Run checks the token, finds the team, registers the /helpdesk slash
// command and receives events over the WebSocket until ctx ends,
// reconnecting with back-off and catching up on posts missed during a gap.
// With Options.Cursor it first catches up on the posts made since the last
// one handled before the restart (at most CatchUpWindow back).
// It returns nil when ctx ends, and an error wrapping ErrAuth when
// Mattermost refuses the token.
func (a *Adapter) Run(ctx context.Context, handle Handler) error {
	me, resp, err := a.api.GetMe(ctx, "")
	if err != nil {
		if status(resp) == http.StatusUnauthorized {
			return fmt.Errorf("mattermost: the bot token was refused: %w", ErrAuth)
		}
		return a.wrap("get bot user", err)
	}
	team, _, err := a.api.GetTeamByName(ctx, a.opts.Team, "")
	if err != nil {
		return a.wrap(fmt.Sprintf("find team %q (add the bot to it)", a.opts.Team), err)
	}
	a.mu.Lock()
	a.botID, a.botName, a.teamID = me.Id, me.Username, team.Id
	a.lastEvent = model.GetMillisForTime(a.opts.Now())
	a.mu.Unlock()
	if err := a.loadSigningKey(ctx); err != nil {
		// Without it no click can be verified: every action is refused (403).
		a.log.Error("button clicks will be refused", "err", err)
	}
	if err := a.registerCommand(ctx); err != nil {
		a.log.Warn("cannot register the /helpdesk slash command; make the bot a team admin or register it by hand",
			"url", a.opts.CallbackURL+PathCommand, "err", err)
	}
	a.log.Info("connected to Mattermost", "team", team.Name, "bot_user", me.Username)

	ctx, stop := a.disp.Bind(ctx, handle)
	defer stop()
	a.readyOnce.Do(func() { close(a.ready) })
	return a.listen(ctx, a.startCursor(ctx))
}

// registerCommand creates the /helpdesk command of the bot in the team, or
// points the existing one at the callback URL, and keeps its token.
func (a *Adapter) registerCommand(ctx context.Context) error {
	a.mu.Lock()
	team, self := a.teamID, a.botID
	a.mu.Unlock()
	url := a.opts.CallbackURL + PathCommand
	cmds, _, err := a.api.ListCommands(ctx, team, true)
	if err != nil {
		return a.wrap("list commands", err)
	}
	for _, c := range cmds {
		if c.Trigger != CommandTrigger || c.DeleteAt > 0 {
			continue
		}
		if c.CreatorId != self {
			return fmt.Errorf("the team has a /%s command of someone else; delete it so the bot can register its own", CommandTrigger)
		}
		if c.URL != url || c.Method != model.CommandMethodPost {
			c.URL, c.Method = url, model.CommandMethodPost
			if _, _, err := a.api.UpdateCommand(ctx, c); err != nil {
				return a.wrap("update command", err)
			}
		}
		a.mu.Lock()
		a.cmdToken = c.Token
		a.secrets.Add(c.Token)
		a.secrets.Add(c.Token)
		a.mu.Unlock()
		return nil
	}
	c, _, err := a.api.CreateCommand(ctx, &model.Command{
		TeamId: team, Trigger: CommandTrigger, Method: model.CommandMethodPost, URL: url,
		DisplayName: "Help desk", Description: "Ask the help desk", AutoComplete: true,
		AutoCompleteDesc: "Ask the help desk, or (agents) status, queue, transfer, note, end",
		AutoCompleteHint: "[question]", Username: "",
	})
	if err != nil {
		return a.wrap("create command", err)
	}
	a.mu.Lock()
	a.cmdToken = c.Token
	a.secrets.Add(c.Token)
	a.mu.Unlock()
	return nil
}

// websocketURL turns the server address into its WebSocket address.
func websocketURL(u string) string {
	switch {
	case strings.HasPrefix(u, "https://"):
		return "wss://" + strings.TrimPrefix(u, "https://")
	case strings.HasPrefix(u, "http://"):
		return "ws://" + strings.TrimPrefix(u, "http://")
	}
	return u
}

// listen keeps a WebSocket connection, reconnecting with exponential
// back-off, and after every reconnection reads the posts it missed. If
// start is not 0, the first connection also reads the posts since start
// (ms): those made while the bot was down.
func (a *Adapter) listen(ctx context.Context, start int64) error {
	wsURL := websocketURL(a.opts.URL)
	backoff := a.opts.MinBackoff
	reconnect := false
	for {
		if ctx.Err() != nil {
			return nil
		}
		ws, err := model.NewWebSocketClient4(wsURL, a.opts.Token)
		if err != nil {
			a.log.Warn("WebSocket connection failed; retrying", "backoff", backoff, "err", err)
			if a.opts.Sleep(ctx, backoff) != nil {
				return nil
			}
			backoff = min(backoff*2, a.opts.MaxBackoff)
			continue
		}
		ws.Listen()
		a.log.Info("WebSocket connected", "reconnect", reconnect)
		switch {
		case reconnect:
			a.mu.Lock()
			since := a.catchUpSince(a.lastEvent)
			a.mu.Unlock()
			if err := a.catchUp(ctx, since, "caught up after a gap"); err != nil {
				a.log.Warn("catch up after a gap", "err", err)
			}
		case start > 0:
			if err := a.catchUp(ctx, start, "caught up after a restart"); err != nil {
				a.log.Warn("catch up after a restart", "err", err)
			}
		}
		healthy := a.read(ctx, ws)
		ws.Close()
		for range ws.EventChannel { // let the reader finish
		}
		if ctx.Err() != nil {
			return nil
		}
		if healthy {
			backoff = a.opts.MinBackoff
		}
		reason := "closed"
		if ws.ListenError != nil {
			reason = ws.ListenError.Error()
		}
		a.log.Warn("WebSocket lost; reconnecting", "backoff", backoff, "reason", reason)
		reconnect = true
		if a.opts.Sleep(ctx, backoff) != nil {
			return nil
		}
		backoff = min(backoff*2, a.opts.MaxBackoff)
	}
}

// read handles events until the connection ends; it reports whether the
// connection was healthy (the server said hello).
func (a *Adapter) read(ctx context.Context, ws *model.WebSocketClient) bool {
	healthy := false
	for {
		select {
		case <-ctx.Done():
			return healthy
		case <-ws.PingTimeoutChannel:
			return healthy
		case <-ws.ResponseChannel:
		case ev, ok := <-ws.EventChannel:
			if !ok {
				return healthy
			}
			switch ev.EventType() {
			case model.WebsocketEventHello:
				healthy = true
			case model.WebsocketEventPosted:
				data := ev.GetData()
				raw, _ := data["post"].(string)
				var p model.Post
				if err := json.Unmarshal([]byte(raw), &p); err != nil {
					a.log.Warn("unreadable posted event", "err", err)
					continue
				}
				ct, _ := data["channel_type"].(string)
				if ct != "" {
					a.mu.Lock()
					a.chanTypes[p.ChannelId] = ct
					a.mu.Unlock()
				}
				a.post(ctx, &p, ct)
			}
		}
	}
}

// catchUp reads, over REST, the posts of the bot's channels created since
// since (ms) and handles those it has not: no question sent while the
// WebSocket or the bot was down is lost. At most CatchUpMaxPosts per
// channel are read, the newest.
func (a *Adapter) catchUp(ctx context.Context, since int64, done string) error {
	a.mu.Lock()
	self := a.botID
	a.mu.Unlock()
	channels, _, err := a.api.GetChannelsForUserWithLastDeleteAt(ctx, self, 0)
	if err != nil {
		return a.wrap("list the bot's channels", err)
	}
	n := 0
	var errs []error
	for _, c := range channels {
		if c.LastPostAt < since || c.DeleteAt > 0 {
			continue
		}
		list, _, err := a.api.GetPostsSince(ctx, c.Id, since, false)
		if err != nil {
			errs = append(errs, a.wrap("posts of "+c.Id, err))
			continue
		}
		posts := make([]*model.Post, 0, len(list.Posts))
		for _, p := range list.Posts {
			if p.CreateAt >= since {
				posts = append(posts, p)
			}
		}
		sort.Slice(posts, func(i, j int) bool { return posts[i].CreateAt < posts[j].CreateAt })
		if skip := len(posts) - a.opts.CatchUpMaxPosts; skip > 0 {
			a.log.Warn("catch-up: too many posts in a channel; the oldest are not read", "channel", c.Id, "skipped", skip)
			posts = posts[skip:]
		}
		a.mu.Lock()
		a.chanTypes[c.Id] = string(c.Type)
		a.mu.Unlock()
		for _, p := range posts {
			a.post(ctx, p, string(c.Type))
			n++
		}
	}
	a.log.Info(done, "since", time.UnixMilli(since).UTC().Format(time.RFC3339), "posts", n)
	return errors.Join(errs...)
}
