"""Test support: real services, processes and an SMTP sink for the integration tests.

Only tests, the root conftest.py and the benchmarks import this package; the
application never does (an import-graph test holds it to that).
"""
