#!/usr/bin/env bash
# Installs the Debian packages the test suites use (browser tests, the Django peer, the
# Django REST Framework example in examples/django-api, wrk for the bench's GET A/B test, and
# valgrind for its instruction counts). Idempotent and quiet when everything is
# present already. A failure to install is a failure: the suites that need these packages fail
# under CI=true rather than skip.
set -euo pipefail
want=(chromium python3-djoser python3-djangorestframework-simplejwt gunicorn
  python3-django python3-djangorestframework python3-jwt python3-cryptography python3-django-cors-headers
  wrk valgrind)
missing=()
for pkg in "${want[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "ci-install-system: cannot apt-get install ${missing[*]} without root" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get update -qq >/dev/null; then
  echo "ci-install-system: apt-get update failed" >&2
  exit 1
fi
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
  echo "ci-install-system: apt-get could not install ${missing[*]}" >&2
  exit 1
fi
