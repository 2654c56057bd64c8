#!/bin/sh
# Starts a minimal Django + djoser + simplejwt server (rotating, blacklisted refresh tokens) under
# gunicorn on 127.0.0.1, for Baton's client tests and the side-by-side benchmarks.
#
#   scripts/django-peer/start.sh PORT
#
# Environment (all optional):
#   DJANGO_PEER_DATA_DIR        directory of the SQLite database (default: a fresh temp dir, deleted on exit);
#                               pass the same one to a restarted server to keep users and tokens
#   DJANGO_PEER_ACCESS_SECONDS  access token lifetime (default 300)
#   DJANGO_PEER_SECRET          SECRET_KEY, also the HS256 signing key (default: a fixed test-only value)
#   DJANGO_PEER_WORKERS         gunicorn workers (default 1) and DJANGO_PEER_THREADS threads each (default 4)
#   DJANGO_PEER_SETTINGS        settings module (default peer.settings, Django's default user model);
#                               peer.settings_named: a user model that signs in by email and
#                               requires first_name and last_name (peer/accounts);
#                               peer.settings_activation: new accounts are inactive until the
#                               link mailed to them is followed
#                               Account mail (reset, activation) is written as files into
#                               $DJANGO_PEER_DATA_DIR/mail/ (peer/mail.py)
#
# Prints "django-peer ready http://127.0.0.1:PORT" on stdout once it accepts requests. Stops on
# SIGTERM/SIGINT, and by itself when the process that started it exits.
# Exits 3 with "skipped: ..." when the Debian packages are missing (scripts/ci-install-system.sh).
set -eu
PORT="${1:?usage: start.sh PORT}"
HERE="$(cd "$(dirname "$0")" && pwd)"
PYTHON=/usr/bin/python3

if ! "$PYTHON" -c 'import django, djoser, rest_framework_simplejwt, rest_framework' 2>/dev/null \
  || ! [ -x /usr/bin/gunicorn ]; then
  echo "skipped: python3-djoser, python3-djangorestframework-simplejwt or gunicorn is not installed"
  exit 3
fi

if [ -z "${DJANGO_PEER_DATA_DIR:-}" ]; then
  DJANGO_PEER_DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/django-peer.XXXXXX")"
  trap 'rm -rf "$DJANGO_PEER_DATA_DIR"' EXIT
fi
export DJANGO_PEER_DATA_DIR DJANGO_PEER_PORT="$PORT" DJANGO_PEER_PARENT_PID="$PPID"
export DJANGO_SETTINGS_MODULE="${DJANGO_PEER_SETTINGS:-peer.settings}" PYTHONPATH="$HERE" PYTHONDONTWRITEBYTECODE=1

cd "$HERE"
"$PYTHON" -m django migrate --noinput >/dev/null
# Not exec: the EXIT trap must still remove the temp dir. Forward signals to gunicorn.
/usr/bin/gunicorn --config "$HERE/gunicorn.conf.py" peer.wsgi &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
wait "$child" || wait "$child" || true
