"""Gunicorn settings for the benchmark: stop by ourselves when the harness that started us is gone."""
import os
import signal
import threading
import time

workers = 2  # one per core, the usual starting point on a 2-core box


def when_ready(server):
    parent = int(os.environ.get("BENCH_PARENT_PID", "0"))
    if not parent:
        return

    def watch():
        while True:
            time.sleep(1)
            try:
                os.kill(parent, 0)
            except OSError:
                os.kill(os.getpid(), signal.SIGTERM)
                return

    threading.Thread(target=watch, daemon=True).start()
