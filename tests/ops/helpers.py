"""Reading what /metrics serves, and the request lifecycle calls the ops tests make."""

from __future__ import annotations

from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from ..http_helpers import Client, auth

__all__ = ["AT_A", "U2", "Samples", "act", "create", "scrape"]

AT_A = {"lat": 50.85, "lon": 5.70}
U2 = {
    "complaint": "dyspnoe",
    "answers": {"dys_ademt_niet": False, "dys_geen_zinnen": False, "dys_pijn_borst": False, "dys_copd_hartfalen": True},
}  # U2: hap_visit, seh, elv_hoog


class Samples:
    """One scrape: sample values by name and labels, and the families served."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.values: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
        self.families: dict[str, str] = {}
        self.labels: dict[str, set[str]] = {}
        for family in text_string_to_metric_families(text):
            self.families[family.name] = family.type
            for s in family.samples:
                self.values[(s.name, frozenset(s.labels.items()))] = s.value
                self.labels.setdefault(s.name, set()).update(s.labels)
                self.labels.setdefault(family.name, set()).update(s.labels)

    def get(self, name: str, **labels: str) -> float | None:
        """The value of one sample, or None when it is not served."""
        return self.values.get((name, frozenset(labels.items())))

    def sum(self, name: str, **labels: str) -> float:
        """The sum over every sample of ``name`` whose labels include ``labels``."""
        want = set(labels.items())
        return sum(v for (n, ls), v in self.values.items() if n == name and want <= ls)

    def series(self, name: str) -> list[dict[str, str]]:
        """The label sets of ``name``'s samples."""
        return [dict(ls) for (n, ls) in self.values if n == name]


async def scrape(client: Client) -> Samples:
    """GET /metrics and parse it."""
    resp = await client.get("/metrics")
    assert resp.status == 200
    return Samples(await resp.text())


async def create(client: Client, tok: str, **over: Any) -> dict[str, Any]:
    """POST a U2 request (or ``over`` it) and return the 201 body."""
    body: dict[str, Any] = {"patient_ref": "p-7f3a", "age": 84, "location": AT_A, **U2, **over}
    resp = await client.post("/api/v1/requests", json=body, headers=auth(tok))
    assert resp.status == 201, await resp.text()
    data: dict[str, Any] = await resp.json()
    return data


async def act(client: Client, tok: str, rid: str, action: str, body: Any = None, **headers: str) -> tuple[int, Any]:
    """POST a lifecycle action; its status and JSON body."""
    resp = await client.post(f"/api/v1/requests/{rid}/{action}", json=body, headers=auth(tok, **headers))
    return resp.status, await resp.json()
