"""Request bodies against their JSON Schemas in the OpenAPI document: the edge takes exactly what the schema allows.

For every operation with a body, Hypothesis draws bodies from the document itself (Schemathesis'
strategies, in positive and negative mode) and from hand-made edge values, sends each through the
JSON parser and the edge validation the handler uses, and checks the verdict against the schema's
(jsonschema-rs, formats asserted): nothing the schema refuses is accepted, nothing it allows is refused.

Rules that depend on the region or the clock (known provider ids, a care type the provider offers,
available <= total, reported_at at most the clock skew ahead, a stop that ends within 14 days) are
checked after the edge and are the operations' documented 422s; they are tested in test_hardening.py
and the API tests, not here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from capacity.errors import InvalidInput
from coordinator.openapi import build_openapi
from coordinator.schemas import (
    CancelIn,
    ProviderStatusIn,
    RequestIn,
    ReserveIn,
    TrajectoryPatch,
    capacity_updates,
    parse_json,
    validate,
)

SPEC = build_openapi()
SCHEMA = schemathesis.openapi.from_dict(SPEC)

#: operationId -> (path, method, the edge validation its handler runs on the parsed body).
EDGES: dict[str, tuple[str, str, Callable[[Any], object]]] = {
    "postCapacity": ("/api/v1/capacity", "POST", capacity_updates),
    "createRequest": ("/api/v1/requests", "POST", lambda b: validate(RequestIn, b)),
    "reserveRequest": ("/api/v1/requests/{request_id}/reserve", "POST", lambda b: validate(ReserveIn, b)),
    "cancelRequest": ("/api/v1/requests/{request_id}/cancel", "POST", lambda b: validate(CancelIn, b)),
    "setProviderStatus": (
        "/api/v1/providers/{provider_id}/status",
        "POST",
        lambda b: validate(ProviderStatusIn, b),
    ),
    "patchTrajectory": ("/api/v1/trajectories/{patient_ref}", "PATCH", lambda b: validate(TrajectoryPatch, b)),
}

#: Values a hand-made mutation puts in place of a field: wrong types, bounds, lookalikes.
ODD_VALUES = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        -1,
        1,
        1.0,
        2.5,
        120,
        121,
        100_000,
        100_001,
        "",
        " ",
        "0",
        "1",
        "yes",
        "on",
        "x" * 64,
        "x" * 65,
        "x" * 301,
        "p-7f3a",
        "Jan Jansen",
        "111222333",
        "1234",
        "0123",
        "2026-11-23T14:00:00Z",
        "2026-11-23T14:00:00+01:00",
        "2026-11-23T14:00:00",
        "1999-12-31T23:59:59Z",
        "2026-02-30T10:00:00Z",
        "stop",
        "open",
        "gp",
        "startfase",
        [],
        [1],
        ["vvt-a"],
        {},
        {"x": 1},
    ]
)


def body_schema(operation_id: str) -> dict[str, Any]:
    """The operation's request body schema, with the document's components to resolve references."""
    path, method, _ = EDGES[operation_id]
    schema = SPEC["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]["schema"]
    return {**schema, "components": SPEC["components"]}


def example(operation_id: str) -> dict[str, Any]:
    """A valid body to mutate."""
    examples: dict[str, dict[str, Any]] = {
        "postCapacity": {
            "provider_id": "vvt-a",
            "care_type": "elv_hoog",
            "available": 1,
            "reported_at": "2026-11-23T14:00:00Z",
        },
        "createRequest": {
            "patient_ref": "p-1",
            "age": 80,
            "location": {"lat": 50.9, "lon": 5.7},
            "complaint": "dyspnoe",
        },
        "reserveRequest": {"provider_id": "vvt-a", "care_type": "elv_hoog"},
        "cancelRequest": {"reason": "patient thuis gebleven"},
        "setProviderStatus": {"status": "stop", "reason": "griep op de afdeling"},
        "patchTrajectory": {"phase": "startfase"},
    }
    return examples[operation_id]


@st.composite
def mutated(draw: st.DrawFn, operation_id: str) -> Any:
    """The example body with a few fields replaced, removed, added or nested deeper."""
    body = json.loads(json.dumps(example(operation_id)))
    for _ in range(draw(st.integers(1, 3))):
        target = body
        if isinstance(body.get("location"), dict) and draw(st.booleans()):
            target = body["location"]
        key = draw(st.sampled_from([*target, "lat", "lon", "postcode", "updates", "hints", "care_team", "extra"]))
        action = draw(st.sampled_from(["set", "set", "drop", "wrap"]))
        if action == "drop":
            target.pop(key, None)
        elif action == "wrap":
            target[key] = [dict(body)] if key == "updates" else {"home_first": draw(ODD_VALUES)}
        else:
            target[key] = draw(ODD_VALUES)
    return body


def drawn_from_the_document(operation_id: str) -> st.SearchStrategy[Any]:
    path, method, _ = EDGES[operation_id]
    operation = SCHEMA[path][method]
    return st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    ).map(lambda case: case.body)


def edge_accepts(operation_id: str, body: Any) -> bool:
    """Whether the edge takes the body as the handler reads it: JSON text, parsed, then validated."""
    try:
        EDGES[operation_id][2](parse_json(json.dumps(body).encode()))
    except InvalidInput:
        return False
    return True


def is_json(value: Any) -> bool:
    """A value the wire can carry as JSON text that jsonschema-rs reads (no bytes, no lone surrogates)."""
    try:
        json.dumps(value, allow_nan=False).encode("utf-8")
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError):
        return False
    return True


@pytest.mark.parametrize("operation_id", sorted(EDGES))
def test_the_edge_takes_exactly_what_the_schema_allows(operation_id: str) -> None:
    validator = jsonschema_rs.validator_for(body_schema(operation_id), validate_formats=True)
    seen = {True: 0, False: 0}

    @settings(
        max_examples=200,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.one_of(drawn_from_the_document(operation_id), mutated(operation_id)))
    def agree(body: Any) -> None:
        if not is_json(body):
            return
        allowed = validator.is_valid(body)
        seen[allowed] += 1
        assert edge_accepts(operation_id, body) == allowed, (
            f"{operation_id}: the schema {'allows' if allowed else 'refuses'} {body!r}"
        )

    agree()
    assert seen[True] >= 10 and seen[False] >= 10, seen  # both sides of the line were tried
