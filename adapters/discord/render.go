package discord

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/internal/textutil"
)

// Discord's limits (https://discord.com/developers/docs/components/reference).
const (
	maxContent      = 2000
	maxEmbedTitle   = 256
	maxEmbedDesc    = 4096
	maxEmbedFields  = 25
	maxFieldName    = 256
	maxFieldValue   = 1024
	maxButtonLabel  = 80
	maxButtonsInRow = 5
	maxRows         = 5
	maxOptions      = 25
	maxOptionText   = 100
	maxCustomID     = 100
	maxModalTitle   = 45
	maxInputLabel   = 45
	maxModalInputs  = 5
	maxInputValue   = 4000
	maxPlaceholder  = 100
)

// noMentions is sent with every message: user text can never ping
// @everyone, @here, a role or a user.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// literal is plain text escaped for Discord's markdown, within max
// characters as Discord counts them (the escapes included).
func literal(s string, limit int) string {
	l := bot.Literal(s)
	for n := limit; utf8.RuneCountInString(l) > limit && n > 1; {
		n = max(1, n-(utf8.RuneCountInString(l)-limit))
		l = bot.Literal(textutil.Shorten(s, n))
	}
	return l
}

// render turns a neutral message into content, embeds and components. A
// message with a title or fields is a card: an embed. desk, when set, is
// carried in every control (a panel names its desk).
func (a *Adapter) render(msg bot.Message, desk string) (string, []*discordgo.MessageEmbed, []discordgo.MessageComponent) {
	content := ""
	var embeds []*discordgo.MessageEmbed
	if msg.Title != "" || len(msg.Fields) > 0 {
		// Titles and fields are plain text (bot.Field): made literal in
		// Discord's markdown, so a typed [label](url) is no masked link.
		e := &discordgo.MessageEmbed{Title: literal(msg.Title, maxEmbedTitle), Description: textutil.Shorten(msg.Text, maxEmbedDesc), Color: 0x5865F2}
		for i, f := range msg.Fields {
			if i == maxEmbedFields {
				break
			}
			v := f.Value
			if strings.TrimSpace(v) == "" {
				v = "—"
			}
			e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: literal(f.Label, maxFieldName), Value: literal(v, maxFieldValue), Inline: len(v) <= 40})
		}
		if fitEmbed(e) {
			a.log.Warn("card over Discord's 6,000 characters of embeds; its longest field values are shortened", "title", msg.Title)
		}
		embeds = append(embeds, e)
	} else {
		content = textutil.Shorten(msg.Text, maxContent)
	}
	if content == "" && len(embeds) == 0 {
		content = "\u200b" // Discord refuses an empty message
	}
	comps := []discordgo.MessageComponent{}
	rows := maxRows
	if msg.Select != nil && len(msg.Select.Options) > 0 {
		rows--
	}
	var row []discordgo.MessageComponent
	for i, b := range msg.Buttons {
		if len(comps) == rows {
			a.log.Warn("message has more buttons than Discord shows; the rest are dropped", "buttons", len(msg.Buttons))
			break
		}
		btn := discordgo.Button{Label: textutil.Shorten(b.Label, maxButtonLabel), Style: buttonStyle(b.Style)}
		if b.URL != "" {
			btn.Style, btn.URL = discordgo.LinkButton, b.URL
		} else {
			btn.CustomID = a.encodeID("b|" + strconv.Itoa(i) + "|" + desk + "|" + b.ID + "|" + b.Value)
		}
		row = append(row, btn)
		if len(row) == maxButtonsInRow || i == len(msg.Buttons)-1 {
			comps = append(comps, discordgo.ActionsRow{Components: row})
			row = nil
		}
	}
	if msg.Select != nil && len(msg.Select.Options) > 0 {
		sel := discordgo.SelectMenu{MenuType: discordgo.StringSelectMenu, CustomID: a.encodeID("s|" + desk + "|" + msg.Select.ID),
			Placeholder: textutil.Shorten(msg.Select.Placeholder, maxPlaceholder)}
		seen := map[string]bool{}
		for _, o := range msg.Select.Options {
			v := a.encodeValue(o.Value)
			if seen[v] || len(sel.Options) == maxOptions {
				continue
			}
			seen[v] = true
			sel.Options = append(sel.Options, discordgo.SelectMenuOption{Label: textutil.Shorten(o.Label, maxOptionText), Value: v})
		}
		comps = append(comps, discordgo.ActionsRow{Components: []discordgo.MessageComponent{sel}})
	}
	return content, embeds, comps
}

