"""FLK902's measure of a weak secret key, shared by the source rule FLK301 and the runtime check.

A pure function of the key's value: the thresholds are Django's (`security.W009`) for str
keys, 32 bytes for bytes keys, plus a list of keys published in docs and tutorials, which
no length rule catches (the Flask config docs' 64-hex example passes every threshold).
"""

from __future__ import annotations

MIN_STR_LENGTH = 50
MIN_DISTINCT_CHARACTERS = 5
MIN_BYTES_LENGTH = 32

# Compared after `strip().lower()`; bytes keys are compared as latin-1 text.
KNOWN_PLACEHOLDERS = frozenset({
    # Flask's own docs and examples
    "dev",
    '_5#y2l"f4q8z\n\xec]/',
    "192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf",
    # generic placeholders
    "secret", "secret-key", "secret_key", "secretkey", "secret key", "my-secret-key", "my_secret_key",
    "mysecretkey", "mysecret", "my-secret", "my secret key", "your-secret-key", "your_secret_key",
    "yoursecretkey", "your secret key", "supersecret", "super-secret", "super_secret", "super secret",
    "super-secret-key", "super secret key", "topsecret", "top-secret", "changeme", "change-me", "change_me",
    "change me", "changethis", "change-this", "change_this", "replace-me", "replaceme", "please-change-me",
    "default", "development", "dev-key", "dev_key", "devkey", "development-key", "test", "testing",
    "password", "s3cr3t", "keyboard cat", "xxx", "abc123", "123456", "1234567890",
    # well-known tutorials: Miguel Grinberg's Mega-Tutorial and "Flask Web Development"
    "you-will-never-guess", "hard to guess string", "hard-to-guess-string",
})


def secret_weakness(value: str | bytes) -> str | None:
    """Why `value` is a weak key by FLK902's measure (e.g. "shorter than 50 characters"), or None."""
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    if text.strip().lower() in KNOWN_PLACEHOLDERS:
        return "a publicly known placeholder"
    if isinstance(value, bytes):
        return f"shorter than {MIN_BYTES_LENGTH} bytes" if len(value) < MIN_BYTES_LENGTH else None
    if len(value) < MIN_STR_LENGTH:
        return f"shorter than {MIN_STR_LENGTH} characters"
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        return f"fewer than {MIN_DISTINCT_CHARACTERS} distinct characters"
    return None


def is_weak_secret(value: str | bytes) -> bool:
    return secret_weakness(value) is not None
