"""Password hasher at OWASP's PBKDF2-HMAC-SHA256 recommendation (Django 3.2 defaults to 260,000)."""
from django.contrib.auth.hashers import PBKDF2PasswordHasher


class OwaspPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 600_000
