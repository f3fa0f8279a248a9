"""Alerts by subscription: signed webhooks for stops, reopenings, thresholds, staleness and neighbours' SEH stops.

model.py     the events one can subscribe to and the checked input of a subscription
detector.py  finds the events, from the event log and from time passing (staleness, neighbours)
delivery.py  signs and delivers each event once across instances, retried with backoff, recorded
"""
