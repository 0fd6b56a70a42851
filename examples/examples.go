// Package examples embeds the demo configuration, so `helpdesk run` works on a
// fresh machine with no config file: it writes these files and starts on them.
package examples

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Files holds helpdesk.yaml and its FAQ files.
//
//go:embed helpdesk.yaml faq/*.yaml
var Files embed.FS

// WriteTo copies the demo configuration into dir, refusing to overwrite
// anything that is already there. It returns the path of the main file.
func WriteTo(dir string) (string, error) {
	err := fs.WalkDir(Files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(path))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := Files.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return fmt.Errorf("write demo config: %w", err)
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			return fmt.Errorf("write demo config: %w", err)
		}
		return f.Close()
	})
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "helpdesk.yaml"), nil
}
