"""Operations: backups and restores, the status of a deployment, instance heartbeats, the Grafana dashboard."""

from __future__ import annotations
