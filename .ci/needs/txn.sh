#!/usr/bin/env bash
# Transaction Tokens interop tests (packages/core/test/txn-token-pyjwt.test.ts) verify and mint
# Txn-Tokens with PyJWT, the stock Python JWT library. Idempotent: installs only what is missing.
set -euo pipefail
if /usr/bin/python3 -c 'import jwt, cryptography' >/dev/null 2>&1; then
  exit 0
fi
apt-get install -y --no-install-recommends python3-jwt python3-cryptography
