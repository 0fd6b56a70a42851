package discord

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/kit"
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

// MaxSelectOptions implements bot.SelectLimiter: a string select holds 25
// options (https://discord.com/developers/docs/components/reference#string-select),
// so the engine pages its menus.
func (a *Adapter) MaxSelectOptions() int { return maxOptions }

var _ bot.SelectLimiter = (*Adapter)(nil)

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
		// parts keeps each embed within its limits; what is left over here
		// (a part not made by parts) is cut with "…" rather than refused.
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

// statusReserve is room kept in a card's last message for its text (the
// ticket's status), so a card updated with a longer status still fits.
const statusReserve = 400

// parts turns a message into the messages Discord takes: a text longer than
// 2,000 characters of content goes out as several (kit.SplitMessage); a card
// whose embed would pass a limit (6,000 characters over the embeds of a
// message, 25 fields, 1,024 per field value, 4,096 of description) goes out
// as several cards. Nothing is cut: a long field value continues in fields
// named "… (cont.)", and the fields are spread over messages; the text (a
// card's status), the buttons and the select are on the last, the ref.
func parts(msg bot.Message) []bot.Message {
	if msg.Title == "" && len(msg.Fields) == 0 {
		return kit.SplitMessage(msg, maxContent, nil)
	}
	n := utf8.RuneCountInString
	lit := func(s string) int { return n(bot.Literal(s)) } // what render sends of a title or field
	title := textutil.Shorten(msg.Title, maxEmbedTitle-20)
	var fields []bot.Field
	for _, f := range msg.Fields {
		label := textutil.Shorten(textutil.OneLine(f.Label), maxFieldName-10)
		if label == "" {
			label = "—"
		}
		v := f.Value
		if strings.TrimSpace(v) == "" {
			v = "—"
		}
		for i, chunk := range splitLiteral(v, maxFieldValue) {
			if strings.TrimSpace(chunk) == "" {
				continue
			}
			l := label
			if i > 0 {
				l = label + " (cont.)"
			}
			fields = append(fields, bot.Field{Label: l, Value: chunk})
		}
	}
	descs := textutil.Split(msg.Text, maxEmbedDesc, nil)
	text := ""
	if len(descs) > 0 {
		text, descs = descs[len(descs)-1], descs[:len(descs)-1]
	}
	// Fits as it is: one message, as render makes it.
	total := lit(title) + n(text)
	for _, f := range fields {
		total += lit(f.Label) + lit(f.Value)
	}
	if len(descs) == 0 && len(fields) <= maxEmbedFields && total+statusReserve <= maxEmbedsTotal && len(fields) == len(msg.Fields) {
		return []bot.Message{msg}
	}
	var out []bot.Message
	for _, d := range descs {
		out = append(out, bot.Message{Title: title, Text: d})
	}
	// Pack the fields in order; the last message keeps room for the text.
	cur := bot.Message{Title: title}
	size := lit(title)
	for _, f := range fields {
		fs := lit(f.Label) + lit(f.Value)
		if len(cur.Fields) > 0 && (len(cur.Fields) == maxEmbedFields || size+fs+max(n(text), statusReserve) > maxEmbedsTotal) {
			out = append(out, cur)
			cur = bot.Message{Title: title}
			size = lit(title)
		}
		cur.Fields = append(cur.Fields, f)
		size += fs
	}
	cur.Text, cur.Buttons, cur.Select = text, msg.Buttons, msg.Select
	out = append(out, cur)
	if len(out) > 1 {
		for i := range out {
			out[i].Title = fmt.Sprintf("%s (%d/%d)", title, i+1, len(out))
		}
	}
	return out
}

// splitLiteral splits v into chunks that stay within limit once made
// literal (bot.Literal escapes markup with a backslash, so a chunk may grow
// up to twice its length): a chunk that grows past it is split again.
func splitLiteral(v string, limit int) []string {
	var out []string
	for _, c := range textutil.Split(v, limit, nil) {
		if limit > 1 && utf8.RuneCountInString(bot.Literal(c)) > limit {
			out = append(out, splitLiteral(c, limit/2)...)
			continue
		}
		out = append(out, c)
	}
	return out
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
