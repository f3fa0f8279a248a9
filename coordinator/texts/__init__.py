"""Words for people from one catalogue (Dutch by default, English on request), codes for machines."""

from __future__ import annotations

from .catalogue import DEFAULT_LANGUAGE, LANGUAGES, Catalogue, Labels, catalogue, moment_text
from .language import current_labels, current_language, negotiate, setup_language, use_language
from .localise import as_stored, localise, text_of

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "Catalogue",
    "Labels",
    "as_stored",
    "catalogue",
    "current_labels",
    "current_language",
    "localise",
    "moment_text",
    "negotiate",
    "setup_language",
    "text_of",
    "use_language",
]
