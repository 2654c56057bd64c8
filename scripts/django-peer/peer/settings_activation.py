"""The peer with activation by mail (start it with DJANGO_PEER_SETTINGS=peer.settings_activation):
a new account is inactive, cannot sign in, and gets a link `verify-email?uid=...&token=...`."""
from .settings import *  # noqa: F401,F403
from .settings import DJOSER

DJOSER = {**DJOSER, "SEND_ACTIVATION_EMAIL": True}
