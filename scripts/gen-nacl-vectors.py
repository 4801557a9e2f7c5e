#!/usr/bin/python3
"""Regenerate gretun's NaCl box test vectors with libsodium (Debian's python3-nacl).

Usage: apt-get install -y python3-nacl
       /usr/bin/python3 scripts/gen-nacl-vectors.py \
           > gretun-core/src/test/resources/dev/gretun/core/crypto/nacl-box-vectors.json

Keys, nonces and messages come from a fixed seed, so the output is reproducible; libsodium
computes every derived value (public keys, beforenm key, box). The build never runs this script:
the JSON it writes is committed.
"""
import json
import random

import nacl
from nacl.bindings import (crypto_box, crypto_box_beforenm,
                           crypto_scalarmult_base)

rng = random.Random(20240611)


def rand(n):
    return bytes(rng.getrandbits(8) for _ in range(n))


vectors = []
for length in [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 131, 255, 256, 511, 1000, 1500]:
    sk_a, sk_b = rand(32), rand(32)
    nonce, msg = rand(24), rand(length)
    pk_a, pk_b = crypto_scalarmult_base(sk_a), crypto_scalarmult_base(sk_b)
    vectors.append({
        "sender_secret": sk_a.hex(),
        "sender_public": pk_a.hex(),
        "recipient_secret": sk_b.hex(),
        "recipient_public": pk_b.hex(),
        "shared_key": crypto_box_beforenm(pk_b, sk_a).hex(),
        "nonce": nonce.hex(),
        "message": msg.hex(),
        # "easy" layout: 16-byte Poly1305 tag, then the XSalsa20 ciphertext
        "box": crypto_box(msg, nonce, pk_b, sk_a).hex(),
    })

print(json.dumps({
    "generator": "scripts/gen-nacl-vectors.py, python3-nacl " + nacl.__version__,
    "vectors": vectors,
}, indent=1))
