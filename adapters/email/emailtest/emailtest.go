// Package emailtest starts the real mail servers the email channel's tests
// run against, each on 127.0.0.1 with its own throw-away directory: Dovecot
// (IMAP, Debian package dovecot-imapd) and Mailpit (an SMTP server with an
// HTTP API to read what arrived, github.com/axllent/mailpit, built by
// .ci/run). Without them a test is skipped, saying why, unless
// HELPDESK_EMAIL=1 (set by .ci/run) makes it fail.
package emailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

func need(tb testing.TB, what, path string) string {
	tb.Helper()
	if _, err := os.Stat(path); err != nil {
		msg := fmt.Sprintf("%s not found at %s (.ci/run installs it; set HELPDESK_EMAIL=1 to make this a failure)", what, path)
		if os.Getenv("HELPDESK_EMAIL") == "1" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return path
}

// freePort returns a port nobody listens on now.
func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Cert writes a self-signed certificate for 127.0.0.1 and localhost.
func Cert(tb testing.TB, dir string) (certFile, keyFile string) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		tb.Fatal(err)
	}
	return certFile, keyFile
}

// waitListen waits until something accepts on addr or the process ends.
func waitListen(tb testing.TB, addr string, done <-chan struct{}, logFile string) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-done:
			b, _ := os.ReadFile(logFile)
			tb.Fatalf("server for %s exited:\n%s", addr, b)
		case <-time.After(50 * time.Millisecond): // polling a port that is not up yet; not a test's synchronisation
		}
	}
	tb.Fatalf("nothing listens on %s after 30s", addr)
}

func start(tb testing.TB, logFile string, name string, args ...string) <-chan struct{} {
	tb.Helper()
	lf, err := os.Create(logFile)
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		lf.Close()
		close(done)
	}()
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	return done
}

// Dovecot is a running Dovecot with one mail user.
type Dovecot struct {
	Addr    string // plain IMAP
	TLSAddr string // IMAP over TLS (self-signed)
	User    string
	Pass    string
}

