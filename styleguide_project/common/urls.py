"""common serves no URL of its own."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
