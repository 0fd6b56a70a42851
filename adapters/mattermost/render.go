package mattermost

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/kit"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/internal/textutil"
)

// Mattermost limits.
const (
	// A post's message: model.PostMessageMaxRunesV2, 16,383 characters
	// (https://developers.mattermost.com/integrate/reference/message-formatting/).
	maxPostRunes   = model.PostMessageMaxRunesV2
	maxButtonText  = 60
	maxActions     = 25
	maxDialogTitle = model.DialogTitleMaxLength
	maxElementName = model.DialogElementDisplayNameMaxLength
)

// Keys of an action's integration context. Mattermost keeps the context on
// the server (clients never see it) and posts it back with the click.
const (
	ctxControl = "hd_a" // the engine's control id
	ctxValue   = "hd_v" // the button's value
	ctxChannel = "hd_c" // the chat the post is in ("channel" or "channel/root")
	ctxPost    = "hd_p" // the post id, when known (updates)
	ctxNonce   = "hd_n" // makes every signature unique
	ctxIssued  = "hd_t" // when the context was made (unix seconds): contexts expire
	ctxSig     = "hd_s" // HMAC-SHA256 of the above
	ctxSelect  = "selected_option"
)

// Colours of the attachment bar.
const cardColor = "#1c58d9"

// reMention finds an @ that starts a word as Mattermost's mention parser
// splits words (channels/app/mention_parser_standard.go: a word is a run of
// letters, digits and ":.-_@", trimmed of ":.-_" on the left, and also
// split at ".-:"): an @ after anything but a letter or digit.
var reMention = regexp.MustCompile(`(^|[^\p{L}\p{N}])@`)

// neutralize puts a zero-width joiner after every @ that could start a
// mention (@ada, @here, @channel, @all, a group), so nothing the bot posts
// notifies anyone: the parser splits the word at the joiner, leaving a bare
// "@". The bot never means to mention; people's text must not be able to.
// (Mattermost also notifies users on their own keywords such as a first
// name, which no post can avoid.)
func neutralize(s string) string {
	return reMention.ReplaceAllString(s, "$1@\u200d")
}

// plain makes plain text (a title, a card field) literal in Mattermost's
// markdown, with mentions broken.
func plain(s string, max int) string {
	return neutralize(bot.Literal(textutil.Shorten(s, max)))
}

// Text converts the engine's markdown to what the bot posts on Mattermost:
// Mattermost speaks the same markdown, so only broadcasts are broken and
// the length is limited.
func Text(md string) string {
	return textutil.Shorten(unshortened(md), maxPostRunes)
}

func unshortened(md string) string { return neutralize(strings.ReplaceAll(md, "\r\n", "\n")) }

// split cuts a message too long for one post into several, counting the
// text as Text renders it.
func (a *Adapter) split(m bot.Message) []bot.Message {
	return kit.SplitMessage(m, maxPostRunes, func(s string) int { return utf8.RuneCountInString(unshortened(s)) })
}

