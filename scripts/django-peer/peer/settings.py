"""A minimal djoser + simplejwt deployment: rotating refresh tokens, blacklisted after rotation."""
import os
from datetime import timedelta

DATA_DIR = os.environ["DJANGO_PEER_DATA_DIR"]
SECRET_KEY = os.environ.get("DJANGO_PEER_SECRET", "django-peer-test-only-secret-not-for-production")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
ROOT_URLCONF = "peer.urls"
WSGI_APPLICATION = "peer.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "djoser",
]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(DATA_DIR, "db.sqlite3"),
        # Concurrent refreshes write the blacklist; wait for the lock instead of failing.
        "OPTIONS": {"timeout": 20},
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ("rest_framework_simplejwt.authentication.JWTAuthentication",),
    "DEFAULT_PERMISSION_CLASSES": ("rest_framework.permissions.IsAuthenticated",),
    "DEFAULT_RENDERER_CLASSES": ("rest_framework.renderers.JSONRenderer",),
    "DEFAULT_PARSER_CLASSES": ("rest_framework.parsers.JSONParser",),
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=int(os.environ.get("DJANGO_PEER_ACCESS_SECONDS", "300"))),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=30),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "AUTH_HEADER_TYPES": ("Bearer",),
}

# Account mail goes to files under the data directory, where tests read the links (uid + token).
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.path.join(DATA_DIR, "mail")

DJOSER = {
    "USER_CREATE_PASSWORD_RETYPE": False,
    # JWT only: no DRF authtoken table, which djoser's logout on account deletion would clear.
    "TOKEN_MODEL": None,
    "PASSWORD_RESET_CONFIRM_URL": "reset-password?uid={uid}&token={token}",
    "ACTIVATION_URL": "verify-email?uid={uid}&token={token}",
    # Accounts are active at once here (tests register and sign in); see peer.settings_activation.
    "SEND_ACTIVATION_EMAIL": False,
    "EMAIL": {
        "activation": "peer.mail.ActivationEmail",
        "password_reset": "peer.mail.PasswordResetEmail",
    },
}
