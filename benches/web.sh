#!/usr/bin/env bash
# The webmail's list endpoint under load: N messages of SIZE bytes are
# delivered over SMTP into one mailbox, a session is opened with the login
# form (as a browser does: the CSRF token from the page, the __Host- cookie
# it sets), then wrk measures requests per second of the inbox page over
# HTTPS, as conversations and as the plain list. vesontio only: the
# reference stack has no webmail. Figures, not a test.
# Env: N=20000 SIZE=2048 DURATION=15 CONNECTIONS=16 (and those of common.sh)
source "$(dirname "$0")/common.sh"
N=${N:-20000} SIZE=${SIZE:-2048} DURATION=${DURATION:-15} CONNECTIONS=${CONNECTIONS:-16}
if ! command -v wrk >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null || true
fi
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is missing (apt-get install curl)" >&2; exit 1; }
build
machine
start_vesontio 1
echo "== $N messages of $SIZE bytes into u0001@ac-test.fr over SMTP"
"$LOAD" smtp --port $((25 + OFFSET)) --users 1 --messages "$N" --size "$SIZE" --sessions 20 \
  --count-cmd "$(vesontio_count)" | grep -E 'accepted|delivered'
URL=https://localhost:$((443 + OFFSET))
JAR=$WORK/cookies
curl -sk -c "$JAR" -b "$JAR" "$URL/login" -o "$WORK/login.html"
CSRF=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$WORK/login.html" | head -1 | sed 's/.*value="//; s/"//')
curl -sk -c "$JAR" -b "$JAR" -o /dev/null --data-urlencode "address=u0001@ac-test.fr" \
  --data-urlencode "password=$BENCH_PASSWORD" --data-urlencode "csrf=$CSRF" "$URL/login"
# The Netscape jar marks HttpOnly cookies with a #HttpOnly_ prefix.
COOKIE=$(awk '{ sub(/^#HttpOnly_/, "") } !/^#/ && NF >= 7 { printf "%s=%s; ", $6, $7 }' "$JAR")
ROWS=$(curl -sk -H "Cookie: $COOKIE" "$URL/mail" | grep -c 'class="message' || true)
[ "$ROWS" -gt 0 ] || { echo "the session did not open the inbox" >&2; exit 1; }
for path in "/mail" "/mail?view=list"; do
  echo "== wrk -t2 -c$CONNECTIONS -d${DURATION}s $path (a page of 50)"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" -H "Cookie: $COOKIE" "$URL$path" \
    | grep -E 'Latency|requests in|Requests/sec|Non-2xx'
done
echo "server RSS: $(awk '/VmRSS/ {print $2, $3}' "/proc/$VPID/status")"
