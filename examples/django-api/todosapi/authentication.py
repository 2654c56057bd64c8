"""simplejwt's stateless authentication, with one gap of simplejwt 5.2 closed.

PyJWT 2.6 raises TypeError ("Expecting a PEM-formatted key."), not an InvalidTokenError, when the
key a token's `kid` names is of another type than its `alg` says (an RSA key for ES256). That is
possible while Baton moves between algorithms and publishes a key of each type, and simplejwt 5.2
lets it escape as a 500. Such a token is forged or broken: it is refused like any other, with 401.
"""
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken


class BatonJWTAuthentication(JWTStatelessUserAuthentication):
    def get_validated_token(self, raw_token):
        try:
            return super().get_validated_token(raw_token)
        except TypeError as error:
            raise InvalidToken("The key this token names does not fit its algorithm.") from error
