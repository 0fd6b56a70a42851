package slack

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/kit"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/internal/textutil"
)

// Block Kit limits (https://docs.slack.dev/reference/block-kit).
const (
	// A section's text: 3,000 characters
	// (https://docs.slack.dev/reference/block-kit/blocks/section-block).
	maxSectionText = 3000
	// The text of one message, as sections: Slack refuses blocks of about
	// 13,000 characters in all with msg_blocks_too_long, below the 50
	// blocks a message may have (https://docs.slack.dev/reference/methods/chat.postMessage,
	// https://github.com/slackapi/bolt-js/issues/2509), so a longer text
	// goes out as several messages.
	maxMessageText  = 12000
	maxHeader       = 150
	maxFieldText    = 2000
	maxFields       = 10
	maxButtonText   = 75
	maxValue        = 2000
	maxOptionValue  = 150
	maxOptions      = 100
	maxOptionGroups = 100
	maxActions      = 25
	maxModalTitle   = 24
	maxLabel        = 2000
	maxFallback     = 3000
)

// linkAction prefixes the action ids of link buttons: Slack still sends a
// block_actions payload when one is clicked, which the adapter ignores.
const linkAction = "hd.link"

// messageOptions renders a neutral message as Block Kit plus a plain
// fallback text for notifications.
func messageOptions(m bot.Message) []slack.MsgOption {
	return []slack.MsgOption{
		slack.MsgOptionText(fallback(m), false),
		slack.MsgOptionBlocks(Blocks(m)...),
	}
}

func fallback(m bot.Message) string {
	var parts []string
	if m.Title != "" {
		parts = append(parts, escape(m.Title))
	}
	if m.Text != "" {
		parts = append(parts, Mrkdwn(m.Text))
	}
	if len(parts) == 0 {
		for _, f := range m.Fields {
			parts = append(parts, escape(f.Label)+": "+escape(f.Value))
		}
	}
	return textutil.Shorten(strings.Join(parts, "\n"), maxFallback)
}

// Blocks renders a neutral message as Block Kit: the title as a header, the
// text as mrkdwn sections, fields as section fields, buttons in an actions
// block and the select menu as a static_select.
func Blocks(m bot.Message) []slack.Block {
	var blocks []slack.Block
	if t := strings.TrimSpace(m.Title); t != "" {
		blocks = append(blocks, slack.NewHeaderBlock(plain(t, maxHeader)))
	}
	for _, chunk := range sections(Mrkdwn(m.Text), maxSectionText) {
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, chunk, false, false), nil, nil))
	}
	for i := 0; i < len(m.Fields); i += maxFields {
		var fs []*slack.TextBlockObject
		for _, f := range m.Fields[i:min(i+maxFields, len(m.Fields))] {
			// Fields are plain text (bot.Field): escaped, never converted.
			// parts keeps each within maxFieldText; Shorten is a last guard.
			fs = append(fs, slack.NewTextBlockObject(slack.MarkdownType, textutil.Shorten(fieldText(f), maxFieldText), false, false))
		}
		blocks = append(blocks, slack.NewSectionBlock(nil, fs, nil))
	}
	var elems []slack.BlockElement
	for i, b := range m.Buttons {
		if len(elems) == maxActions {
			break
		}
		if b.URL != "" {
			if !safeURL(b.URL) {
				continue
			}
			btn := slack.NewButtonBlockElement(fmt.Sprintf("%s~%d", linkAction, i), "", plain(b.Label, maxButtonText))
			btn.URL = b.URL
			elems = append(elems, btn)
			continue
		}
		btn := slack.NewButtonBlockElement(fmt.Sprintf("%s~%d", b.ID, i), textutil.Shorten(b.Value, maxValue), plain(b.Label, maxButtonText))
		switch b.Style {
		case bot.StylePrimary:
			btn.Style = slack.StylePrimary
		case bot.StyleDanger:
			btn.Style = slack.StyleDanger
		}
		elems = append(elems, btn)
	}
	if len(elems) > 0 {
		blocks = append(blocks, slack.NewActionBlock("", elems...))
	}
	if s := m.Select; s != nil && len(s.Options) > 0 {
		ph := s.Placeholder
		if ph == "" {
			ph = "Choose…"
		}
		blocks = append(blocks, slack.NewActionBlock("", staticSelect(plain(ph, 150), s.ID+"~s", options(s.Options))))
	}
	if len(blocks) == 0 {
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, " ", false, false), nil, nil))
	}
	return blocks
}

