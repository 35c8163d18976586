#!/usr/bin/env python3
"""Test helper: runs Python's real `cryptography.fernet` for the Swift interop tests.

Reads a JSON list of operations on stdin and prints a JSON list of results, one per operation:
  {"op": "derive", "secret": S}                                   -> {"key": K}   (hashlib PBKDF2, the seed's scheme)
  {"op": "encrypt", "key": K, "at": T, "plaintext_b64": P}        -> {"token": TOKEN}
  {"op": "encrypt_iv", "key": K, "at": T, "iv_hex": H, "plaintext_b64": P} -> {"token": TOKEN}  (fixed IV)
  {"op": "decrypt", "key": K, "at": T, "ttl": N|null, "token": TOKEN} -> {"plaintext_b64": P} or {"error": "InvalidToken"}
"""
import base64, hashlib, json, sys
from cryptography.fernet import Fernet, InvalidToken

def run(op):
    if op["op"] == "derive":
        raw = hashlib.pbkdf2_hmac("sha256", op["secret"].encode(), b"github-cache-p2p", 100_000, 32)
        return {"key": base64.urlsafe_b64encode(raw).decode()}
    fernet = Fernet(op["key"].encode())
    if op["op"] == "encrypt":
        return {"token": fernet.encrypt_at_time(base64.b64decode(op["plaintext_b64"]), op["at"]).decode()}
    if op["op"] == "encrypt_iv":
        iv = bytes.fromhex(op["iv_hex"])
        return {"token": fernet._encrypt_from_parts(base64.b64decode(op["plaintext_b64"]), op["at"], iv).decode()}
    if op["op"] == "decrypt":
        try:
            token = op["token"].encode()
            ttl = op.get("ttl")
            plain = fernet.decrypt(token) if ttl is None else fernet.decrypt_at_time(token, ttl, op["at"])
        except InvalidToken:
            return {"error": "InvalidToken"}
        return {"plaintext_b64": base64.b64encode(plain).decode()}
    raise ValueError(f"unknown op {op['op']}")

print(json.dumps([run(op) for op in json.load(sys.stdin)]))
