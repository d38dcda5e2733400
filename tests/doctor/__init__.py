"""Tests of the doctor: route discovery, call generation, the call plan and its load."""
