"""gunicorn's settings for csadmin. gunicorn reads this file from the directory it starts in;
`scripts/serve` and the Docker image also name it with `-c`.

Threaded workers (gthread): a sync worker that spends longer than `timeout` on one response is
killed by gunicorn's arbiter, which cut off export streams of a few hundred thousand services
(or any stream to a slow reader) after 30 s. A gthread worker keeps reporting while its threads
serve, so a stream lasts as long as it needs; its threads also keep a worker answering while
one of them streams or waits on the database. Workers: one per core (the command line's
`--workers`, or WEB_CONCURRENCY).
"""

import os

worker_class = "gthread"
# Two threads: one more request served while another streams or waits on the database; more
# threads measured no faster here (the GIL) and hold more database connections.
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# With psycopg's pool (CSADMIN_DB_POOL=1, off by default: see the README's production section),
# a worker's threads share one pool of one connection per thread.
os.environ.setdefault("CSADMIN_DB_POOL_SIZE", str(threads))

# gunicorn's control socket (gunicornc) defaults to one path per user ($XDG_RUNTIME_DIR or
# ~/.gunicorn/gunicorn.ctl), which two instances on one host would share: off, unless
# GUNICORN_CONTROL_SOCKET names a path of this instance's own (e.g. var/gunicorn-8000.ctl).
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
if not control_socket:
    del control_socket  # gunicorn's validator refuses an empty path
