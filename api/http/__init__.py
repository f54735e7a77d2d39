"""The HTTP API (FastAPI): the small service VAs, directors, clinicians and analysts call."""
