"""The HTTP API through the real app factory and a real client: capacity, dispatch, requests, trajectories, Redis."""
