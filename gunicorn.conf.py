"""gunicorn settings for production and `make serve` / `make bench` (override by env)."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Without Redis the page cache lives in each process's memory, and a write seen
# by one worker must not leave another serving the old page: one process with
# threads then. With a shared cache (REDIS_URL), several sync workers.
_shared_cache = bool(os.environ.get("REDIS_URL"))
workers = int(os.environ.get("GUNICORN_WORKERS", "2" if _shared_cache else "1"))
threads = int(os.environ.get("GUNICORN_THREADS", "1" if _shared_cache else "4"))
worker_class = "sync" if threads == 1 else "gthread"
# Load Django once in the master; workers fork with the code already imported.
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak can never grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "warning")
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
