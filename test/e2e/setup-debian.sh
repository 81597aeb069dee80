#!/usr/bin/env bash
# Installs what the end-to-end harnesses need on Debian 12 (postfix, rsyslog, swaks; and Exim
# unpacked beside them), chromium for the dashboard's browser tests (test/browser), and
# pflogsumm, the reference of `npm run bench` (eximstats comes with the unpacked exim4-base), and
# systemd-journal-remote (it writes the journal files of the journal import tests), as root.
# postgresql-15 (the PostgreSQL store tests start their own throwaway cluster with it).
# Idempotent and safe to repeat in CI: apt-get update only when a package is missing or a
# download fails, and the stock postfix/rsyslog daemons are never left running (the harnesses
# start their own copies).
#
# Exim: exim4-daemon-light conflicts with postfix in dpkg, so its .debs (and exim4-base's) are
# fetched with `apt-get download` into $BW_EXIM_CACHE (default /var/cache/bouncewatch-e2e/exim)
# and unpacked with `dpkg -x` into $BW_EXIM_CACHE/root; the binary is root/usr/sbin/exim4. Its
# shared libraries are ordinary packages (installed normally), and it needs the system user
# Debian-exim (compiled in as EXIM_USER).
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-debian.sh: must run as root" >&2
  exit 1
fi

# Prints those of the packages named that are not fully installed (dpkg-query prints
# "install ok installed" only for a fully installed package).
not_installed() {
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
      echo "$p"
    fi
  done
}

PKGS=(postfix rsyslog swaks chromium pflogsumm openssl systemd-journal-remote postgresql-15 prometheus dnsmasq-base)
mapfile -t missing < <(not_installed "${PKGS[@]}")

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

for bin in /usr/sbin/postfix /usr/sbin/postconf /usr/sbin/postalias /usr/sbin/rsyslogd /usr/bin/swaks /usr/bin/chromium /lib/systemd/systemd-journal-remote /usr/lib/postgresql/15/bin/initdb; do
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

# ---- Exim (unpacked, not installed) ----
EXIM_CACHE="${BW_EXIM_CACHE:-/var/cache/bouncewatch-e2e/exim}"
EXIM_ROOT="$EXIM_CACHE/root"
EXIM_BIN="$EXIM_ROOT/usr/sbin/exim4"
EXIM_DEBS=(exim4-daemon-light exim4-base)
# exim4-daemon-light's library dependencies (apt-cache depends exim4-daemon-light): plain
# packages without conflicts, so they are installed the normal way.
EXIM_LIBS=(libc6 libcrypt1 libdb5.3 libgnutls-dane0 libgnutls30 libidn12 libidn2-0 libnsl2 libpcre2-8-0 adduser)

apt_updated=0
apt_update_once() {
  if [ "$apt_updated" -eq 0 ]; then
    apt-get update
    apt_updated=1
  fi
}

mapfile -t missing_libs < <(not_installed "${EXIM_LIBS[@]}")
if [ "${#missing_libs[@]}" -gt 0 ]; then
  echo "setup-debian.sh: installing Exim's libraries ${missing_libs[*]}"
  apt_update_once
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing_libs[@]}"
fi

mkdir -p "$EXIM_CACHE"
# One .deb per package in the cache; a newer candidate is fetched only when none is there.
deb_of() { find "$EXIM_CACHE" -maxdepth 1 -name "$1_*.deb" -print | sort | tail -n 1; }
for p in "${EXIM_DEBS[@]}"; do
  if [ -z "$(deb_of "$p")" ]; then
    echo "setup-debian.sh: downloading $p"
    # A stale package list can name a version the mirror no longer has: update and retry once.
    if ! (cd "$EXIM_CACHE" && apt-get -o APT::Sandbox::User=root download "$p"); then
      apt_update_once
      (cd "$EXIM_CACHE" && apt-get -o APT::Sandbox::User=root download "$p")
    fi
    if [ -z "$(deb_of "$p")" ]; then
      echo "setup-debian.sh: apt-get download $p left no .deb in $EXIM_CACHE" >&2
      exit 1
    fi
  fi
done

# Unpack again only when the .debs changed (the stamp names the files unpacked).
stamp="$(for p in "${EXIM_DEBS[@]}"; do basename "$(deb_of "$p")"; done)"
if [ ! -x "$EXIM_BIN" ] || [ "$(cat "$EXIM_ROOT/.unpacked-from" 2>/dev/null || true)" != "$stamp" ]; then
  echo "setup-debian.sh: unpacking ${EXIM_DEBS[*]} into $EXIM_ROOT"
  rm -rf "$EXIM_CACHE"/root.??????  # left by an interrupted unpack
  tmp_root="$(mktemp -d "$EXIM_CACHE/root.XXXXXX")"
  for p in "${EXIM_DEBS[@]}"; do
    deb="$(deb_of "$p")"
    if ! dpkg -x "$deb" "$tmp_root"; then
      # Drop the broken download so that the next run fetches it again.
      echo "setup-debian.sh: cannot unpack $deb; removed it, run again to download it anew" >&2
      rm -rf "$deb" "$tmp_root"
      exit 1
    fi
  done
  printf '%s\n' "$stamp" > "$tmp_root/.unpacked-from"
  # dpkg -x as root keeps the archive's owners (root) and modes (exim4 is setuid root); only
  # the top directory from mktemp needs opening up. No chown -R: it would clear the setuid bit.
  chmod 755 "$tmp_root"
  rm -rf "$EXIM_ROOT"
  mv "$tmp_root" "$EXIM_ROOT"
fi
if [ ! -x "$EXIM_BIN" ]; then
  echo "setup-debian.sh: $EXIM_BIN missing after unpacking" >&2
  exit 1
fi
ldd_out="$(ldd "$EXIM_BIN")"
if grep -q 'not found' <<<"$ldd_out"; then
  echo "setup-debian.sh: $EXIM_BIN lacks libraries:" >&2
  grep 'not found' <<<"$ldd_out" >&2
  exit 1
fi

if ! getent passwd Debian-exim >/dev/null; then
  echo "setup-debian.sh: adding the system user Debian-exim"
  if getent group Debian-exim >/dev/null; then
    adduser --system --ingroup Debian-exim --allow-bad-names Debian-exim
  else
    adduser --system --group --allow-bad-names Debian-exim
  fi
fi
# The harness lists its throwaway configs here (TRUSTED_CONFIG_LIST of Debian's build): it must
# be root's and not writable by group or others, or Exim drops privileges for -C.
mkdir -p /etc/exim4
touch /etc/exim4/trusted_configs
chown root:root /etc/exim4 /etc/exim4/trusted_configs
chmod 755 /etc/exim4
chmod 644 /etc/exim4/trusted_configs

exim_version="$("$EXIM_BIN" -bV -C /dev/null 2>/dev/null | sed -n 's/^Exim version \([^ ]*\).*/\1/p' | head -n 1 || true)"
if [ -z "$exim_version" ]; then
  echo "setup-debian.sh: $EXIM_BIN -bV does not run:" >&2
  "$EXIM_BIN" -bV -C /dev/null >&2 || true
  exit 1
fi

echo "setup-debian.sh: ok ($(postconf -d -h mail_version 2>/dev/null || echo '?') / rsyslog $(rsyslogd -v 2>/dev/null | head -1 | awk '{print $2}') / exim $exim_version at $EXIM_BIN)"
