#!/usr/bin/env bash
# Starts the Mattermost server for the adapter's integration tests on
# 127.0.0.1:8065 (unless one answers there already), building it first if
# needed (build.sh). Configuration is all in MM_* variables; the database is
# "mattermost" on the local PostgreSQL server (created if missing). The
# server runs from its module directory so it finds i18n/ and templates/.
#
#   start.sh        start (or find) the server and wait until it answers
#   start.sh stop   stop the server this script started
#
#   HELPDESK_MM_CACHE  cache root (default $HOME/.cache/helpdesk-mattermost)
#   HELPDESK_MM_DSN    database (default postgres://postgres@127.0.0.1:5432/mattermost?sslmode=disable)
set -euo pipefail
cd "$(dirname "$0")"

version="$(go list -m -f '{{.Version}}' github.com/mattermost/mattermost/server/v8)"
cache="${HELPDESK_MM_CACHE:-$HOME/.cache/helpdesk-mattermost}/$version"
pidfile="$cache/mattermost.pid"
url="http://127.0.0.1:8065"

if [ "${1:-}" = "stop" ]; then
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    kill "$(cat "$pidfile")"
    for _ in $(seq 1 30); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 1; done
  fi
  rm -f "$pidfile"
  exit 0
fi

if curl -fsS "$url/api/v4/system/ping" >/dev/null 2>&1; then
  echo "mattermost: already answering on $url" >&2
  exit 0
fi

bin="$(./build.sh | tail -n 1)"
moddir="$(go list -m -f '{{.Dir}}' github.com/mattermost/mattermost/server/v8)"

if ! psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname = 'mattermost'" | grep -q 1; then
  psql -h 127.0.0.1 -U postgres -c 'create database mattermost' >/dev/null
fi

mkdir -p "$cache/data" "$cache/logs" "$cache/plugins" "$cache/client-plugins"
export MM_SQLSETTINGS_DRIVERNAME=postgres
export MM_SQLSETTINGS_DATASOURCE="${HELPDESK_MM_DSN:-postgres://postgres@127.0.0.1:5432/mattermost?sslmode=disable&connect_timeout=10}"
export MM_SERVICESETTINGS_LISTENADDRESS=127.0.0.1:8065
export MM_SERVICESETTINGS_SITEURL="$url"
export MM_SERVICESETTINGS_ENABLEBOTACCOUNTCREATION=true
export MM_SERVICESETTINGS_ENABLEUSERACCESSTOKENS=true
export MM_SERVICESETTINGS_ENABLECOMMANDS=true
export MM_SERVICESETTINGS_ENABLELOCALMODE=true
export MM_SERVICESETTINGS_LOCALMODESOCKETLOCATION="$cache/mattermost_local.socket"
# Actions, dialogs and slash commands post to the bot on 127.0.0.1.
export MM_SERVICESETTINGS_ALLOWEDUNTRUSTEDINTERNALCONNECTIONS="127.0.0.1 localhost"
export MM_SERVICESETTINGS_ENABLESECURITYFIXALERT=false
export MM_SERVICESETTINGS_ENABLELINKPREVIEWS=false
export MM_SERVICESETTINGS_ENABLEONBOARDINGFLOW=false
export MM_TEAMSETTINGS_ENABLEOPENSERVER=true
export MM_TEAMSETTINGS_MAXUSERSPERTEAM=10000
export MM_EMAILSETTINGS_SENDEMAILNOTIFICATIONS=false
export MM_EMAILSETTINGS_REQUIREEMAILVERIFICATION=false
export MM_PLUGINSETTINGS_ENABLE=false
export MM_PLUGINSETTINGS_ENABLEUPLOADS=false
export MM_PLUGINSETTINGS_DIRECTORY="$cache/plugins"
export MM_PLUGINSETTINGS_CLIENTDIRECTORY="$cache/client-plugins"
export MM_LOGSETTINGS_ENABLEDIAGNOSTICS=false
export MM_LOGSETTINGS_CONSOLELEVEL=ERROR
export MM_LOGSETTINGS_FILELOCATION="$cache/logs"
export MM_FILESETTINGS_DIRECTORY="$cache/data"
export MM_RATELIMITSETTINGS_ENABLE=false
export MM_METRICSSETTINGS_ENABLE=false
export MM_ANNOUNCEMENTSETTINGS_ADMINNOTICESENABLED=false
export MM_ANNOUNCEMENTSETTINGS_USERNOTICESENABLED=false

cd "$moddir"
nohup "$bin" server --config "$cache/config.json" >"$cache/server.log" 2>&1 &
echo $! >"$pidfile"
for _ in $(seq 1 120); do
  if curl -fsS "$url/api/v4/system/ping" >/dev/null 2>&1; then
    echo "mattermost: answering on $url (pid $(cat "$pidfile"), log $cache/server.log)" >&2
    exit 0
  fi
  if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "mattermost: the server exited; its log:" >&2
    tail -n 40 "$cache/server.log" >&2
    exit 1
  fi
  sleep 1
done
echo "mattermost: no answer on $url after 120s; log: $cache/server.log" >&2
exit 1
