"""The peer with a user model that requires first and last name (peer/accounts): start it with
DJANGO_PEER_SETTINGS=peer.settings_named."""
from .settings import *  # noqa: F401,F403
from .settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "peer.accounts"]
AUTH_USER_MODEL = "accounts.User"
