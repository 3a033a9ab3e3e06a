"""Benchmarks for the TRD guide (see bench/run.py and bench/glossary.py)."""
