import os

from django.core.wsgi import get_wsgi_application

# A server runs production unless told otherwise; manage.py and `make run` default to local.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.production")

application = get_wsgi_application()
