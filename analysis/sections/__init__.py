"""The report's sections, one package each; the contract they keep is in core/section.py and
their order in analysis/report.py:SECTIONS."""
