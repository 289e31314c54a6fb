"""The project's URLs as `make run` (DEBUG on) mounts them: the tests run with DEBUG off."""

from config.urls import dev_urlpatterns, handler404, handler500, urlpatterns

urlpatterns = [*urlpatterns, *dev_urlpatterns]
__all__ = ["handler404", "handler500", "urlpatterns"]
