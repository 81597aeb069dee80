#!/usr/bin/env bash
# Installs what the end-to-end harness needs on Debian 12 (postfix, rsyslog, swaks), as root.
# Idempotent and safe to repeat in CI: apt-get update only when a package is missing, and the
# stock postfix/rsyslog daemons are never left running (the harness starts its own copies).
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-debian.sh: must run as root" >&2
  exit 1
fi

PKGS=(postfix rsyslog swaks)
missing=()
for p in "${PKGS[@]}"; do
  # dpkg-query prints "install ok installed" only for a fully installed package.
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup-debian.sh: installing ${missing[*]}"
  # "No configuration": the package must not write /etc/postfix/main.cf nor start a daemon.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  # Forbid service starts during the install (no systemd here; init scripts would start the
  # stock daemons, which would then hold /dev/log or port 25). Only remove what we added.
  added_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    added_policy=1
  fi
  cleanup_policy() { if [ "$added_policy" -eq 1 ]; then rm -f /usr/sbin/policy-rc.d; fi; }
  trap cleanup_policy EXIT
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
  cleanup_policy
  trap - EXIT
else
  echo "setup-debian.sh: ${PKGS[*]} already installed"
fi

for bin in /usr/sbin/postfix /usr/sbin/postconf /usr/sbin/postalias /usr/sbin/rsyslogd /usr/bin/swaks; do
  if [ ! -x "$bin" ]; then
    echo "setup-debian.sh: $bin missing after install" >&2
    exit 1
  fi
done

# Stop stock daemons if something started them anyway, by their own pid files (never by name).
if [ -f /etc/postfix/main.cf ] && postfix status >/dev/null 2>&1; then
  echo "setup-debian.sh: stopping the stock postfix instance"
  postfix stop || true
fi
for pidfile in /run/rsyslogd.pid /var/run/rsyslogd.pid; do
  if [ -f "$pidfile" ]; then
    pid="$(cat "$pidfile")"
    if [ -n "$pid" ] && [ -d "/proc/$pid" ] && grep -q rsyslogd "/proc/$pid/comm" 2>/dev/null; then
      echo "setup-debian.sh: stopping the stock rsyslogd (pid $pid)"
      kill "$pid" || true
      for _ in 1 2 3 4 5 6 7 8 9 10; do [ -d "/proc/$pid" ] || break; sleep 0.2; done
    fi
  fi
done

# The harness's Postfix listens on 127.0.0.11-13:25; a stock master bound to the wildcard
# address (or to those addresses) would collide. In /proc/net/tcp a listener is state 0A and
# 00000000:0019 is 0.0.0.0:25 (0B00007F = 127.0.0.11 on little-endian hosts).
collide='^(00000000|0B00007F|0C00007F|0D00007F|00000000000000000000000000000000):0019$'
if cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v re="$collide" '$4=="0A" && $2 ~ re {found=1} END {exit !found}'; then
  echo "setup-debian.sh: something listens on port 25 where the harness needs it:" >&2
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v re="$collide" '$4=="0A" && $2 ~ re {print "  " $2}' >&2
  exit 1
fi

echo "setup-debian.sh: ok ($(postconf -d -h mail_version 2>/dev/null || echo '?') / rsyslog $(rsyslogd -v 2>/dev/null | head -1 | awk '{print $2}'))"
