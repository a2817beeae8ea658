"""Benchmarks of scimdir under Entra-shaped load, against a floor and a peer (docs/performance.md).

``python -m bench.run`` is the entry point; ``docs/performance.md`` describes the method.
"""
