"""EDXL-HAVE 2.0 (OASIS Hospital AVailability Exchange): hospitals' status and beds in and out of zcc.

Modules
    :mod:`.codes` the namespace, the code lists zcc reads and writes, and the bed type -> care type
    map (``config/interop/have_beds.yaml``); :mod:`.parse` a document read safely (defusedxml: no
    DTD, no entities, no external references) into reports, each value located by its element's
    path; :mod:`.build` the region's hospitals as a document.

What zcc reads of a ``Hospital``
    ``Organization``: the hospital, by an identifier element (``OrganizationID``, ``OrganisationID``,
    ``IdentifierElement``) holding zcc's provider id, else a name element (``OrganizationName``,
    ``OrganisationName``, ``NameElement``) holding the provider's name; ``EmergencyDepartmentStatus/
    EMSTraffic/EMSTrafficStatus`` (``Normal``, ``Advisory``, ``Closed``, ``NotApplicable``) with
    ``EMSTrafficReason``: Closed stops the SEH with the reason, Normal and Advisory open it,
    NotApplicable leaves it; ``HospitalBedCapacityStatus/BedCapacity`` with ``BedType`` and
    ``Capacity/AvailableCount`` (and ``BaselineCount`` as the total): a capacity report of the mapped
    care type; ``LastUpdateTime``: when it was counted (``reported_at``). Everything else is left.
"""

from __future__ import annotations

from .build import have_document
from .codes import HAVE_NS, load_bed_map
from .parse import HaveDocument, parse_have

__all__ = ["HAVE_NS", "HaveDocument", "have_document", "load_bed_map", "parse_have"]
