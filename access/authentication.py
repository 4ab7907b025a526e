"""`Authorization: Bearer <token>` (or `Token <token>`) for partner readers."""

from rest_framework import authentication, exceptions

from access.services import token_authenticate


class PartnerTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Malformed Authorization header: expected 'Bearer <token>'."
            )
        token = token_authenticate(header[1])
        if token is None:
            raise exceptions.AuthenticationFailed("Unknown, expired or revoked token.")
        return (token, token)

    def authenticate_header(self, request):
        return 'Bearer realm="casebook"'
