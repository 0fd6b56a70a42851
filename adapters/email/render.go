package email

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"regexp"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/helpdesk-chat/helpdesk/bot"
)

// link is what a button in a mail does when its link is followed: an
// action of the mail's recipient, signed so nobody else can forge it.
type link struct {
	User   string `json:"u"` // the recipient's address: the verified actor
	Chat   string `json:"c"`
	Action string `json:"a"`
	Value  string `json:"v"`
	Label  string `json:"l"`
}

func (a *Adapter) sign(payload string) string {
	m := hmac.New(sha256.New, []byte(a.opts.LinkSecret))
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// actionURL is the signed address of a button for the recipient.
func (a *Adapter) actionURL(l link) string {
	b, _ := json.Marshal(l)
	p := base64.RawURLEncoding.EncodeToString(b)
	return strings.TrimRight(a.opts.BaseURL(), "/") + actionPath + "?p=" + p + "&s=" + a.sign(p)
}

// readLink checks a link's signature and decodes it.
func (a *Adapter) readLink(p, s string) (link, error) {
	var l link
	if p == "" || !hmac.Equal([]byte(a.sign(p)), []byte(s)) {
		return l, errors.New("this link is not valid (it may have been cut; open it from the mail again)")
	}
	b, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return l, err
	}
	return l, json.Unmarshal(b, &l)
}

var (
	mdLink = regexp.MustCompile(`\[([^\]]+)\]\((https?://[^)\s]+)\)`)
	mdBold = regexp.MustCompile(`\*\*([^*]+)\*\*`)
)

// plainText renders the neutral message for the text/plain part: the
// markdown reads well as it is, links are spelled out.
func (a *Adapter) plainText(to, chat string, msg bot.Message) string {
	var b strings.Builder
	if msg.Title != "" {
		b.WriteString(msg.Title + "\n\n")
	}
	b.WriteString(mdLink.ReplaceAllString(mdBold.ReplaceAllString(msg.Text, "$1"), "$1 <$2>"))
	b.WriteString("\n")
	for _, f := range msg.Fields {
		fmt.Fprintf(&b, "\n%s: %s", f.Label, f.Value)
	}
	if len(msg.Fields) > 0 {
		b.WriteString("\n")
	}
	for _, btn := range msg.Buttons {
		fmt.Fprintf(&b, "\n%s: %s", btn.Label, a.buttonURL(to, chat, btn))
	}
	return b.String()
}

// htmlText renders the same for the text/html part.
func (a *Adapter) htmlText(to, chat string, msg bot.Message) string {
	var b strings.Builder
	b.WriteString("<!doctype html><html><body style=\"font-family:sans-serif\">")
	if msg.Title != "" {
		b.WriteString("<h3>" + html.EscapeString(msg.Title) + "</h3>")
	}
	for _, para := range strings.Split(msg.Text, "\n\n") {
		p := html.EscapeString(para)
		p = mdBold.ReplaceAllString(p, "<b>$1</b>")
		p = mdLink.ReplaceAllString(p, `<a href="$2">$1</a>`)
		b.WriteString("<p>" + strings.ReplaceAll(p, "\n", "<br>") + "</p>")
	}
	if len(msg.Fields) > 0 {
		b.WriteString("<table>")
		for _, f := range msg.Fields {
			b.WriteString("<tr><th align=\"left\">" + html.EscapeString(f.Label) + "</th><td>" + html.EscapeString(f.Value) + "</td></tr>")
		}
		b.WriteString("</table>")
	}
	if len(msg.Buttons) > 0 {
		b.WriteString("<p>")
		for _, btn := range msg.Buttons {
			b.WriteString(`<a href="` + html.EscapeString(a.buttonURL(to, chat, btn)) +
				`" style="display:inline-block;padding:6px 12px;margin:2px;border:1px solid #888;border-radius:4px;text-decoration:none">` +
				html.EscapeString(btn.Label) + "</a> ")
		}
		b.WriteString("</p>")
	}
	b.WriteString("</body></html>")
	return b.String()
}

func (a *Adapter) buttonURL(to, chat string, btn bot.Button) string {
	if btn.URL != "" {
		return btn.URL
	}
	return a.actionURL(link{User: to, Chat: chat, Action: btn.ID, Value: btn.Value, Label: btn.Label})
}

// outMail is one mail to build.
type outMail struct {
	ID         string // Message-ID without <>
	From       *mail.Address
	To         string
	Subject    string
	InReplyTo  string
	References []string
	Auto       bool // written by the bot: Auto-Submitted: auto-replied
	Text, HTML string
	Files      []bot.OutFile // attachments (an agent's reply with files)
}

// build writes the mail as RFC 5322 bytes: multipart/alternative with the
// text and HTML parts.
func build(m outMail, now time.Time) ([]byte, error) {
	var h mail.Header
	h.SetDate(now)
	h.SetAddressList("From", []*mail.Address{m.From})
	h.SetAddressList("To", []*mail.Address{{Address: m.To}})
	h.SetSubject(m.Subject)
	h.SetMessageID(m.ID)
	if m.InReplyTo != "" {
		h.SetMsgIDList("In-Reply-To", []string{m.InReplyTo})
	}
	if len(m.References) > 0 {
		h.SetMsgIDList("References", m.References)
	}
	if m.Auto {
		// RFC 3834 section 5: a response by a bot says so, and asks
		// Exchange not to answer it with its own auto-replies.
		h.Set("Auto-Submitted", "auto-replied")
		h.Set("X-Auto-Response-Suppress", "All")
	}
	var buf bytes.Buffer
	w, err := mail.CreateWriter(&buf, h)
	if err != nil {
		return nil, err
	}
	iw, err := w.CreateInline()
	if err != nil {
		return nil, err
	}
	for _, p := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		var ph mail.InlineHeader
		ph.Set("Content-Type", p.typ+"; charset=utf-8")
		pw, err := iw.CreatePart(ph)
		if err != nil {
			return nil, err
		}
		if _, err := pw.Write([]byte(p.body)); err != nil {
			return nil, err
		}
		if err := pw.Close(); err != nil {
			return nil, err
		}
	}
	if err := iw.Close(); err != nil {
		return nil, err
	}
	for _, f := range m.Files {
		var ah mail.AttachmentHeader
		ah.Set("Content-Type", f.ContentType)
		ah.SetFilename(f.Name)
		aw, err := w.CreateAttachment(ah)
		if err != nil {
			return nil, err
		}
		if _, err := aw.Write(f.Data); err != nil {
			return nil, err
		}
		if err := aw.Close(); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func botMessage(text string) bot.Message { return bot.Message{Text: text} }
