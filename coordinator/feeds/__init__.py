"""Polled feeds: zcc fetches a provider's capacity from the provider's own system (issue 16).

formats.py  the parser of each feed format (zcc-json, csv here; FHIR and EDXL-HAVE plug in)
poller.py   one task per feed: lease, conditional GET, parse, the capacity service's rules, backoff
"""
