"""`lsctl bench`: one module per measurement (size, cold_start, latency, response_bytes,
throughput), the circuits they use (circuits), and the report writer (report)."""
