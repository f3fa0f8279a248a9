"""FHIR R4 export of a patient's trajectory record and its acute requests, as a pure function over plain dicts.

:func:`trajectory_bundle` turns one trajectory record (the zorgtraject of a frail
elderly patient), the acute requests of that patient and two lookup tables into one
FHIR ``Bundle`` (JSON as dicts). No I/O, no clock, no randomness: the same input
gives the same bundle, byte for byte once serialised with sorted keys.

Modules
    :mod:`.export` the entry point (the one place the trajectory record is read);
    :mod:`.builder` identity, references and the Bundle; :mod:`.codes` code systems,
    status mappings and Dutch labels; :mod:`.datatypes` Period, ContactPoint and
    instants; one module per resource, whose docstring gives its mapping:
    :mod:`.patient` (``Patient``), :mod:`.episode` (``EpisodeOfCare``, the
    zorgtraject), :mod:`.care_team` (``CareTeam``, ``PractitionerRole``,
    ``Practitioner``), :mod:`.organization` (``Organization``), :mod:`.care_plan`
    (``CarePlan``, the acute-care hints), :mod:`.service_request` (``ServiceRequest``
    per request, the one place a request record is read), :mod:`.task` (``Task`` per
    hold and per placement, a ReferralTask) and :mod:`.encounter` (``Encounter`` per
    placement).

FHIR version
    FHIR R4 (4.0.1), the version of the Dutch nl-core/zib2020 profiles and the
    Nictiz Acute Zorg IG. The tests validate every bundle with the R4B (4.3.0)
    models of ``fhir.resources`` 8.x (``fhir.resources.R4B``): that library's R4
    models (its 6.1 line) need pydantic 1, and zcc is on pydantic 2. R4B changed
    the medication-definition, evidence and subscription resources; the resources
    and elements emitted here are the same in R4 and R4B, and nothing here uses an
    element R4B added (the bundles were also checked once against the 4.0.1
    models of fhir.resources 6.1 in a separate environment).

Bundle type: ``collection``
    The export is a snapshot of a set of resources for a reader to keep or show,
    not the result of a search (``searchset`` implies ``search.mode``, a query and
    paging), not a ``document`` (that needs a Composition first and attestation)
    and not a ``transaction`` (that would tell a receiving server what to write).
    ``Bundle.timestamp`` is the record's ``updated_at``, so the export is stable.

Identity
    Every entry has ``fullUrl = urn:uuid:<uuid5>``, derived from ``base_url``,
    ``region_id``, the resource type and zcc's own id of the thing (patient_ref,
    request id, hold id, provider id, AGB code), and ``Resource.id`` is that uuid.
    Every literal reference is such a ``urn:uuid`` and resolves to an entry of the
    same bundle. Business identifiers use systems under ``base_url``:
    ``urn:zcc:<region>:patient-ref`` and so on (``/`` instead of ``:`` when
    ``base_url`` is an http(s) URL).

Alignment with Nictiz
    Aligned with the Nictiz Acute Zorg IG (nictiz.fhir.nl.r4.acutezorg): the
    referral is a ``ServiceRequest`` with ``intent`` order, the sending party as
    ``requester`` and the receiving provider as ``performer``, ``reasonCode`` for
    early triage; references to health professionals point to the PractitionerRole
    (which points to the Practitioner) and provider organisations are referenced as
    ``Organization`` directly, not through a Location. The Acute Zorg IG has no
    Task yet; the Task follows its ELZ sibling ``hg-ReferralTask``
    (nictiz.fhir.nl.r4.elz): ``intent`` order, ``code`` SNOMED 3457005 *verwijzen
    van patiënt*, ``focus`` -> the ServiceRequest, ``for``, ``requester``,
    ``owner`` -> an Organization, plus ``basedOn`` as the Acute Zorg workflow page
    sketches. It carries ``meta.tag`` ``ReferralTask`` rather than ``meta.profile``:
    zcc does not claim conformance to that beta profile. ``Encounter.class`` uses
    v3 ActEncounterCode like nl-core-Encounter; ``EpisodeOfCare`` status and period
    follow nl-core's zib ZorgEpisode guidance; AGB codes use the fhir.nl naming
    system.

    zcc's own: the export bundle as a whole (the Acute Zorg IG pushes one referral
    as a transaction), the Patient with only a pseudonym (nl-core-Patient is built
    around the BSN, name and birth date zcc never holds), the CarePlan hints, the
    hold-to-Task status mapping and its business statuses, the CareTeam, and every
    ``urn:zcc`` code and identifier system. No resource claims an nl-core or Acute
    Zorg profile in ``meta.profile``.

Left out: the record's event list (an audit trail: Provenance/AuditEvent would carry
it), earlier holds of a request that were released and replaced (only the current
hold and the placement are on the request), the triage staff member behind a request
(the ZCC organisation is the requester) and national codes for organisation types
and care-team roles (text and zcc codes only).

A record with ``hints.sharing_objection`` exports all the same: who may read it is
decided by the caller. The bundle then carries the security label *restricted*
(v3 Confidentiality R) and the CarePlan says so in a note.
"""

from __future__ import annotations

from .codes import ENCOUNTER_CLASS, EPISODE_STATUS, HOLD_TASK_STATUS, PRIORITY, REQUEST_STATUS, encounter_class
from .export import trajectory_bundle

__all__ = [
    "ENCOUNTER_CLASS",
    "EPISODE_STATUS",
    "HOLD_TASK_STATUS",
    "PRIORITY",
    "REQUEST_STATUS",
    "encounter_class",
    "trajectory_bundle",
]
