"""Benchmarks of the mock beside the real LangGraph Agent Server and Prism: `python -m bench`.

See bench/README.md for the workloads, the targets and how to read the report.
"""
