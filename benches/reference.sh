#!/usr/bin/env bash
# The reference stack the benchmarks compare vesontio with: Postfix
# receiving SMTP and handing mail to Dovecot over LMTP, Dovecot serving IMAP
# and POP3, as académies run them today. Debian packages, installed if
# missing; a configuration of our own under REF_DIR (nothing in /etc is
# changed), loopback only, every port at its standard number + REF_OFFSET:
#   SMTP 10025 (Postfix), LMTP 10024 (Dovecot, for Postfix only),
#   IMAP 10143 and POP3 10110 (STARTTLS/STLS), IMAPS 10993, POP3S 10995.
# Users u0001..uNNNN@ac-test.fr with the password BENCH_PASSWORD, each with
# a 1 GB quota, as vesontio's benchmark users.
#
# Usage (as root): benches/reference.sh start|stop|status|reset|count|cert
#   start   install if needed, write the configuration, start both daemons
#   stop    stop both (mail and configuration are kept)
#   reset   stop, then delete every mailbox and the Postfix queue
#   count   print the number of messages in the mailboxes (delivered mail)
#   cert    print the path of the certificate to trust
# Env: REF_DIR=/tmp/vesontio-reference REF_OFFSET=10000 NUSERS=1000
#      BENCH_PASSWORD=Bench-Passw0rd-2026!
set -euo pipefail

REF_DIR=${REF_DIR:-/tmp/vesontio-reference}
REF_OFFSET=${REF_OFFSET:-10000}
NUSERS=${NUSERS:-1000}
BENCH_PASSWORD=${BENCH_PASSWORD:-Bench-Passw0rd-2026!}
DOMAIN=ac-test.fr
SMTP=$((25 + REF_OFFSET)) LMTP=$((24 + REF_OFFSET))
IMAP=$((143 + REF_OFFSET)) IMAPS=$((993 + REF_OFFSET))
POP3=$((110 + REF_OFFSET)) POP3S=$((995 + REF_OFFSET))
PF=$REF_DIR/postfix DC=$REF_DIR/dovecot
PACKAGES=(postfix dovecot-imapd dovecot-pop3d dovecot-lmtpd openssl iproute2)

say() { printf '[reference] %s\n' "$*" >&2; }
need_root() { [ "$(id -u)" = 0 ] || { say "run me as root (it installs packages and starts daemons)"; exit 1; }; }

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  say "installing ${missing[*]}"
  # Postfix's installer asks what kind of site this is: none, we bring our own.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  compgen -G "/var/lib/apt/lists/*_Packages" >/dev/null || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The account that owns every mailbox (Dovecot's virtual users).
mail_owner() {
  getent passwd vmail >/dev/null || useradd --system --home-dir /nonexistent --no-create-home \
    --shell /usr/sbin/nologin --user-group vmail
  VUID=$(id -u vmail) VGID=$(id -g vmail)
}

certificate() {
  [ -s "$REF_DIR/tls/cert.pem" ] && return
  mkdir -p "$REF_DIR/tls"
  openssl req -x509 -newkey rsa:2048 -sha256 -days 3650 -nodes -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -addext "basicConstraints=critical,CA:FALSE" \
    -addext "extendedKeyUsage=serverAuth" \
    -keyout "$REF_DIR/tls/key.pem" -out "$REF_DIR/tls/cert.pem" 2>/dev/null
  chmod 600 "$REF_DIR/tls/key.pem"
}

write_users() {
  local users=$REF_DIR/etc/users boxes=$PF/mailboxes
  : > "$users.new"; : > "$boxes.new"
  for i in $(seq 1 "$NUSERS"); do
    local u; u=$(printf 'u%04d' "$i")
    # passwd-file: user:password:uid:gid:gecos:home:shell:extra
    printf '%s@%s:{PLAIN}%s:%s:%s::%s/mail/%s/%s::\n' "$u" "$DOMAIN" "$BENCH_PASSWORD" \
      "$VUID" "$VGID" "$REF_DIR" "$DOMAIN" "$u" >> "$users.new"
    printf '%s@%s OK\n' "$u" "$DOMAIN" >> "$boxes.new"
  done
  mv "$users.new" "$users"; mv "$boxes.new" "$boxes"
  chown root:dovecot "$users"; chmod 640 "$users"
}

