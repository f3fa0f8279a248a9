"""The forecast of free places (GET /api/v1/forecast)."""
