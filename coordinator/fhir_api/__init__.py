"""FHIR R4 interface at ``/fhir``: capacity as Location, HealthcareService and SANER MeasureReport, and its intake.

Modules
    :mod:`.codes` code systems and the code map of incoming reports (``config/interop/fhir_codes.yaml``);
    :mod:`.resources` Location, HealthcareService and MeasureReport from the region and the capacity view;
    :mod:`.capability` the CapabilityStatement (``GET /fhir/metadata``) of exactly what is served;
    :mod:`.search` the search parameters ``_id``, ``type`` and ``near``; :mod:`.intake` a posted
    MeasureReport turned into capacity reports; :mod:`.outcome` OperationOutcome errors (the
    ``/fhir`` twin of problem+json); :mod:`.checked` validation of every emitted resource.

FHIR version
    R4 (4.0.1), the version of the Dutch profiles. Resources are checked with the R4B models of
    ``fhir.resources`` 8 (its R4 models need pydantic 1; the resources used here are the same in
    R4 and R4B), and the tests check them against HL7's R4 JSON schema too.

Identity
    ``Location/<provider id>``, ``HealthcareService/<provider id>.<care type with - for _>`` (FHIR ids
    allow no ``_``), ``MeasureReport/<provider id>``; business identifiers in ``urn:zcc:<region>:provider``.
"""

from __future__ import annotations

from .capability import capability_statement
from .outcome import setup_fhir_errors

__all__ = ["capability_statement", "setup_fhir_errors"]
