"""Runs of dependencies' own test suites against the project's extensions of them."""
