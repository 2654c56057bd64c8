#!/bin/sh
# Runs the Django example API under gunicorn on 127.0.0.1:$PORT (default 8000), after migrating
# its SQLite database under $DATA_DIR (default ./data). Debian's packages only: python3-django,
# python3-djangorestframework, python3-djangorestframework-simplejwt, python3-jwt,
# python3-cryptography, python3-django-cors-headers and gunicorn.
#
#   BATON_ISSUER=http://127.0.0.1:3000 BATON_AUDIENCE=baton ./start.sh
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
export DATA_DIR="${DATA_DIR:-$HERE/data}" DJANGO_SETTINGS_MODULE=todosapi.settings PYTHONPATH="$HERE" PYTHONDONTWRITEBYTECODE=1
mkdir -p "$DATA_DIR"
cd "$HERE"
/usr/bin/python3 -m django migrate --noinput >/dev/null
exec /usr/bin/gunicorn --config "$HERE/gunicorn.conf.py" todosapi.wsgi
