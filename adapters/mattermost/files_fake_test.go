package mattermost_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/mattermost/mattermost/server/public/model"
)

type fakeFile struct {
	info model.FileInfo
	data []byte
}

// upload stores a file as Mattermost does when a user attaches one to a
// post, and returns its id (for Post.FileIds) and info (Post.Metadata.Files).
func (f *fakeMM) upload(name, mime string, data []byte) *model.FileInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.files == nil {
		f.files = map[string]fakeFile{}
	}
	f.seq++
	id := "file" + strconv.FormatInt(f.seq, 10)
	ff := fakeFile{info: model.FileInfo{Id: id, Name: name, MimeType: mime, Size: int64(len(data))}, data: data}
	f.files[id] = ff
	info := ff.info
	return &info
}

// fileRoutes serves GET /api/v4/files/{id} and /info as Mattermost does
// (https://api.mattermost.com/#tag/files/operation/GetFile): a session
// token is required (401 without), an unknown file is 404.
func (f *fakeMM) fileRoutes(mux *http.ServeMux) {
	get := func(w http.ResponseWriter, r *http.Request) (fakeFile, bool) {
		// The scheme is case-insensitive (Client4 sends "BEARER").
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "bearer") || token != fakeToken {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]any{"id": "api.context.session_expired.app_error", "status_code": 401})
			return fakeFile{}, false
		}
		f.mu.Lock()
		ff, ok := f.files[r.PathValue("id")]
		f.mu.Unlock()
		if !ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_ = json.NewEncoder(w).Encode(map[string]any{"id": "app.file_info.get.app_error", "status_code": 404})
			return fakeFile{}, false
		}
		return ff, true
	}
	mux.HandleFunc("GET /api/v4/files/{id}", func(w http.ResponseWriter, r *http.Request) {
		if ff, ok := get(w, r); ok {
			w.Header().Set("Content-Type", ff.info.MimeType)
			_, _ = w.Write(ff.data)
		}
	})
	mux.HandleFunc("GET /api/v4/files/{id}/info", func(w http.ResponseWriter, r *http.Request) {
		if ff, ok := get(w, r); ok {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(ff.info)
		}
	})
}
