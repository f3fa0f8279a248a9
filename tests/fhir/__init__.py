"""The FHIR R4B export of a trajectory record."""
