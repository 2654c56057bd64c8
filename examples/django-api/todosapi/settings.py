"""A Django REST Framework API whose settings make stock simplejwt accept Baton's tokens.

Environment: BATON_ISSUER (Baton's URL, its `iss`), BATON_AUDIENCE (the `aud` Baton issues for
this API), BATON_ALG (the algorithm Baton signs with: ES256 or RS256; simplejwt 5.2 has no
EdDSA), CORS_ORIGINS (comma-separated browser origins), DATA_DIR (the SQLite file), PORT.
"""
import os
from pathlib import Path

BATON_ISSUER = os.environ.get("BATON_ISSUER", "http://127.0.0.1:3000").rstrip("/")

DATA_DIR = Path(os.environ.get("DATA_DIR", Path(__file__).resolve().parent.parent / "data"))
# Signs nothing here (simplejwt only verifies, with Baton's public keys); Django wants one anyway.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-api-example-not-for-production")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
ROOT_URLCONF = "todosapi.urls"
WSGI_APPLICATION = "todosapi.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "corsheaders",
    "rest_framework",
    "todos",
]
MIDDLEWARE = [
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
]
CORS_ALLOWED_ORIGINS = [origin.strip() for origin in os.environ.get("CORS_ORIGINS", "").split(",") if origin.strip()]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DATA_DIR / "todos.sqlite3"),
        "OPTIONS": {"timeout": 20},
    }
}

REST_FRAMEWORK = {
    # Stateless: the user is the token's `sub`, no user table is read on each request.
    # simplejwt's JWTStatelessUserAuthentication, refusing with 401 the one bad token it lets through
    # as a 500 (todosapi/authentication.py).
    "DEFAULT_AUTHENTICATION_CLASSES": ("todosapi.authentication.BatonJWTAuthentication",),
    "DEFAULT_PERMISSION_CLASSES": ("rest_framework.permissions.IsAuthenticated",),
    "DEFAULT_RENDERER_CLASSES": ("rest_framework.renderers.JSONRenderer",),
    "DEFAULT_PARSER_CLASSES": ("rest_framework.parsers.JSONParser",),
    "UNAUTHENTICATED_USER": None,
}

SIMPLE_JWT = {
    # Baton signs ES256 by default; simplejwt checks the header's alg against this one.
    "ALGORITHM": os.environ.get("BATON_ALG", "ES256"),
    # PyJWKClient: keys by `kid`; an unknown kid refetches the set, so a rotated key verifies at once.
    "JWK_URL": f"{BATON_ISSUER}/.well-known/jwks.json",
    "ISSUER": BATON_ISSUER,
    "AUDIENCE": os.environ.get("BATON_AUDIENCE", "baton"),
    # Baton's user id is the standard `sub`, not simplejwt's own `user_id`.
    "USER_ID_CLAIM": "sub",
    # simplejwt's own tokens say token_type=access; Baton's say typ=at+jwt in the header instead.
    # Nothing else is signed with Baton's key and its refresh tokens are not JWTs, so there is no
    # other kind of token to confuse an access token with: the check is switched off, not faked.
    "TOKEN_TYPE_CLAIM": None,
    "JTI_CLAIM": "jti",
    # Seconds of clock skew tolerated between Baton's clock and this server's.
    "LEEWAY": 5,
    "AUTH_HEADER_TYPES": ("Bearer",),
}
