"""Benchmarks for the TRD guide: README, "Performance and benchmarks", says what each script measures."""
