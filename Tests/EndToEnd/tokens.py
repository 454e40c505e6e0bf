"""Forging tokens for the attack tests: HS256 and friends built by hand with the test stack's
keys (read from the env file deploy/up wrote), so that every rule of the verifier is exercised."""
import base64
import hashlib
import hmac
import json
import os
import time


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def stack_keys():
    """The (kid, secret) pairs of the running stack, first one signing."""
    with open(os.path.join(os.environ["STACKS_HOME"], "stacks.env")) as env:
        for line in env:
            if line.startswith("STACKS_JWT_KEYS="):
                value = line.split("=", 1)[1].strip().strip("'\"")
                return [tuple(pair.split(":", 1)) for pair in value.split(",")]
    raise AssertionError("STACKS_JWT_KEYS not found in stacks.env")


def sign(header, claims, secret, digest=hashlib.sha256):
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), signing_input.encode(), digest).digest()
    return signing_input + "." + b64(signature)


def claims_of(token):
    return json.loads(unb64(token.split(".")[1]))


def header_of(token):
    return json.loads(unb64(token.split(".")[0]))


def fresh_claims(template, **changes):
    """A copy of a real token's claims with a new jti and any changes."""
    now = int(time.time())
    claims = dict(template, iat=now, nbf=now, exp=now + 600, jti=b64(os.urandom(16)))
    claims.update(changes)
    return claims
