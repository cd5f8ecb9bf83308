"""bench/run's parts: the plan of workloads, the table, the checks."""
