package config

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// debounce is how long Watch waits after the last change before reloading, so
// an editor's burst of writes and renames becomes one reload.
const debounce = 200 * time.Millisecond

// Watch re-reads the main file and the FAQ files when any of them changes. A
// valid config is passed to onChange; an invalid one goes to onError as
// *Errors, and the caller keeps its old config. It watches the directories,
// not the files, so editors that save by writing a new file and renaming it
// over the old one are followed, and so are FAQ files that an edit of the
// main file adds or removes. Both callbacks run on Watch's goroutine. Watch
// returns nil when ctx is done, or an error if it cannot watch at all.
func Watch(ctx context.Context, path string, onChange func(*Config), onError func(error)) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch config %s: %w", path, err)
	}
	defer w.Close()

	files := map[string]bool{}
	dirs := map[string]bool{}
	follow := func(list []string) {
		files = map[string]bool{}
		want := map[string]bool{}
		for _, f := range list {
			abs, err := filepath.Abs(f)
			if err != nil {
				continue
			}
			files[abs] = true
			want[filepath.Dir(abs)] = true
		}
		for d := range dirs {
			if !want[d] {
				_ = w.Remove(d)
				delete(dirs, d)
			}
		}
		for d := range want {
			if dirs[d] {
				continue
			}
			// A directory that does not exist yet is retried on the next
			// reload; Load reports the missing file meanwhile.
			if err := w.Add(d); err == nil {
				dirs[d] = true
			}
		}
	}
	_, list, _ := load(path)
	follow(list)
	if len(dirs) == 0 {
		return fmt.Errorf("watch config %s: cannot watch its directory", path)
	}

	timer := time.NewTimer(debounce)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ev.Op == fsnotify.Chmod {
				continue
			}
			name := filepath.Clean(ev.Name)
			// Kubernetes ConfigMap volumes swap a ..data symlink instead of
			// touching the files.
			if files[name] || filepath.Base(name) == "..data" {
				timer.Reset(debounce)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			onError(fmt.Errorf("watch config %s: %w", path, err))
		case <-timer.C:
			cfg, list, err := load(path)
			follow(list)
			if err != nil {
				onError(err)
				continue
			}
			onChange(cfg)
		}
	}
}
