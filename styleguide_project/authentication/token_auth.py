"""API tokens: knox's, sent as `Authorization: Bearer <token>` or as knox's own `Authorization: Token <token>`.

OpenAPI 3.0 can declare a token in the Authorization header with a custom
prefix only as prose (an `apiKey` whose description names the prefix), and
generated clients then send `Bearer`, the prefix of RFC 6750 and of OpenAPI's
`http` `bearer` scheme. Accepting that prefix too lets the schema declare the
scheme generators understand, while every existing client keeps working.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox import auth
from knox.settings import knox_settings
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header
from rest_framework.request import Request

BEARER = "Bearer"


class TokenAuthentication(auth.TokenAuthentication):
    """knox's token authentication under either prefix, `Bearer` or knox's `AUTH_HEADER_PREFIX` (`Token`).

    The header is read as knox reads it (the same checks, the same messages);
    only the set of prefixes differs. The challenge sent with a 401
    (`WWW-Authenticate`) stays knox's prefix.
    """

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = get_authorization_header(request).split()
        prefixes = {BEARER.lower(), str(knox_settings.AUTH_HEADER_PREFIX).lower()}
        if not header or header[0].decode(errors="replace").lower() not in prefixes:
            # Another scheme (Basic, a session's request without the header): not ours to refuse.
            return None
        if len(header) == 1:
            raise exceptions.AuthenticationFailed(_("Invalid token header. No credentials provided."))
        if len(header) > 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header. Token string should not contain spaces."))
        user_and_token: tuple[Any, Any] = self.authenticate_credentials(header[1])
        return user_and_token


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """The schema's name and definition of `TokenAuthentication`: an HTTP bearer token."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The token from POST /api/auth/login/, sent as `Authorization: Bearer <token>` "
            f"(`Authorization: {knox_settings.AUTH_HEADER_PREFIX} <token>` works too).",
        }
