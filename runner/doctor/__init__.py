"""The doctor: find a user's routes, call each alone and all in an even mix, name the blocker.

This package holds route discovery and the call plan (`discover`, `plan`); the doctor's
locustfile (`runner/load/locustfiles/doctor.py`) sends the plan's calls.
"""