write_dovecot() {
  local dh=""
  [ -s /usr/share/dovecot/dh.pem ] && dh="ssl_dh = </usr/share/dovecot/dh.pem"
  cat > "$DC/dovecot.conf" <<EOF
# Written by vesontio's benches/reference.sh: the reference IMAP/POP3 server.
instance_name = vesontio-reference
base_dir = $DC/run
state_dir = $DC/state
log_path = $REF_DIR/log/dovecot.log
protocols = imap pop3 lmtp
listen = 127.0.0.1

ssl = yes
ssl_cert = <$REF_DIR/tls/cert.pem
ssl_key = <$REF_DIR/tls/key.pem
ssl_min_protocol = TLSv1.2
$dh
# As vesontio: no password over a connection without TLS.
disable_plaintext_auth = yes
auth_mechanisms = plain login
auth_cache_size = 10M

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $REF_DIR/etc/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $REF_DIR/etc/users
}
first_valid_uid = $VUID
mail_location = maildir:~/Maildir
mail_plugins = \$mail_plugins quota
plugin {
  quota = count:User quota
  quota_vsizes = yes
  quota_rule = *:storage=1G
}
namespace inbox {
  inbox = yes
  mailbox Drafts {
    special_use = \\Drafts
  }
  mailbox Sent {
    special_use = \\Sent
  }
  mailbox Junk {
    special_use = \\Junk
  }
  mailbox Trash {
    special_use = \\Trash
  }
}

protocol imap {
  mail_plugins = \$mail_plugins imap_quota
  mail_max_userip_connections = 5000
}
protocol pop3 {
  mail_max_userip_connections = 5000
}
protocol lmtp {
  postmaster_address = postmaster@$DOMAIN
}

# Dovecot's documented high-performance login mode: long-lived login
# processes, each serving many clients.
default_client_limit = 10000
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS
    ssl = yes
  }
  service_count = 0
  process_min_avail = 2
  vsz_limit = 1G
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $POP3
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = $POP3S
    ssl = yes
  }
  service_count = 0
  process_min_avail = 1
}
service imap {
  process_limit = 12000
}
service pop3 {
  process_limit = 2048
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP
  }
}
service anvil {
  client_limit = 15000
}
service auth {
  client_limit = 15000
}
EOF
  doveconf -c "$DC/dovecot.conf" -n >/dev/null
}

write_postfix() {
  cat > "$PF/main.cf" <<EOF
# Written by vesontio's benches/reference.sh: the reference MTA.
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
myhostname = mx.$DOMAIN
mydomain = $DOMAIN
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_banner = \$myhostname ESMTP
biff = no
alias_maps =
alias_database =
# $DOMAIN is virtual: its mailboxes are listed, and delivered by Dovecot.
virtual_mailbox_domains = $DOMAIN
virtual_mailbox_maps = texthash:$PF/mailboxes
virtual_transport = lmtp:inet:127.0.0.1:$LMTP
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
message_size_limit = 52428800
# No syslog here: postlogd writes the log file.
maillog_file_prefixes = $REF_DIR
maillog_file = $REF_DIR/log/postfix.log
EOF
  # Only the services a loopback MTA needs; nothing chrooted.
  {
    echo "# service type private unpriv chroot wakeup maxproc command"
    echo "127.0.0.1:$SMTP inet n - n - - smtpd"
    for line in "pickup unix n - n 60 1 pickup" "cleanup unix n - n - 0 cleanup" \
      "qmgr unix n - n 300 1 qmgr" "rewrite unix - - n - - trivial-rewrite" \
      "bounce unix - - n - 0 bounce" "defer unix - - n - 0 bounce" "trace unix - - n - 0 bounce" \
      "verify unix - - n - 1 verify" "flush unix n - n 1000? 0 flush" \
      "proxymap unix - - n - - proxymap" "smtp unix - - n - - smtp" \
      "showq unix n - n - - showq" "error unix - - n - - error" "retry unix - - n - - error" \
      "discard unix - - n - - discard" "lmtp unix - - n - - lmtp" "anvil unix - - n - 1 anvil" \
      "scache unix - - n - 1 scache" "postlog unix-dgram n - n - 1 postlogd"; do
      echo "$line"
    done
  } > "$PF/master.cf"
  mkdir -p "$PF/queue" "$PF/data"
  chown postfix "$PF/data"
  # Creates the queue's subdirectories with their owners and modes.
  postfix -c "$PF" post-install create-missing >/dev/null
  postfix -c "$PF" check
}

