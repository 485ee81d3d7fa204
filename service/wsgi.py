"""The WSGI entry point for gunicorn: `gunicorn 'pnet_cds.wsgi:app'` (what `pnet-cds serve` runs).

Besides building the app, it tunes Python's garbage collector for this workload: a hook request decodes
up to millions of small JSON objects, and with the default thresholds the collector repeatedly rescans
them (measured: a 6.7 MB request decoded in 60 ms, but 300 ms on every other call). Start-up objects are
frozen out of the collector's view and the first-generation threshold is raised; request objects are
freed by reference counting as before.
"""

from __future__ import annotations

from . import create_app, tune_gc

app = create_app()
tune_gc()
