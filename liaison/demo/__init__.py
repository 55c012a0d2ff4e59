"""Deterministic demo data at Lüliang's scale (``manage.py seed_demo``).

``liaison.demo.seed.seed_demo`` is the entry point; ``generate`` builds one city tree in
memory with the published figures hit exactly by construction (``alloc.exact_split``).
"""
