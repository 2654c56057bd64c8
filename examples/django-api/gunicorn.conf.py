"""gunicorn settings of the example API; see start.sh."""
import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = 1
threads = 4
worker_class = "gthread"
accesslog = None
loglevel = "warning"
graceful_timeout = 2
