"""gunicorn settings of the Django peer; see start.sh."""
import os
import signal
import sys
import threading
import time

bind = f"127.0.0.1:{os.environ['DJANGO_PEER_PORT']}"
workers = int(os.environ.get("DJANGO_PEER_WORKERS", "1"))
threads = int(os.environ.get("DJANGO_PEER_THREADS", "4"))
worker_class = "gthread"
accesslog = None
loglevel = "warning"
graceful_timeout = 2


def when_ready(server):
    print(f"django-peer ready http://{bind}", flush=True)
    # 0 or 1: started detached on purpose (nohup, a service manager); nothing to watch.
    parent = int(os.environ.get("DJANGO_PEER_PARENT_PID", "0"))

    def watch_parent():
        # Stop by ourselves when whoever started start.sh is gone: no orphaned test servers.
        while True:
            time.sleep(1)
            alive = True
            try:
                if parent > 1:
                    os.kill(parent, 0)
            except OSError:
                alive = False
            if not alive:
                os.kill(os.getpid(), signal.SIGTERM)
                return

    threading.Thread(target=watch_parent, daemon=True).start()
    sys.stdout.flush()