// StartDovecot runs Dovecot in a temp directory until the test ends.
func StartDovecot(tb testing.TB) *Dovecot {
	tb.Helper()
	bin := need(tb, "dovecot (apt-get install dovecot-imapd)", envOr("HELPDESK_DOVECOT", "/usr/sbin/dovecot"))
	dir, err := os.MkdirTemp("", "helpdesk-dovecot-")
	if err != nil {
		tb.Fatal(err)
	}
	// Dovecot's auth process reads the password file as its own user.
	if err := os.Chmod(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if tb.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			tb.Logf("dovecot.log:\n%s", b)
		}
		os.RemoveAll(dir)
	})
	for _, d := range []string{"run", "mail", "home"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	cert, key := Cert(tb, dir)
	d := &Dovecot{User: "desk", Pass: "desk-secret-pass"}
	port, tport := freePort(tb), freePort(tb)
	d.Addr, d.TLSAddr = fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("127.0.0.1:%d", tport)
	uid, gid := os.Getuid(), os.Getgid()
	if uid == 0 {
		// Dovecot gives no mail user root's uid: the mail belongs to nobody.
		if u, err := user.Lookup("nobody"); err == nil {
			uid, _ = strconv.Atoi(u.Uid)
			gid, _ = strconv.Atoi(u.Gid)
		}
		for _, d := range []string{"mail", "home"} {
			if err := os.Chown(filepath.Join(dir, d), uid, gid); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "passwd"), []byte(d.User+":{PLAIN}"+d.Pass+"\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	conf := fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/run
log_path = %[1]s/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <%[2]s
ssl_key = <%[3]s
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:%[1]s/mail/%%u
mail_uid = %[6]d
mail_gid = %[7]d
passdb {
  driver = passwd-file
  args = %[1]s/passwd
}
userdb {
  driver = static
  args = uid=%[6]d gid=%[7]d home=%[1]s/home/%%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[4]d
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %[5]d
    ssl = yes
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
`, dir, cert, key, port, tport, uid, gid)
	cf := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o644); err != nil {
		tb.Fatal(err)
	}
	done := start(tb, filepath.Join(dir, "stdout.log"), bin, "-F", "-c", cf)
	waitListen(tb, d.Addr, done, filepath.Join(dir, "dovecot.log"))
	return d
}

func (d *Dovecot) client(tb testing.TB) *imapclient.Client {
	tb.Helper()
	c, err := imapclient.DialInsecure(d.Addr, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if err := c.Login(d.User, d.Pass).Wait(); err != nil {
		tb.Fatal(err)
	}
	return c
}

// Append puts a mail into INBOX, as a delivery would.
func (d *Dovecot) Append(tb testing.TB, raw []byte) {
	tb.Helper()
	c := d.client(tb)
	defer c.Close()
	cmd := c.Append("INBOX", int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		tb.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		tb.Fatal(err)
	}
}

// Flags returns each INBOX mail's flags, in order.
func (d *Dovecot) Flags(tb testing.TB, mailbox string) [][]imap.Flag {
	tb.Helper()
	c := d.client(tb)
	defer c.Close()
	sel, err := c.Select(mailbox, nil).Wait()
	if err != nil {
		tb.Fatal(err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	var seq imap.SeqSet
	seq.AddRange(1, sel.NumMessages)
	msgs, err := c.Fetch(seq, &imap.FetchOptions{Flags: true}).Collect()
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]imap.Flag
	for _, m := range msgs {
		out = append(out, m.Flags)
	}
	return out
}

// Mailpit is a running Mailpit: SMTP with STARTTLS and a login, and its API.
type Mailpit struct {
	SMTP string
	API  string
	User string
	Pass string
}

// StartMailpit runs Mailpit until the test ends.
func StartMailpit(tb testing.TB) *Mailpit {
	tb.Helper()
	home, _ := os.UserHomeDir()
	bin := need(tb, "mailpit (.ci/run builds github.com/axllent/mailpit)", envOr("HELPDESK_MAILPIT", filepath.Join(home, ".cache", "helpdesk-mailpit", "mailpit")))
	dir := tb.TempDir()
	cert, key := Cert(tb, dir)
	m := &Mailpit{User: "helpdesk", Pass: "smtp-secret-pass"}
	if err := os.WriteFile(filepath.Join(dir, "auth"), []byte(m.User+":"+m.Pass+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	m.SMTP = fmt.Sprintf("127.0.0.1:%d", freePort(tb))
	api := fmt.Sprintf("127.0.0.1:%d", freePort(tb))
	m.API = "http://" + api
	done := start(tb, filepath.Join(dir, "mailpit.log"), bin, "--smtp", m.SMTP, "--listen", api,
		"--database", filepath.Join(dir, "mailpit.db"), "--smtp-tls-cert", cert, "--smtp-tls-key", key,
		"--smtp-require-starttls", "--smtp-auth-file", filepath.Join(dir, "auth"), "--smtp-disable-rdns")
	waitListen(tb, m.SMTP, done, filepath.Join(dir, "mailpit.log"))
	waitListen(tb, api, done, filepath.Join(dir, "mailpit.log"))
	return m
}

// Summary is one mail as Mailpit's API lists it.
type Summary struct {
	ID        string `json:"ID"`
	MessageID string `json:"MessageID"`
	Subject   string `json:"Subject"`
	To        []struct {
		Address string `json:"Address"`
	} `json:"To"`
}

// Messages lists the mails that arrived, newest first (Mailpit's order).
func (m *Mailpit) Messages(tb testing.TB) []Summary {
	tb.Helper()
	var out struct {
		Messages []Summary `json:"messages"`
	}
	m.get(tb, "/api/v1/messages?limit=500", &out)
	return out.Messages
}

// Raw returns one arrived mail as sent.
func (m *Mailpit) Raw(tb testing.TB, id string) []byte {
	tb.Helper()
	resp, err := http.Get(m.API + "/api/v1/message/" + id + "/raw")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		tb.Fatalf("raw %s: %d %v", id, resp.StatusCode, err)
	}
	return b
}

func (m *Mailpit) get(tb testing.TB, path string, v any) {
	tb.Helper()
	resp, err := http.Get(m.API + path)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		tb.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(v); err != nil {
		tb.Fatal(err)
	}
}

// Mail writes a simple text mail.
func Mail(from, to, subject, messageID, body string, headers ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n",
		from, to, subject, messageID, time.Now().UTC().Format(time.RFC1123Z))
	for i := 0; i+1 < len(headers); i += 2 {
		fmt.Fprintf(&b, "%s: %s\r\n", headers[i], headers[i+1])
	}
	b.WriteString("\r\n" + strings.ReplaceAll(body, "\n", "\r\n"))
	return []byte(b.String())
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
