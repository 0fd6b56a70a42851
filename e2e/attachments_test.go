//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/helpdesk-chat/helpdesk/adapters/web/webtest"
	"github.com/helpdesk-chat/helpdesk/center"
)

// screenshotPNG is a small picture of an error dialog: a real PNG, so the
// browsers draw its thumbnail.
func screenshotPNG(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 240, 140))
	for y := 0; y < 140; y++ {
		for x := 0; x < 240; x++ {
			c := color.RGBA{0x1e, 0x40, 0xaf, 0xff} // a blue screen
			if y > 40 && y < 100 && x > 30 && x < 210 {
				c = color.RGBA{0xf3, 0xf4, 0xf6, 0xff} // the dialog
			}
			if y > 62 && y < 74 && x > 50 && x < 190 {
				c = color.RGBA{0xdc, 0x26, 0x26, 0xff} // its red error line
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "vpn-error.png")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestAttachments: in the ticket chat the employee attaches a screenshot;
// both see it in the room as a thumbnail, a program renamed .png is
// refused with a message, and the agent finds the picture in the Ticket
// Center's conversation; the agent answers from the Center with a picture
// the employee sees in the chat, and a renamed program is refused there too.
// Screenshots: chat-attachment.png, center-attachment.png, center-reply-file.png.
func TestAttachments(t *testing.T) {
	srv := StartServer(t, func(mux *http.ServeMux, s *webtest.Server) {
		c, err := center.New(center.Options{Store: s.Store, Service: s.Engine.Tickets(), Engine: s.Engine,
			Config: s.Config, Auth: s.Auth})
		if err != nil {
			t.Fatal(err)
		}
		c.Routes(mux)
	})
	b := NewBrowser(t)
	sam := b.Person(t)
	ada := b.Person(t)
	SignIn(t, srv, sam, "sam@example.com", "Sam")
	Step(t, sam, "the employee asks and escalates",
		chromedp.WaitVisible(InLog("Which help desk can help you?")),
		chromedp.Click(Button("IT Help Desk")),
		chromedp.WaitVisible(InLog("IT help desk bot")),
		Say("How do I connect to the VPN?"),
		chromedp.WaitVisible(InLog("Did this help?")),
		chromedp.Click(Button("No")),
		chromedp.WaitVisible(InLog("talk to an agent?")),
		chromedp.Click(Button("Talk to an agent")),
		chromedp.WaitVisible(chromedp.CSS(`form.chat-form select`)),
		chromedp.SetValue(chromedp.CSS(`form.chat-form select`), "VPN"),
		chromedp.SendKeys(chromedp.CSS(`form.chat-form textarea`), "The client shows an error, see the screenshot."),
		chromedp.Click(chromedp.CSS(`form.chat-form button[type=submit]`)),
		chromedp.WaitVisible(InLog("will help you")),
	)
	SignIn(t, srv, ada, "ada@example.com", "Ada")
	Step(t, ada, "the agent starts the chat",
		chromedp.Click(Button("Start Chat")),
		chromedp.WaitVisible(chromedp.Search(`//h1[@id='chat-title' and starts-with(., 'IT-1')]`)),
	)
	Step(t, sam, "the employee attaches a screenshot in the ticket chat",
		chromedp.WaitVisible(chromedp.Search(`//h1[@id='chat-title' and starts-with(., 'IT-1')]`)),
		chromedp.WaitVisible(chromedp.ID("attach")),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{screenshotPNG(t)}),
		chromedp.WaitVisible(chromedp.CSS(`#log ul.files img.thumb[alt="vpn-error.png"]`)),
	)
	// A program renamed .png: refused with the reason, nothing posted.
	fake := filepath.Join(t.TempDir(), "error.png")
	if err := os.WriteFile(fake, append([]byte("MZ\x90\x00"), make([]byte, 200)...), 0o644); err != nil {
		t.Fatal(err)
	}
	Step(t, sam, "a program named .png is refused with a message",
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{fake}),
		chromedp.WaitVisible(chromedp.Search(`//div[@id='toast' and contains(., 'error.png was not kept: files of type application/octet-stream are not accepted')]`)),
	)
	Step(t, ada, "the agent sees the screenshot in the room",
		chromedp.WaitVisible(chromedp.CSS(`#log ul.files img.thumb[alt="vpn-error.png"]`)),
	)
	Screenshot(t, ada, "chat-attachment")
	Step(t, ada, "the agent finds it in the Ticket Center",
		chromedp.Navigate(srv.URL+"/center/tickets/IT-1"),
		chromedp.WaitVisible(chromedp.CSS(`ol.transcript img.thumb[alt="vpn-error.png"]`)),
		chromedp.WaitVisible(chromedp.Search(`//ol[contains(@class,'transcript')]//a[normalize-space()='vpn-error.png']`)),
	)
	ctx, cancel := context.WithTimeout(ada, StepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS(`ol.transcript`))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(function(){var i=document.querySelector("ol.transcript img.thumb");return !!i && i.complete && i.naturalWidth===240})()`)); err != nil {
		t.Errorf("the thumbnail did not load in the Ticket Center: %v", err)
	}
	Screenshot(t, ada, "center-attachment")
	// The agent answers from the Ticket Center with a picture of the fix:
	// kept with the ticket, marked as sent, and shown in the employee's chat.
	fix := filepath.Join(t.TempDir(), "vpn-settings.png")
	if data, err := os.ReadFile(screenshotPNG(t)); err != nil {
		t.Fatal(err)
	} else if err := os.WriteFile(fix, data, 0o644); err != nil {
		t.Fatal(err)
	}
	Step(t, ada, "the agent replies from the Ticket Center with a file",
		chromedp.SendKeys(chromedp.ID("reply-text"), "Use these settings, then reconnect."),
		chromedp.SetUploadFiles(chromedp.ID("reply-files"), []string{fix}),
		chromedp.Click(chromedp.Search(`//section[contains(@class,'reply')]//button[normalize-space()='Send reply']`)),
		chromedp.WaitVisible(chromedp.Search(`//ol[contains(@class,'transcript')]//div[contains(@class,'file') and contains(., 'vpn-settings.png') and contains(., 'sent to the requester')]`)),
		chromedp.ScrollIntoView(chromedp.Search(`//ol[contains(@class,'transcript')]//div[contains(@class,'file') and contains(., 'vpn-settings.png')]`)),
	)
	Screenshot(t, ada, "center-reply-file")
	Step(t, sam, "the employee gets the agent's words and picture",
		chromedp.WaitVisible(InLog("Use these settings, then reconnect.")),
		chromedp.WaitVisible(chromedp.CSS(`#log ul.files img.thumb[alt="vpn-settings.png"]`)),
	)
	// A program renamed .png is refused in the Center too, and nothing is sent.
	Step(t, ada, "a program named .png is refused in the Ticket Center",
		chromedp.Navigate(srv.URL+"/center/tickets/IT-1"),
		chromedp.WaitVisible(chromedp.ID("reply-files")),
		chromedp.SendKeys(chromedp.ID("reply-text"), "And this tool."),
		chromedp.SetUploadFiles(chromedp.ID("reply-files"), []string{fake}),
		chromedp.Click(chromedp.Search(`//section[contains(@class,'reply')]//button[normalize-space()='Send reply']`)),
		chromedp.WaitVisible(chromedp.Search(`//*[contains(., 'error.png was not kept: files of type application/octet-stream are not accepted')]`)),
	)
	as, err := srv.Store.Attachments(context.Background(), 1)
	if err != nil || len(as) != 2 || as[0].ContentType != "image/png" || as[1].ContentType != "image/png" || as[1].Name != "vpn-settings.png" {
		t.Errorf("the ticket keeps %+v (%v)", as, err)
	}
}