// maxEmbedsTotal is what Discord takes over all the embeds of a message
// (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
const maxEmbedsTotal = 6000

// fitEmbed shortens the longest field values of e until it is within
// maxEmbedsTotal, so a big card is still posted (Discord refuses the whole
// message with 400 50035 otherwise); it tells whether it shortened any.
// Splitting such a card over several messages is still to do (issue 13).
func fitEmbed(e *discordgo.MessageEmbed) bool {
	n := utf8.RuneCountInString
	fixed, values := n(e.Title)+n(e.Description), 0
	for _, f := range e.Fields {
		fixed += n(f.Name)
		values += n(f.Value)
	}
	budget := maxEmbedsTotal - fixed
	if values <= budget {
		return false
	}
	if budget < len(e.Fields)*2 {
		e.Description = textutil.Shorten(e.Description, max(1, n(e.Description)-(fixed+2*len(e.Fields)-maxEmbedsTotal)))
		budget = 2 * len(e.Fields)
	}
	// Water-filling: each value gets at most cap characters, cap as large as
	// the budget allows, so short values stay whole.
	lo, hi := 2, maxFieldValue
	for lo < hi {
		mid := (lo + hi + 1) / 2
		sum := 0
		for _, f := range e.Fields {
			sum += min(n(f.Value), mid)
		}
		if sum <= budget {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	for _, f := range e.Fields {
		f.Value = textutil.Shorten(f.Value, lo)
	}
	return true
}

func buttonStyle(s bot.ButtonStyle) discordgo.ButtonStyle {
	switch s {
	case bot.StylePrimary:
		return discordgo.PrimaryButton
	case bot.StyleDanger:
		return discordgo.DangerButton
	}
	return discordgo.SecondaryButton
}

// encodeID keeps a custom id within Discord's 100 characters; a longer one is
// kept here and sent as a short reference.
func (a *Adapter) encodeID(id string) string {
	if len(id) <= maxCustomID {
		return id
	}
	return a.keep(id)
}

// encodeValue does the same for select option values.
func (a *Adapter) encodeValue(v string) string {
	if len(v) <= maxOptionText && !strings.HasPrefix(v, "h|") {
		return v
	}
	return a.keep(v)
}

func (a *Adapter) keep(s string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.long) > 50000 {
		a.long = map[string]string{}
	}
	a.seq++
	ref := "h|" + strconv.Itoa(a.seq)
	a.long[ref] = s
	return ref
}

func (a *Adapter) unkeep(s string) string {
	if !strings.HasPrefix(s, "h|") {
		return s
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.long[s]
}

// decodeID reads a control's custom id: b|index|desk|action|value or s|desk|action.
func (a *Adapter) decodeID(cid string) (desk, id, value string, ok bool) {
	cid = a.unkeep(cid)
	switch {
	case strings.HasPrefix(cid, "b|"):
		parts := strings.SplitN(cid, "|", 5)
		if len(parts) != 5 {
			return "", "", "", false
		}
		return parts[2], parts[3], parts[4], true
	case strings.HasPrefix(cid, "s|"):
		parts := strings.SplitN(cid, "|", 3)
		if len(parts) != 3 {
			return "", "", "", false
		}
		return parts[1], parts[2], "", true
	}
	return "", "", "", false
}
