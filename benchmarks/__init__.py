"""`python -m benchmarks`: is the runner cheap, are the instruments light, are the numbers
faithful? Items 1-8, measured side by side in one run (see BENCHMARKS.md).

Each measurement module exposes a function returning numbers; `benchmarks.figures` turns them
into figures against their targets (pure); `benchmarks.cli` is the thin shell that runs,
prints and writes.
"""
