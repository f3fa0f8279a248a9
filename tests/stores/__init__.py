"""The store contract suite: every case runs against each backend (SQLite and a real redis-server)."""
