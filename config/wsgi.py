import os

from django.core.wsgi import get_wsgi_application

from config.checks import settings_load_or_exit

# A server runs production unless told otherwise; manage.py and `make run` default to local.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.production")

# A refused configuration is printed as one message and the worker exits 3,
# which gunicorn takes as a boot error: it stops instead of restarting workers.
settings_load_or_exit()

application = get_wsgi_application()
