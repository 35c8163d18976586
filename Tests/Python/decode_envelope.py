#!/usr/bin/env python3
"""Decode ghcache gossip messages (Fernet tokens over envelope v1, see docs/PROTOCOL.md).

usage: decode_envelope.py (--secret S | --key FERNET_KEY) [--ttl SECONDS] [TOKEN ... | -]
Tokens come from the arguments, or one per line on stdin ("-" or none given). Prints one JSON object per
token: the metadata (with "validators", [] when the writer predates them), the body (as "body" when it is UTF-8,
always as "body_base64") and "cid_ok". A token that fails prints {"error": ...}; the exit status is 1 if any
failed. Needs only `cryptography`.
"""
import argparse, base64, hashlib, json, sys, zlib
from cryptography.fernet import Fernet

def fleet_key(secret):  # PBKDF2-HMAC-SHA256, salt "github-cache-p2p", 100 000 rounds, 32 bytes
    raw = hashlib.pbkdf2_hmac("sha256", secret.encode(), b"github-cache-p2p", 100_000, 32)
    return base64.urlsafe_b64encode(raw)

def cid(body):  # CIDv1, raw, sha2-256, multibase base32 lower
    return "b" + base64.b32encode(b"\x01\x55\x12\x20" + hashlib.sha256(body).digest()).decode().lower().rstrip("=")

def decode(fernet, token, ttl):
    plain = fernet.decrypt(token.strip().encode(), ttl=ttl)
    if plain[0] != 0x01:
        raise ValueError(f"unknown envelope version {plain[0]}")
    inner = zlib.decompressobj()
    data = inner.decompress(plain[1:], 8 * 1024 * 1024)  # zip-bomb bound, like the Swift decoder
    if inner.unconsumed_tail or not inner.eof:
        raise ValueError("envelope larger than 8 MiB or truncated")
    n = int.from_bytes(data[:4], "big")
    entry, body = json.loads(data[4:4 + n]), data[4 + n:]
    if entry.get("validators") is None:  # absent (older writers) or null: none
        entry["validators"] = []
    entry["body_base64"] = base64.b64encode(body).decode()
    try:
        entry["body"] = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    entry["cid_ok"] = cid(body) == entry.get("cid")
    return entry

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--secret", help="fleet secret (CACHE_P2P_SHARED_SECRET)")
    group.add_argument("--key", help="Fernet key (base64url)")
    parser.add_argument("--ttl", type=int, help="reject tokens older than this many seconds")
    parser.add_argument("tokens", nargs="*")
    args = parser.parse_args()
    fernet = Fernet(args.key.encode() if args.key else fleet_key(args.secret))
    tokens = args.tokens if args.tokens and args.tokens != ["-"] else [line for line in sys.stdin if line.strip()]
    failed = False
    for token in tokens:
        try:
            print(json.dumps(decode(fernet, token, args.ttl), sort_keys=True))
        except Exception as error:  # InvalidToken, zlib.error, ValueError, JSONDecodeError
            failed = True
            print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
    sys.exit(1 if failed else 0)

if __name__ == "__main__":
    main()
