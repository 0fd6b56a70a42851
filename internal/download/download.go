// Package download serves files kept with tickets to browsers (the web
// chat and the Ticket Center): raster images inline, everything else as a
// download, and nothing in a form the browser would run.
package download

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// InlineImages are the image types shown inline: raster formats only (an
// SVG can carry script).
var InlineImages = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true, "image/bmp": true}

// safeTypes are sent as what they are; any other type (an admin may allow
// more) goes out as application/octet-stream.
func safeType(ct string) bool {
	return InlineImages[ct] || ct == "application/pdf" || ct == "text/plain" || ct == "text/csv" ||
		ct == "application/zip" || ct == "application/msword" || strings.HasPrefix(ct, "application/vnd.")
}

// Serve writes a's bytes. Images are inline unless the query has
// download=1; every response has nosniff and a sandboxing CSP, so even a
// file that passed as text cannot run as a page.
func Serve(w http.ResponseWriter, r *http.Request, a tickets.Attachment, data []byte) {
	h := w.Header()
	ct, disp := a.ContentType, "attachment"
	if !safeType(ct) {
		ct = "application/octet-stream"
	}
	if InlineImages[ct] && r.URL.Query().Get("download") == "" {
		disp = "inline"
	}
	if strings.HasPrefix(ct, "text/") {
		ct += "; charset=utf-8"
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", disp+"; filename*=UTF-8''"+escape(a.Name))
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=300")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(data)
}

// escape percent-encodes a file name for filename* (RFC 5987, RFC 6266).
func escape(s string) string {
	const ok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; strings.IndexByte(ok, c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
