package slack_test

import (
	"fmt"
	"net/http"
	"strings"
)

// fakeFile is a file a user uploaded to the fake Slack.
type fakeFile struct {
	ID, Name, Mimetype string
	Data               []byte
}

// upload stores a file as Slack does when a user posts one, and returns
// its message-event object (files[] of a file_share message).
func (f *fakeSlack) upload(name, mimetype string, data []byte, stub bool) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.files == nil {
		f.files = map[string]fakeFile{}
	}
	id := f.nextID("F")
	f.files[id] = fakeFile{ID: id, Name: name, Mimetype: mimetype, Data: data}
	if stub {
		// Slack sends a stub for some shares; files.info has the rest
		// (https://docs.slack.dev/reference/objects/file-object, file_access).
		return map[string]any{"id": id, "mode": "hosted", "file_access": "check_file_info"}
	}
	return f.fileObject(id)
}

// fileObject is the file object of the Web API (files.info, message files[]).
func (f *fakeSlack) fileObject(id string) map[string]any {
	ff := f.files[id]
	u := fmt.Sprintf("%s/files-pri/T1-%s/%s", f.srv.URL, id, ff.Name)
	return map[string]any{"id": id, "name": ff.Name, "title": ff.Name, "mimetype": ff.Mimetype, "size": len(ff.Data),
		"url_private": u, "url_private_download": u + "?download=1", "mode": "hosted"}
}

// filesAPI answers files.info as Slack does: the file object, or
// file_not_found (https://docs.slack.dev/reference/methods/files.info).
// It is called with f.mu held, after the token check.
func (f *fakeSlack) filesAPI(w http.ResponseWriter, method string, p func(string) string) bool {
	if method != "files.info" {
		return false
	}
	id := p("file")
	if _, ok := f.files[id]; !ok {
		fail(w, "file_not_found")
		return true
	}
	reply(w, map[string]any{"file": f.fileObject(id)})
	return true
}

// serveFile serves url_private: only with the bot token in the
// Authorization header; without it Slack answers with its sign-in page
// (HTML, status 200), and an unknown file is 404
// (https://docs.slack.dev/messaging/working-with-files#downloading-files).
func (f *fakeSlack) serveFile(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := strings.TrimPrefix(r.PathValue("id"), "T1-")
	ff, ok := f.files[id]
	if !ok || ff.Name != r.PathValue("name") {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.botToken || f.revoked[f.botToken] {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to your workspace</body></html>")
		return
	}
	w.Header().Set("Content-Type", ff.Mimetype)
	w.Write(ff.Data)
}
