#!/usr/bin/python3
"""Python side of the passport wire-format checks (docs/wire-format.md), with Debian's PyJWT.

    passport_interop.py verify CASES.json   -> one verdict per case, as JSON, on stdout
    passport_interop.py mint KEYS.json      -> tokens minted per the profile, as JSON, on stdout

Verification uses PyJWT for what a stock JWT library does (signature, pinned algorithm, exp, nbf,
iat, iss, aud with leeway) and adds only the profile's own rules that PyJWT leaves to the caller:
a size cap before decoding, crit refused, the key looked up by kid and alg in our own key set
(never from the token), exp a JSON number, sub a non-empty string.
"""
import datetime as _datetime
import json
import sys
import time
import uuid

import jwt
import jwt.api_jwt


class _FixedClock(_datetime.datetime):
    """The vector's clock: PyJWT 2.6 reads the time from datetime.now()."""

    at = None

    @classmethod
    def now(cls, tz=None):
        return _datetime.datetime.fromtimestamp(cls.at, tz=tz)


def refuse(reason):
    return {"verdict": "refuse", "reason": reason}


def verify(case):
    token = case["token"]
    settings = case["verify"]
    if len(token.encode("utf-8")) > settings["maxHeaderBytes"]:
        return refuse("too large")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        return refuse("malformed: %s" % error)
    if "crit" in header:
        return refuse("crit")
    keys = case["keys"]
    alg = header.get("alg")
    if alg not in {key["alg"] for key in keys}:
        return refuse("algorithm %r not allowed" % alg)
    kid = header.get("kid")
    candidates = [k for k in keys if k["alg"] == alg and (kid is None or k.get("kid") == kid)]
    if not candidates:
        return refuse("unknown kid")
    audience = settings.get("audience") or None
    _FixedClock.at = settings["now"]
    jwt.api_jwt.datetime = _FixedClock
    reason = "no key"
    for jwk in candidates:
        try:
            claims = jwt.decode(
                token,
                jwt.PyJWK(jwk).key,
                algorithms=[alg],
                issuer=settings.get("issuer"),
                audience=audience,
                leeway=settings["clockToleranceSeconds"],
                options={"require": ["exp"], "verify_aud": audience is not None},
            )
        except jwt.InvalidSignatureError:
            reason = "signature"
            continue
        except jwt.PyJWTError as error:
            return refuse("%s: %s" % (type(error).__name__, error))
        exp = claims.get("exp")
        if isinstance(exp, bool) or not isinstance(exp, (int, float)):
            return refuse("exp is not a number")
        sub = claims.get("sub")
        if not isinstance(sub, str) or sub == "":
            return refuse("no sub")
        return {"verdict": "accept", "claims": claims}
    return refuse(reason)


def mint(keys):
    now = int(time.time())
    claims = {
        "sub": "py-user",
        "iss": keys["issuer"],
        "aud": keys["audience"],
        "iat": now,
        "exp": now + 300,
        "jti": str(uuid.uuid4()),
        "roles": ["buyer"],
        "tenant": "acme",
    }
    tokens = []
    for jwk in keys["keys"]:
        key = jwt.PyJWK(jwk).key
        headers = {"kid": jwk["kid"], "typ": "JWT"}
        token = jwt.encode(claims, key, algorithm=jwk["alg"], headers=headers)
        tokens.append({"id": "python/%s" % jwk["alg"], "token": token, "claims": claims})
    return tokens


def main():
    command, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as source:
        data = json.load(source)
    if command == "verify":
        out = [dict(id=case["id"], **verify(case)) for case in data]
    elif command == "mint":
        out = mint(data)
    else:
        raise SystemExit("usage: passport_interop.py verify|mint FILE")
    json.dump({"library": "PyJWT %s" % jwt.__version__, "results": out}, sys.stdout)


if __name__ == "__main__":
    main()
