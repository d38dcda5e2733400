"""Planning a sweep: the config schema, validation into a typed cell spec, the sweep's jobs."""
