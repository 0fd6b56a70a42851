package main

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// reHidden finds the hidden inputs of the sign-in link's landing page.
var reHidden = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// followSignInLink signs hc in with a one-time link as a browser does: it
// opens the link's landing page (which signs nobody in by itself) and
// presses its Sign in button, a POST of the page's hidden fields to
// /auth/signin. hc needs a cookie jar; the response is the page the sign-in
// redirected to, its body unread.
func followSignInLink(ctx context.Context, hc *http.Client, link string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("sign-in link: %s", resp.Status)
	}
	form := url.Values{}
	for _, m := range reHidden.FindAllStringSubmatch(string(page), -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	if form.Get("token") == "" {
		if !strings.HasPrefix(resp.Request.URL.Path, "/auth/") {
			// A server from before the Sign in button (bench -server
			// -legacy-config) signed in on the GET and redirected.
			resp.Body = io.NopCloser(bytes.NewReader(page))
			return resp, nil
		}
		return nil, fmt.Errorf("sign-in link: the page has no Sign in form")
	}
	u := *resp.Request.URL
	u.Path, u.RawQuery = "/auth/signin", ""
	post, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.Header.Set("Origin", u.Scheme+"://"+u.Host)
	return hc.Do(post)
}
