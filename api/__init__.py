"""The command line, the HTTP API and the web desk over the optimizer, the ledger and the audit."""

import time

LOADED = time.monotonic()
"""When this package began loading (monotonic clock): for the ``otgroups`` process, before its
heavy imports, so a command's ``--time-limit`` counts them too (``api.cli.main``)."""
