"""Caches in the coordinator: the rendered board and resolved tokens."""
