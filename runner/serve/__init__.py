"""Serving a cell: uvicorn (one shared socket or one per process), the app's database and
PostgreSQL, the work kind's calibration."""
