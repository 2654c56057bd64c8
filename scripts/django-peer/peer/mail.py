"""djoser's account mail, sent with plain Django mail.

djoser's own mail classes need django-templated-mail, which Debian does not package; these build
the same links (djoser's `uid` and `token`, its `*_URL` settings) and send them through Django's
EMAIL_BACKEND, which the peer points at a directory so tests can read the links.
"""
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from djoser import utils
from djoser.conf import settings


class _LinkEmail:
    subject = ""
    url_setting = ""

    def __init__(self, request, context):
        self.request = request
        self.user = context["user"]

    def send(self, to):
        uid = utils.encode_uid(self.user.pk)
        token = default_token_generator.make_token(self.user)
        path = getattr(settings, self.url_setting).format(uid=uid, token=token)
        link = f"{self.request.scheme}://{self.request.get_host()}/{path}"
        send_mail(self.subject, f"Follow this link: {link}\n", None, to)


class ActivationEmail(_LinkEmail):
    subject = "Activate your account"
    url_setting = "ACTIVATION_URL"


class PasswordResetEmail(_LinkEmail):
    subject = "Reset your password"
    url_setting = "PASSWORD_RESET_CONFIRM_URL"