// render fills post with the neutral message: plain text as the post's
// message; a title, fields, buttons or a select menu as one message
// attachment whose actions post to the bot's action endpoint with a signed
// context naming the channel (and the post, when known).
func (a *Adapter) render(post *model.Post, m bot.Message, chat, postID string) {
	interactive := m.Title != "" || len(m.Fields) > 0 || len(m.Buttons) > 0 || (m.Select != nil && len(m.Select.Options) > 0)
	if !interactive {
		post.Message = Text(m.Text)
		if post.Message == "" {
			post.Message = " "
		}
		return
	}
	att := &model.MessageAttachment{
		Fallback: textutil.Shorten(textutil.OneLine(neutralize(fallback(m))), 300),
		Color:    cardColor,
		Title:    plain(textutil.OneLine(m.Title), 250),
		Text:     Text(m.Text),
	}
	for _, f := range m.Fields {
		att.Fields = append(att.Fields, &model.MessageAttachmentField{
			Title: plain(textutil.OneLine(f.Label), 250),
			Value: plain(f.Value, 2000),
			Short: model.SlackCompatibleBool(len(f.Value) < 40),
		})
	}
	url := a.opts.CallbackURL + PathAction
	var links []string
	for i, b := range m.Buttons {
		if len(att.Actions) == maxActions {
			break
		}
		if b.URL != "" {
			if safeURL(b.URL) {
				links = append(links, "["+strings.ReplaceAll(textutil.OneLine(b.Label), "]", ")")+"]("+b.URL+")")
			}
			continue
		}
		act := &model.PostAction{
			Id:          fmt.Sprintf("b%d", i),
			Type:        model.PostActionTypeButton,
			Name:        textutil.Shorten(textutil.OneLine(neutralize(b.Label)), maxButtonText),
			Integration: &model.PostActionIntegration{URL: url, Context: a.signContext(b.ID, b.Value, chat, postID)},
		}
		switch b.Style {
		case bot.StylePrimary:
			act.Style = "primary"
		case bot.StyleDanger:
			act.Style = "danger"
		default:
			act.Style = "default"
		}
		att.Actions = append(att.Actions, act)
	}
	if s := m.Select; s != nil && len(s.Options) > 0 {
		ph := s.Placeholder
		if ph == "" {
			ph = "Choose…"
		}
		act := &model.PostAction{
			Id:          "sel",
			Type:        model.PostActionTypeSelect,
			Name:        textutil.Shorten(textutil.OneLine(neutralize(ph)), maxButtonText),
			Integration: &model.PostActionIntegration{URL: url, Context: a.signContext(s.ID, "", chat, postID)},
		}
		// Mattermost documents no number of options for a message menu (its
		// client shows a searchable list), so every option is sent.
		for _, o := range s.Options {
			if o.Value == "" {
				continue
			}
			act.Options = append(act.Options, &model.PostActionOptions{Text: textutil.Shorten(textutil.OneLine(neutralize(o.Label)), 100), Value: o.Value})
		}
		att.Actions = append(att.Actions, act)
	}
	if len(links) > 0 {
		if att.Text != "" {
			att.Text += "\n\n"
		}
		att.Text += strings.Join(links, " · ")
	}
	post.Message = ""
	post.AddProp(model.PostPropsAttachments, []*model.MessageAttachment{att})
}

func fallback(m bot.Message) string {
	if m.Title != "" {
		return m.Title
	}
	if m.Text != "" {
		return m.Text
	}
	var parts []string
	for _, f := range m.Fields {
		parts = append(parts, f.Label+": "+f.Value)
	}
	return strings.Join(parts, "; ")
}

// signContext returns an action context with its HMAC.
func (a *Adapter) signContext(control, value, chat, postID string) map[string]any {
	nonce, issued := newNonce(), strconv.FormatInt(a.opts.Now().Unix(), 10)
	return map[string]any{
		ctxControl: control, ctxValue: value, ctxChannel: chat, ctxPost: postID, ctxNonce: nonce, ctxIssued: issued,
		ctxSig: a.mac("action", control, value, chat, postID, nonce, issued),
	}
}