listening() { ss -Hltn | awk '{print $4}' | grep -qx "127.0.0.1:$1"; }

start() {
  need_root
  install_packages
  mail_owner
  mkdir -p "$REF_DIR"/{etc,log,mail/$DOMAIN} "$PF" "$DC"/{run,state}
  chmod 755 "$REF_DIR" "$REF_DIR/etc" "$REF_DIR/log"
  chown vmail:vmail "$REF_DIR/mail" "$REF_DIR/mail/$DOMAIN"
  certificate
  write_users
  write_dovecot
  write_postfix
  # The daemons must not keep this script's output open (a caller's pipe
  # would never close).
  if [ -s "$DC/run/master.pid" ] && kill -0 "$(cat "$DC/run/master.pid")" 2>/dev/null; then
    doveadm -c "$DC/dovecot.conf" reload </dev/null >>"$REF_DIR/log/start.log" 2>&1
  else
    dovecot -c "$DC/dovecot.conf" </dev/null >>"$REF_DIR/log/start.log" 2>&1
  fi
  if postfix -c "$PF" status >/dev/null 2>&1; then
    postfix -c "$PF" reload </dev/null >>"$REF_DIR/log/start.log" 2>&1
  else
    postfix -c "$PF" start </dev/null >>"$REF_DIR/log/start.log" 2>&1
  fi
  for _ in $(seq 100); do
    local up=1
    for p in $SMTP $LMTP $IMAP $IMAPS $POP3 $POP3S; do listening "$p" || up=0; done
    [ $up = 1 ] && break
    sleep 0.2
  done
  [ $up = 1 ] || { say "not every port came up; see $REF_DIR/log/"; status; exit 1; }
  say "running: SMTP $SMTP, IMAP $IMAP/$IMAPS, POP3 $POP3/$POP3S; $NUSERS users; data in $REF_DIR"
}

stop() {
  need_root
  if [ -f "$PF/main.cf" ] && postfix -c "$PF" status >/dev/null 2>&1; then
    postfix -c "$PF" stop >/dev/null 2>&1
  fi
  local pid
  if [ -s "$DC/run/master.pid" ] && pid=$(cat "$DC/run/master.pid") && kill -0 "$pid" 2>/dev/null; then
    dovecot -c "$DC/dovecot.conf" stop >/dev/null 2>&1 || kill -TERM "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  for _ in $(seq 50); do
    listening $SMTP || listening $IMAPS || break
    sleep 0.1
  done
  say "stopped"
}

reset() {
  stop
  rm -rf "${REF_DIR:?}/mail" "$PF/queue"
  say "mailboxes and queue emptied"
}

count() {
  find "$REF_DIR/mail" -type f \( -path '*/Maildir/new/*' -o -path '*/Maildir/cur/*' \) 2>/dev/null | wc -l
}

status() {
  for p in $SMTP $LMTP $IMAP $IMAPS $POP3 $POP3S; do
    if listening "$p"; then echo "127.0.0.1:$p listening"; else echo "127.0.0.1:$p closed"; fi
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  reset) reset ;;
  count) count ;;
  status) status ;;
  cert) echo "$REF_DIR/tls/cert.pem" ;;
  *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
