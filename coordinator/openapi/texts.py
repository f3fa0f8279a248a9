"""OpenAPI path of the message catalogue, and the schema of a coded text (code, params, text)."""

from __future__ import annotations

from .common import AUTH_ERRORS, Spec, json_response

__all__ = ["SCHEMAS", "paths"]

#: Beside every text a person reads: its stable code and parameters, so clients never parse words.
CODED_TEXT: Spec = {
    "type": "object",
    "required": ["code", "params", "text"],
    "description": "A text a person reads, with its stable catalogue code and parameters. A field `X_coded` "
    "carries the coded form of the plain text in its sibling `X` (a list for a list). The text is Dutch by "
    "default and English with `Accept-Language: en`; the answer says which in `Content-Language`.",
    "properties": {
        "code": {"type": "string", "examples": ["reason.free"]},
        "params": {"type": "object", "examples": [{"n": 3}]},
        "text": {"type": "string", "examples": ["3 plekken vrij"]},
    },
}

SCHEMAS: Spec = {
    "CodedText": CODED_TEXT,
    "Texts": {
        "type": "object",
        "required": ["language", "labels", "texts"],
        "properties": {
            "language": {"type": "string", "enum": ["nl", "en"]},
            "labels": {
                "type": "object",
                "description": "kind (status, event, care_type, provider, complaint, question, modifier, urgency, "
                "excluded, role, ...) -> id -> label",
                "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}},
            },
            "texts": {
                "type": "object",
                "description": "code -> template (str.format syntax, or plural forms by CLDR category)",
            },
        },
    },
}


def paths() -> Spec:
    """The catalogue's path."""
    return {
        "/api/v1/texts": {
            "get": {
                "operationId": "texts",
                "summary": "The message catalogue and data labels in the reader's language (any role)",
                "parameters": [
                    {
                        "name": "Accept-Language",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "examples": ["en", "nl"]},
                        "description": "nl (default) or en",
                    }
                ],
                "responses": {"200": json_response({"$ref": "#/components/schemas/Texts"}), **AUTH_ERRORS},
            }
        }
    }
