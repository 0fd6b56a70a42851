package email

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"regexp"
	"strings"

	gomail "github.com/emersion/go-message/mail"
	"golang.org/x/net/html"

	_ "github.com/emersion/go-message/charset" // decode the charsets mail uses, not only UTF-8
)

// inMail is what the channel reads of an incoming mail.
type inMail struct {
	MessageID  string
	From       string // bare address, lowercased
	FromName   string
	To         []string // every recipient address, lowercased (To, Cc, Delivered-To, X-Original-To)
	Subject    string
	InReplyTo  []string
	References []string
	Body       string // the text as written (text/plain, else the HTML's text)
	Attach     []attachment
	Automated  string // why no auto-reply may go to it ("" = a person wrote it)
}

type attachment struct {
	Name string
	Type string // as declared; the keeper sniffs the content
	Size int
	Data []byte
}

// parse reads a raw RFC 5322 mail with go-message.
func parse(raw []byte, envelopeFrom string) (*inMail, error) {
	r, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil && r == nil {
		return nil, fmt.Errorf("read mail: %w", err)
	}
	h := r.Header
	m := &inMail{}
	m.MessageID, _ = h.MessageID()
	if m.MessageID == "" {
		m.MessageID = "nomsgid-" + hashID(string(raw)) + "@helpdesk"
	}
	if from, err := h.AddressList("From"); err == nil && len(from) > 0 {
		m.From, m.FromName = strings.ToLower(from[0].Address), from[0].Name
	}
	if m.From == "" {
		return nil, errors.New("the mail has no From address")
	}
	for _, k := range []string{"To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"} {
		if as, err := h.AddressList(k); err == nil {
			for _, a := range as {
				m.To = append(m.To, strings.ToLower(a.Address))
			}
		}
	}
	m.Subject, _ = h.Subject()
	m.InReplyTo, _ = h.MsgIDList("In-Reply-To")
	m.References, _ = h.MsgIDList("References")
	m.Automated = automated(h, envelopeFrom, m.From)

	var text, htm string
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if text != "" || htm != "" {
				break // keep what was read; the original is kept whole
			}
			return nil, fmt.Errorf("read mail body: %w", err)
		}
		b, rerr := io.ReadAll(p.Body)
		if rerr != nil {
			return nil, fmt.Errorf("read mail part: %w", rerr)
		}
		switch ph := p.Header.(type) {
		case *gomail.InlineHeader:
			ct, _, _ := ph.ContentType()
			switch {
			case ct == "text/plain" && text == "":
				text = string(b)
			case ct == "text/html" && htm == "":
				htm = string(b)
			default:
				// An inline part that is not the body: an image in the
				// HTML, a forwarded file. Its name, if it has one.
				name := "inline"
				if _, params, err := ph.ContentDisposition(); err == nil && params["filename"] != "" {
					name = params["filename"]
				} else if _, params, _ := ph.ContentType(); params["name"] != "" {
					name = params["name"]
				}
				m.Attach = append(m.Attach, attachment{Name: name, Type: ct, Size: len(b), Data: b})
			}
		case *gomail.AttachmentHeader:
			name, _ := ph.Filename()
			ct, _, _ := ph.ContentType()
			m.Attach = append(m.Attach, attachment{Name: name, Type: ct, Size: len(b), Data: b})
		}
	}
	m.Body = text
	if m.Body == "" && htm != "" {
		m.Body = htmlToText(htm)
	}
	m.Body = strings.ReplaceAll(m.Body, "\r\n", "\n")
	return m, nil
}

// automated says why a mail must get no automatic answer: RFC 3834
// Auto-Submitted, Precedence bulk/list/junk, mailing lists (RFC 2369
// List-* headers), bounces (a null envelope sender, RFC 5321 4.5.5) and
// noreply-style addresses.
func automated(h gomail.Header, envelopeFrom, from string) string {
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return "Auto-Submitted: " + v
	}
	switch p := strings.ToLower(strings.TrimSpace(h.Get("Precedence"))); p {
	case "bulk", "list", "junk", "auto_reply":
		return "Precedence: " + p
	}
	for _, k := range []string{"List-Id", "List-Unsubscribe", "List-Post", "List-Help"} {
		if h.Get(k) != "" {
			return k
		}
	}
	if h.Get("X-Autoreply") != "" || h.Get("X-Autorespond") != "" {
		return "X-Autoreply"
	}
	if envelopeFrom == "<>" || (h.Has("Return-Path") && strings.TrimSpace(h.Get("Return-Path")) == "<>") {
		return "null sender (a bounce)"
	}
	local, _, _ := strings.Cut(from, "@")
	local = strings.ReplaceAll(strings.ReplaceAll(local, "-", ""), "_", "")
	for _, p := range []string{"noreply", "donotreply", "mailerdaemon", "postmaster", "bounce"} {
		if strings.HasPrefix(local, p) {
			return "noreply sender"
		}
	}
	return ""
}

// htmlToText is the text of an HTML body, paragraphs and line breaks kept.
func htmlToText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			lines := strings.Split(b.String(), "\n")
			for i, l := range lines {
				lines[i] = strings.TrimSpace(l)
			}
			return strings.TrimSpace(blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
		case html.TextToken:
			if skip == 0 {
				b.WriteString(spaces.ReplaceAllString(string(z.Text()), " "))
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			tn := string(name)
			tt := z.Token().Type
			if tn == "style" || tn == "script" || tn == "head" {
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			}
			switch tn {
			case "br":
				b.WriteString("\n")
			case "p", "div", "tr", "li", "h1", "h2", "h3", "blockquote":
				b.WriteString("\n")
			}
		}
	}
}

var (
	spaces     = regexp.MustCompile(`\s+`)
	blankLines = regexp.MustCompile(`\n{3,}`)
	wroteLine  = regexp.MustCompile(`(?i)^(on\s.+wrote:|am\s.+schrieb.*:|le\s.+a écrit\s?:|-{2,}\s*original message\s*-{2,}|_{10,})\s*$`)
	outlookHdr = regexp.MustCompile(`(?i)^(from|von|de):\s.+`)
)

// stripQuoted returns what the sender wrote in a reply: the quoted history
// ("> " lines, "On ... wrote:" and what follows, an Outlook header block)
// and the signature (after "-- ") are cut. The original is kept apart.
func stripQuoted(body string) string {
	lines := strings.Split(body, "\n")
	var out []string
	for i, l := range lines {
		t := strings.TrimRight(l, " \t\r")
		if t == "--" || t == "-- " || l == "-- " {
			break
		}
		if wroteLine.MatchString(strings.TrimSpace(t)) {
			break
		}
		// Outlook quotes with a From:/Sent: block and no "> ".
		if outlookHdr.MatchString(strings.TrimSpace(t)) && i+1 < len(lines) &&
			regexp.MustCompile(`(?i)^(sent|gesendet|envoyé|date):`).MatchString(strings.TrimSpace(lines[i+1])) {
			break
		}
		if strings.HasPrefix(t, ">") {
			continue
		}
		out = append(out, t)
	}
	s := strings.TrimSpace(strings.Join(out, "\n"))
	if s == "" {
		return strings.TrimSpace(body) // all quoted: show it rather than nothing
	}
	return s
}

// bareAddress lowercases an address written with or without a name.
func bareAddress(s string) string {
	if a, err := mail.ParseAddress(s); err == nil {
		return strings.ToLower(a.Address)
	}
	return strings.ToLower(strings.Trim(strings.TrimSpace(s), "<>"))
}