// staticSelect is a static_select of opts: a plain list up to 100 options,
// option groups of 100 beyond (Slack takes 100 options, or 100 groups of
// 100: https://docs.slack.dev/reference/block-kit/composition-objects/option-group-object/),
// so no option is left out.
func staticSelect(placeholder *slack.TextBlockObject, actionID string, opts []*slack.OptionBlockObject) *slack.SelectBlockElement {
	if len(opts) <= maxOptions {
		return slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, placeholder, actionID, opts...)
	}
	var groups []*slack.OptionGroupBlockObject
	for lo := 0; lo < len(opts) && len(groups) < maxOptionGroups; lo += maxOptions {
		hi := min(len(opts), lo+maxOptions)
		groups = append(groups, slack.NewOptionGroupBlockElement(plain(fmt.Sprintf("%d–%d", lo+1, hi), maxButtonText), opts[lo:hi]...))
	}
	return slack.NewOptionsGroupSelectBlockElement(slack.OptTypeStatic, placeholder, actionID, groups...)
}

// MaxSelectOptions implements bot.SelectLimiter: a static_select holds 100
// option groups of 100 options.
func (a *Adapter) MaxSelectOptions() int { return maxOptionGroups * maxOptions }

var _ bot.SelectLimiter = (*Adapter)(nil)

func options(os []bot.Option) []*slack.OptionBlockObject {
	var out []*slack.OptionBlockObject
	for _, o := range os {
		v := o.Value
		if len(v) > maxOptionValue {
			continue // a truncated value would come back as a different choice
		}
		out = append(out, slack.NewOptionBlockObject(v, plain(o.Label, maxButtonText), nil))
	}
	return out
}

// actionID turns a rendered action_id back into the engine's control id.
func actionID(rendered string) string {
	if i := strings.LastIndexByte(rendered, '~'); i >= 0 {
		return rendered[:i]
	}
	return rendered
}

// selectOptions are the options a form's select offers in a modal. An
// option longer than a value may be (150) is sent as its number, which the
// engine reads as that option.
func selectOptions(fl bot.FormField) []*slack.OptionBlockObject {
	var os []bot.Option
	for i, o := range fl.Options {
		v := o
		if len(v) > maxOptionValue {
			v = strconv.Itoa(i + 1)
		}
		os = append(os, bot.Option{Label: o, Value: v})
	}
	return options(os)
}

// modal renders a form as a Slack modal for views.open, with meta (signed,
// see sealMeta) as its private_metadata.
func modal(f bot.Form, meta string) slack.ModalViewRequest {
	submit := f.Submit
	if submit == "" {
		submit = "Submit"
	}
	title := f.Title
	if title == "" {
		title = "Help desk"
	}
	v := slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           plain(title, maxModalTitle),
		Submit:          plain(submit, maxModalTitle),
		Close:           plain("Cancel", maxModalTitle),
		CallbackID:      f.ID,
		PrivateMetadata: meta,
	}
	for _, fl := range f.Fields {
		var el slack.BlockElement
		switch fl.Type {
		case bot.FieldSelect:
			el = staticSelect(plain("Choose…", 150), fl.ID, selectOptions(fl))
		default:
			in := slack.NewPlainTextInputBlockElement(nil, fl.ID)
			in.Multiline = fl.Type == bot.FieldParagraph
			if fl.MaxLen > 0 {
				in.MaxLength = min(fl.MaxLen, 3000)
			}
			el = in
		}
		ib := slack.NewInputBlock(fl.ID, plain(fl.Label, maxLabel), nil, el)
		ib.Optional = !fl.Required
		v.Blocks.BlockSet = append(v.Blocks.BlockSet, ib)
	}
	return v
}

func plain(s string, max int) *slack.TextBlockObject {
	s = textutil.OneLine(s)
	if s == "" {
		s = " "
	}
	return slack.NewTextBlockObject(slack.PlainTextType, textutil.Shorten(s, max), true, false)
}

