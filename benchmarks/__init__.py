"""Throughput and footprint benchmarks of the delivery engine (``./dev bench``)."""
