#!/usr/bin/env bash
# Installs the Debian packages the test suites use (browser tests, the Django peer, and the
# Django REST Framework example in examples/django-api).
# Idempotent and quiet when everything is present already.
set -euo pipefail
want=(chromium python3-djoser python3-djangorestframework-simplejwt gunicorn
  python3-django python3-djangorestframework python3-jwt python3-cryptography python3-django-cors-headers)
missing=()
for pkg in "${want[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "skipped: cannot apt-get install ${missing[*]} without root; the suites that need them will skip" >&2
  exit 0
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || true
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
  echo "skipped: apt-get could not install ${missing[*]}; the suites that need them will skip" >&2
