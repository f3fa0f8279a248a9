"""The triage board page in headless Chromium against the real service."""
