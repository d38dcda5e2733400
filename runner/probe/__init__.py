"""Probing a cell: the resource sampler and py-spy against the server's workers."""
