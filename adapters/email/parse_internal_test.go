package email

import (
	"strings"
	"testing"

	gomail "github.com/emersion/go-message/mail"
)

func TestStripQuoted(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"plain", "Hello\nthe printer is broken.", "Hello\nthe printer is broken."},
		{"signature", "It works now.\n\n-- \nErin\n555-0100", "It works now."},
		{"gmail", "Thanks!\n\nOn Thu, 3 Dec 2026 at 10:00, IT Help Desk <it@example.com> wrote:\n> Try this.\n> Bye", "Thanks!"},
		{"german", "Danke!\n\nAm 03.12.2026 um 10:00 schrieb IT Help Desk:\n> Probieren Sie das.", "Danke!"},
		{"outlook", "Done.\n\nFrom: IT Help Desk <it@example.com>\nSent: Thursday, 3 December 2026 10:00\nTo: Erin\nSubject: Re: [IT-1]\n\nTry this.", "Done."},
		{"inline quotes", "> Which model?\nA Brother HL.\n> Which floor?\nThird.", "A Brother HL.\nThird."},
		{"all quoted", "> only a quote", "> only a quote"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := stripQuoted(tc.in); got != tc.want {
				t.Fatalf("stripQuoted:\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestAutomated(t *testing.T) {
	cases := []struct {
		name     string
		hdr      map[string]string
		envelope string
		from     string
		auto     bool
	}{
		{"a person", nil, "erin@example.org", "erin@example.org", false},
		{"Auto-Submitted: no", map[string]string{"Auto-Submitted": "no"}, "", "erin@example.org", false},
		{"auto-generated", map[string]string{"Auto-Submitted": "auto-generated"}, "", "erin@example.org", true},
		{"precedence junk", map[string]string{"Precedence": "junk"}, "", "erin@example.org", true},
		{"list-unsubscribe", map[string]string{"List-Unsubscribe": "<mailto:u@example.org>"}, "", "news@example.org", true},
		{"null sender", nil, "<>", "erin@example.org", true},
		{"do_not_reply", nil, "", "do_not_reply@example.org", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var h gomail.Header
			for k, v := range tc.hdr {
				h.Set(k, v)
			}
			if got := automated(h, tc.envelope, tc.from) != ""; got != tc.auto {
				t.Fatalf("automated = %v, want %v", got, tc.auto)
			}
		})
	}
}

func TestHTMLBodyBecomesText(t *testing.T) {
	raw := "From: erin@example.org\r\nTo: it@example.com\r\nSubject: x\r\nMessage-ID: <h@example.org>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n\r\n<html><head><style>p{}</style></head><body><p>Line one</p><p>Line <b>two</b><br>three</p></body></html>"
	m, err := parse([]byte(raw), "")
	if err != nil {
		t.Fatal(err)
	}
	if want := "Line one\nLine two\nthree"; strings.TrimSpace(strings.ReplaceAll(m.Body, "\n\n", "\n")) != want {
		t.Fatalf("body %q", m.Body)
	}
}

func TestAttachmentsAreListed(t *testing.T) {
	raw := "From: erin@example.org\r\nTo: it@example.com\r\nSubject: x\r\nMessage-ID: <a@example.org>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nSee the log.\r\n--B\r\n" +
		"Content-Type: text/plain; name=log.txt\r\nContent-Disposition: attachment; filename=log.txt\r\n\r\nerror 42\r\n--B--\r\n"
	m, err := parse([]byte(raw), "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(m.Body) != "See the log." || len(m.Attach) != 1 || m.Attach[0].Name != "log.txt" {
		t.Fatalf("body %q attachments %+v", m.Body, m.Attach)
	}
}
