"""The capacity view, its one writer, and group commit."""