// mac is the hex HMAC-SHA256 with the action secret over the parts.
func (a *Adapter) mac(parts ...string) string {
	m := hmac.New(sha256.New, []byte(a.opts.ActionSecret))
	for _, p := range parts {
		fmt.Fprintf(m, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(m.Sum(nil))
}

func (a *Adapter) macOK(sig string, parts ...string) bool {
	want, err := hex.DecodeString(sig)
	if err != nil || len(want) == 0 {
		return false
	}
	got, _ := hex.DecodeString(a.mac(parts...))
	return hmac.Equal(got, want)
}

func newNonce() string {
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// actionContext is a verified action context.
type actionContext struct {
	control, value, chat, post string
	issued                     time.Time
}

// verifyContext checks an action context's HMAC (its age is the caller's
// to judge: expired).
func (a *Adapter) verifyContext(c map[string]any) (actionContext, bool) {
	str := func(k string) string { s, _ := c[k].(string); return s }
	ac := actionContext{control: str(ctxControl), value: str(ctxValue), chat: str(ctxChannel), post: str(ctxPost)}
	secs, err := strconv.ParseInt(str(ctxIssued), 10, 64)
	if ac.control == "" || ac.chat == "" || err != nil {
		return ac, false
	}
	ac.issued = time.Unix(secs, 0)
	return ac, a.macOK(str(ctxSig), "action", ac.control, ac.value, ac.chat, ac.post, str(ctxNonce), str(ctxIssued))
}

// expired reports whether the context is older than ActionMaxAge.
func (a *Adapter) expired(ac actionContext) bool {
	return a.opts.Now().Sub(ac.issued) > ActionMaxAge
}

// dialogState travels in a dialog's state: who it was opened for and where
// its submission is answered, signed.
type dialogState struct {
	User   string       `json:"u"`
	Chat   string       `json:"c"`
	Kind   bot.ChatKind `json:"k"`
	Thread string       `json:"t,omitempty"`
	Form   string       `json:"f"`
	Nonce  string       `json:"n"`
	Sig    string       `json:"s"`
}

func (a *Adapter) stateSig(s dialogState) string {
	return a.mac("dialog", s.User, s.Chat, string(s.Kind), s.Thread, s.Form, s.Nonce)
}

// dialog renders a form as an interactive dialog.
func (a *Adapter) dialog(f bot.Form, user string, chat bot.Chat) model.Dialog {
	submit := f.Submit
	if submit == "" {
		submit = "Submit"
	}
	title := f.Title
	if title == "" {
		title = "Help desk"
	}
	st := dialogState{User: user, Chat: chat.ID, Kind: chat.Kind, Thread: chat.Thread, Form: f.ID, Nonce: newNonce()}
	st.Sig = a.stateSig(st)
	state, _ := json.Marshal(st)
	d := model.Dialog{
		CallbackId: f.ID,
		// The server counts the title and labels in bytes
		// (model.DialogTitleMaxLength, DialogElementDisplayNameMaxLength: 24)
		// and refuses the whole dialog past them.
		Title:       textutil.ShortenBytes(textutil.OneLine(title), maxDialogTitle),
		SubmitLabel: textutil.ShortenBytes(textutil.OneLine(submit), 24),
		State:       string(state),
	}
	for _, fl := range f.Fields {
		el := model.DialogElement{
			DisplayName: textutil.ShortenBytes(textutil.OneLine(fl.Label), maxElementName),
			Name:        fl.ID,
			Optional:    !fl.Required,
		}
		if len(textutil.OneLine(fl.Label)) > maxElementName {
			// The whole label under the field.
			el.HelpText = textutil.ShortenBytes(textutil.OneLine(fl.Label), model.DialogElementHelpTextMaxLength)
		}
		switch fl.Type {
		case bot.FieldSelect:
			el.Type = "select"
			for _, o := range fl.Options {
				el.Options = append(el.Options, &model.PostActionOptions{Text: textutil.Shorten(textutil.OneLine(o), 100), Value: o})
			}
		case bot.FieldParagraph:
			el.Type = "textarea"
			el.MaxLength = model.DialogElementTextareaMaxLength
		default:
			el.Type = "text"
			el.MaxLength = model.DialogElementTextMaxLength
		}
		if fl.MaxLen > 0 && fl.MaxLen < el.MaxLength {
			el.MaxLength = fl.MaxLen
		}
		d.Elements = append(d.Elements, el)
	}
	return d
}

var reURL = regexp.MustCompile(`^(https?://|mailto:)[^\s()<>\[\]]+$`)

// safeURL reports whether a URL may become a link: web and mail addresses
// that cannot break out of the markdown link.
func safeURL(u string) bool { return reURL.MatchString(u) }