// sections cuts mrkdwn into section texts of at most max characters with
// textutil.Split, so no cut falls inside a <url|label> link or code.
func sections(s string, max int) []string {
	var out []string
	for _, p := range textutil.Split(strings.TrimSpace(s), max, nil) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// fieldText is a field as a section field renders it: the label in bold
// over the value, both escaped (never converted).
func fieldText(f bot.Field) string {
	return "*" + escape(textutil.OneLine(f.Label)) + "*\n" + escape(f.Value)
}

// Card limits of parts.
const (
	// maxCardFields is the most fields parts puts in one message: 10
	// section blocks of 10, well within the 50 blocks of a message.
	maxCardFields = 100
	// maxFieldLabel is the longest field label kept whole (a label is a
	// config question, not content).
	maxFieldLabel = 200
	// statusReserve is room kept in a card's last message for its text (the
	// ticket's status), so a card updated with a longer status still fits.
	statusReserve = 400
)

// split cuts a message whose text is too long for one Slack message into
// several, counting the text as mrkdwn, the controls on the last.
func split(m bot.Message) []bot.Message {
	return kit.SplitMessage(m, maxMessageText, mrkdwnRunes)
}

func mrkdwnRunes(s string) int { return utf8.RuneCountInString(Mrkdwn(s)) }

// parts turns a message into the messages Slack takes, as the Discord
// adapter does: a text longer than one message takes goes out as several
// (split); a card (a message with fields) whose fields pass a limit —
// 2,000 characters of a section field, 10 fields of a section
// (https://docs.slack.dev/reference/block-kit/blocks/section-block), the
// text one message carries (maxMessageText, below msg_blocks_too_long) —
// goes out as several cards titled "(1/n)". Nothing is cut: a long field
// value continues in fields named "… (cont.)"; the text (a card's status),
// the buttons and the select are on the last message, the ref.
func parts(m bot.Message) []bot.Message {
	if len(m.Fields) == 0 {
		return split(m)
	}
	n := utf8.RuneCountInString
	title := textutil.Shorten(textutil.OneLine(m.Title), maxHeader-10)
	var fields []bot.Field
	for _, f := range m.Fields {
		label := textutil.Shorten(textutil.OneLine(f.Label), maxFieldLabel)
		room := maxFieldText - n(fieldText(bot.Field{Label: label + " (cont.)"}))
		chunks := textutil.Split(f.Value, room, func(s string) int { return n(escape(s)) })
		if len(chunks) == 0 {
			chunks = []string{f.Value}
		}
		for i, c := range chunks {
			l := label
			if i > 0 {
				l = label + " (cont.)"
			}
			fields = append(fields, bot.Field{Label: l, Value: c})
		}
	}
	texts := textutil.Split(m.Text, maxMessageText, mrkdwnRunes)
	text := ""
	if len(texts) > 0 {
		text, texts = texts[len(texts)-1], texts[:len(texts)-1]
	}
	var out []bot.Message
	for _, d := range texts {
		out = append(out, bot.Message{Title: title, Text: d})
	}
	size0 := n(title)
	cur, size := bot.Message{Title: title}, size0
	for _, f := range fields {
		fs := n(fieldText(f))
		if len(cur.Fields) > 0 && (len(cur.Fields) == maxCardFields || size+fs > maxMessageText) {
			out = append(out, cur)
			cur, size = bot.Message{Title: title}, size0
		}
		cur.Fields = append(cur.Fields, f)
		size += fs
	}
	// The last message keeps room for the text, however the status grows.
	if len(cur.Fields) > 0 && size+max(mrkdwnRunes(text), statusReserve) > maxMessageText {
		out = append(out, cur)
		cur = bot.Message{Title: title}
	}
	cur.Text, cur.Buttons, cur.Select = text, m.Buttons, m.Select
	out = append(out, cur)
	if len(out) == 1 {
		out[0].Title = m.Title
		return out
	}
	for i := range out {
		out[i].Title = fmt.Sprintf("%s (%d/%d)", title, i+1, len(out))
	}
	return out
}

// escape makes text literal in mrkdwn: Slack's control characters become
// entities, so no text can form <!channel>, <!here>, <@U…> or a link.
func escape(s string) string {
	s = strings.ReplaceAll(s, "&", "&amp;")
	s = strings.ReplaceAll(s, "<", "&lt;")
	return strings.ReplaceAll(s, ">", "&gt;")
}

var (
	reCode    = regexp.MustCompile("`[^`\n]+`|```[\\s\\S]*?```")
	reLink    = regexp.MustCompile(`\[([^\]\n]+)\]\(([^)\s]+)\)`)
	reBold    = regexp.MustCompile(`\*\*([^*\n]+?)\*\*|__([^_\n]+?)__`)
	reItalic  = regexp.MustCompile(`(^|[^*\w])\*([^*\n]+?)\*([^*\w]|$)`)
	reStrike  = regexp.MustCompile(`~~([^~\n]+?)~~`)
	reHeading = regexp.MustCompile(`(?m)^#{1,6}[ \t]+(.+?)[ \t]*#*$`)
	reBullet  = regexp.MustCompile(`(?m)^([ \t]*)[-*+][ \t]+`)
	reURL     = regexp.MustCompile(`^(https?://|mailto:)[^\s|<>]+$`)
)

// safeURL reports whether a URL may become a Slack link: web and mail
// addresses only, nothing that could close the link or name a mention.
func safeURL(u string) bool { return reURL.MatchString(u) }

// Mrkdwn converts the engine's markdown to Slack mrkdwn. Text is escaped
// first; only the markup the engine uses is turned into Slack markup:
// **bold** → *bold*, *italic* → _italic_, ~~strike~~ → ~strike~,
// [text](https://…) → <https://…|text>, # heading → *heading*, "- item" → "• item".
//
// A backslash escape (\[, \*, \<, … as bot.Literal writes them around what
// people typed) makes the character literal: it takes part in no markup,
// so a typed [label](url) never becomes a link with a hidden target.
func Mrkdwn(md string) string {
	md = hideEscapes(strings.ReplaceAll(md, "\r\n", "\n"))
	var b strings.Builder
	last := 0
	for _, loc := range reCode.FindAllStringIndex(md, -1) {
		b.WriteString(convert(md[last:loc[0]]))
		b.WriteString(escape(showEscapes(md[loc[0]:loc[1]], true)))
		last = loc[1]
	}
	b.WriteString(convert(md[last:]))
	return showEscapes(b.String(), false)
}

// escaped is where hideEscapes parks an escaped ASCII character: the
// Unicode private use area, which no markup rule matches.
const escaped = 0xE000

// hideEscapes replaces each backslash-escaped ASCII punctuation character
// with a private-use stand-in (and drops stand-ins already in the text).
func hideEscapes(s string) string {
	if !strings.ContainsRune(s, '\\') && !strings.ContainsFunc(s, isStandIn) {
		return s
	}
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case isStandIn(r):
			continue
		case r == '\\' && i+1 < len(rs) && asciiPunct(rs[i+1]):
			b.WriteRune(escaped + rs[i+1])
			i++
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func asciiPunct(r rune) bool { return r < 0x80 && (unicode.IsPunct(r) || unicode.IsSymbol(r)) }

func isStandIn(r rune) bool { return r >= escaped && r < escaped+0x80 }

// showEscapes puts the escaped characters back: as they were written
// (with the backslash) inside code, literal and entity-escaped elsewhere.
func showEscapes(s string, code bool) string {
	if !strings.ContainsFunc(s, isStandIn) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if !isStandIn(r) {
			b.WriteRune(r)
			continue
		}
		c := string(r - escaped)
		if code {
			b.WriteString("\\" + c)
		} else {
			b.WriteString(escape(c))
		}
	}
	return b.String()
}

func convert(s string) string {
	// Links first, on the raw text, so the URL is checked before escaping.
	var b strings.Builder
	last := 0
	for _, m := range reLink.FindAllStringSubmatchIndex(s, -1) {
		text, url := s[m[2]:m[3]], s[m[4]:m[5]]
		b.WriteString(inline(s[last:m[0]]))
		if safeURL(url) {
			label := strings.ReplaceAll(inline(text), "|", "¦")
			b.WriteString("<" + strings.ReplaceAll(url, "&", "&amp;") + "|" + label + ">")
		} else {
			b.WriteString(inline(s[m[0]:m[1]]))
		}
		last = m[1]
	}
	b.WriteString(inline(s[last:]))
	return b.String()
}

func inline(s string) string {
	s = escape(s)
	s = reHeading.ReplaceAllString(s, "**$1**")
	s = reBullet.ReplaceAllString(s, "$1• ")
	// Bold is marked with a placeholder so the single-star italic rule does
	// not take it.
	s = reBold.ReplaceAllStringFunc(s, func(m string) string {
		return "\x00" + m[2:len(m)-2] + "\x00"
	})
	s = reItalic.ReplaceAllString(s, "${1}_${2}_${3}")
	s = reStrike.ReplaceAllString(s, "~$1~")
	return strings.ReplaceAll(s, "\x00", "*")
}

var reSlug = regexp.MustCompile(`[^a-z0-9_-]+`)

// channelName makes a valid Slack channel name (lower case, no spaces or
// periods, at most 80 characters).
func channelName(name string) string {
	n := reSlug.ReplaceAllString(strings.ToLower(name), "-")
	n = strings.Trim(textutil.ClipBytes(strings.Trim(n, "-"), 80), "-")
	if n == "" {
		n = "helpdesk-ticket"
	}
	return n
}
