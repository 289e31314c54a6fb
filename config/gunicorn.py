"""gunicorn, the web service's server: `gunicorn --config config/gunicorn.py config.wsgi:application`.

Read by gunicorn before Django starts.
"""

from config.env import env

# Where gunicorn listens: host:port, or unix:/path for a proxy on the same
# machine; several comma-separated. Every interface by default, as inside the
# container (compose decides what the host publishes); a server without Docker
# behind a local proxy binds 127.0.0.1 or a socket. The proxy terminates TLS.
bind = env.list("WEB_BIND", default=["0.0.0.0:8000"])
# Processes; gunicorn's own convention for the variable. Each handles one
# request at a time, so a slow health check or upload holds one of them.
workers = env.int("WEB_CONCURRENCY", default=2)
# A request running longer than this is killed and its process restarted.
timeout = env.int("GUNICORN_TIMEOUT", default=30)
# Let running requests finish on a deploy (SIGTERM) before exiting.
graceful_timeout = 30
# gunicorn's control socket lives under $HOME, which the image's user cannot
# write; nothing here uses it (deploys restart the container).
control_socket_disable = True
# Access and error logs on stdout, like every other process.
accesslog = "-"
errorlog = "-"

# In JSON, as the Django logs are in production (LOG_FORMAT, default json).
if env.str("LOG_FORMAT", default="json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "styleguide_project.core.logs.JsonFormatter"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"},
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }
