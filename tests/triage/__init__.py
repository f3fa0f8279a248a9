"""The triage protocol and engine: the shipped protocol, per-complaint answers, modifiers, checks, properties."""
