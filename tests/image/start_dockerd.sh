#!/usr/bin/env bash
# Start a Docker engine for the image tests, only when none answers (idempotent: safe to run again).
#
#   bash tests/image/start_dockerd.sh
#
# The engine is Debian's `docker.io` dockerd, run as root without iptables or a default bridge: builds and
# containers use the host's network, so nothing on the machine's firewall or routes changes. Its log goes
# to $DOCKERD_LOG; its pid to $DOCKERD_PIDFILE, so whoever started it can stop exactly that process.
set -euo pipefail

DOCKERD_LOG="${DOCKERD_LOG:-/var/log/storyanalytics-dockerd.log}"
DOCKERD_PIDFILE="${DOCKERD_PIDFILE:-/run/storyanalytics-dockerd.pid}"

if docker info >/dev/null 2>&1; then
    echo "dockerd: an engine already answers (docker info); nothing started"
    exit 0
fi
command -v dockerd >/dev/null || { echo "dockerd: not installed (apt-get install docker.io)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "dockerd: needs root to start (or start Docker yourself)" >&2; exit 1; }

# Its own process group, detached from this shell, so the caller's exit does not take it down.
setsid dockerd --iptables=false --bridge=none --pidfile "$DOCKERD_PIDFILE" >>"$DOCKERD_LOG" 2>&1 < /dev/null &
for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then
        echo "dockerd: started (pid $(cat "$DOCKERD_PIDFILE"), log $DOCKERD_LOG)"
        exit 0
    fi
    sleep 0.5
done
echo "dockerd: did not answer within 30 s; the end of its log ($DOCKERD_LOG):" >&2
tail -n 20 "$DOCKERD_LOG" >&2
exit 1
