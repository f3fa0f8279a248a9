"""The ``Patient``: only an identifier with the pseudonymous ``patient_ref``.

No name, BSN, birth date, address or telecom: zcc never holds them (nl-core-Patient
is built around them, so the Patient claims no nl-core profile).
"""

from __future__ import annotations

from .builder import Builder
from .datatypes import JSONDict

__all__ = ["patient"]


def patient(b: Builder) -> JSONDict:
    """Add the Patient and return the reference to it."""
    # Only the pseudonym: nothing that identifies the person (no name, BSN, birth date, address).
    return b.add(
        "Patient",
        b.patient_ref,
        {"identifier": [{"system": b.region_system("patient-ref"), "value": b.patient_ref}]},
    )
