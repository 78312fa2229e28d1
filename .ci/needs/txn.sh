#!/usr/bin/env bash
# Transaction Tokens tests: PyJWT interop (packages/core/test/txn-token-pyjwt.test.ts) verifies and
# mints Txn-Tokens with Debian's python3-jwt; the mutual-TLS client test
# (tts-client-mtls.test.ts) makes its certificates with the openssl CLI. Idempotent: installs only
# what is missing.
set -euo pipefail
missing=()
/usr/bin/python3 -c 'import jwt, cryptography' >/dev/null 2>&1 || missing+=(python3-jwt python3-cryptography)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
