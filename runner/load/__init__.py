"""Loading a cell: locust (standalone or distributed), the open-loop arrivals, the locustfiles."""
