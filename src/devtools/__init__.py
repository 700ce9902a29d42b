"""Tools for developers: realistic sample files for the demo, tests and benchmarks."""
