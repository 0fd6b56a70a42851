#!/usr/bin/env bash
# The real mail servers the email channel's tests run against: Dovecot
# (Debian's dovecot-imapd; the tests start it on 127.0.0.1 with a throw-away
# user and config dir) and Mailpit (an SMTP server with an HTTP API, built
# once from its Go module into ~/.cache/helpdesk-mailpit).
set -euo pipefail
if [ ! -x /usr/sbin/dovecot ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq dovecot-imapd
fi
cache="$HOME/.cache/helpdesk-mailpit"
if [ ! -x "$cache/mailpit" ]; then
  mkdir -p "$cache"
  GOBIN="$cache" go install github.com/axllent/mailpit@v1.33.1
fi
echo "dovecot $(/usr/sbin/dovecot --version), mailpit $("$cache/mailpit" version 2>/dev/null | head -1)"
