"""DRF's renderers: JSON, and the browsable API for a browser, under the Content-Security-Policy."""

from collections.abc import Mapping
from typing import Any

from rest_framework import renderers


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's browsable API without its syntax colours.

    DRF writes them as an inline `<style>` element, which the site's
    Content-Security-Policy refuses (config/settings/security.py); the page
    reads the same without them.
    """

    def get_context(
        self, data: Any, accepted_media_type: str | None, renderer_context: Mapping[str, Any]
    ) -> dict[str, Any]:
        context = super().get_context(data, accepted_media_type, renderer_context)
        context["code_style"] = None
        return context
