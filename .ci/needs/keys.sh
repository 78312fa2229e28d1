#!/bin/sh
# Cross-language wire-format checks (test/interop): Python's PyJWT and Go's golang-jwt, both from
# Debian, so the Go build runs offline against /usr/share/gocode. Idempotent.
set -eu
missing=""
/usr/bin/python3 -c "import jwt" 2>/dev/null || missing="$missing python3-jwt"
# PyJWT verifies EdDSA through cryptography (only a Recommends of python3-jwt).
/usr/bin/python3 -c "import cryptography" 2>/dev/null || missing="$missing python3-cryptography"
command -v go >/dev/null 2>&1 || missing="$missing golang-go"
[ -d /usr/share/gocode/src/github.com/golang-jwt/jwt ] || missing="$missing golang-github-golang-jwt-jwt-dev"
if [ -n "$missing" ]; then
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
fi
