"""Django REST framework and its OpenAPI schema."""

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous API call then gets 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "styleguide_project.core.exception_handlers.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "styleguide_project.api.schemas.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "styleguide_project API",
    "DESCRIPTION": "Users, onboarding and emails; every email leaves from a Celery worker.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from drf-spectacular-sidecar's static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # One name per choice set that appears under a `status` field.
    "ENUM_NAME_OVERRIDES": {
        "EmailStatusEnum": "styleguide_project.emails.models.Email.Status",
        "EmailSendableStatusEnum": [("READY", "READY"), ("FAILED", "FAILED")],
    },
}
