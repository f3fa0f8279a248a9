"""At the JSON edge: every coded text of an answer gets its words in the reader's language.

A domain answer carries a message as ``{"code", "params"}`` under a key ending in ``_coded`` (one message, or a
list of them). :func:`localise` adds ``text`` to each, and sets the sibling without the suffix to the text (or the
list of texts): ``reasons_coded: [...]`` fills ``reasons``, ``detail_coded: {...}`` fills ``detail``, so clients that
read the plain field keep working and clients that want the code never parse words.
"""

from __future__ import annotations

from typing import Any

from capacity.messages import Message, message_of, param_json

from .catalogue import DEFAULT_LANGUAGE, Labels, catalogue, is_plain
from .language import current_labels, current_language

__all__ = ["SUFFIX", "as_stored", "coded", "localise", "text_of"]

SUFFIX = "_coded"


def text_of(doc: dict[str, Any], lang: str) -> str:
    """Add ``text`` to one ``{"code", "params"}`` object (and to nested messages) and return it."""
    text = catalogue().render(message_of(doc), lang, current_labels())
    doc["text"] = text
    for value in (doc.get("params") or {}).values():
        if isinstance(value, dict) and isinstance(value.get("code"), str):
            text_of(value, lang)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and isinstance(item.get("code"), str):
                    text_of(item, lang)
    return text


def localise(data: Any, lang: str | None = None) -> Any:
    """``data`` with every ``*_coded`` message rendered (in place) in ``lang`` (default: the request's)."""
    lang = lang or current_language()
    if isinstance(data, list):
        if data and not isinstance(data[0], dict | list):
            return data  # a list of numbers or ids (a JSON list is of one kind here): nothing to word
        for item in data:
            localise(item, lang)
    elif isinstance(data, dict):
        for key in list(data):
            value = data[key]
            if key.endswith(SUFFIX) and isinstance(value, dict) and isinstance(value.get("code"), str):
                data[key[: -len(SUFFIX)]] = text_of(value, lang)
            elif key.endswith(SUFFIX) and isinstance(value, list):
                data[key[: -len(SUFFIX)]] = [
                    text_of(v, lang) for v in value if isinstance(v, dict) and isinstance(v.get("code"), str)
                ]
            else:
                localise(value, lang)
    return data


def coded(message: Message, lang: str | None = None) -> dict[str, Any]:
    """``message`` as :func:`localise` makes it, from the message itself: code, params (nested messages alike), text.

    For answers built from messages at the edge (a dispatch lookup): no JSON round trip, no walk of the answer.
    A message of numbers alone is the same object each time its numbers recur: never change what this returns.
    """
    lang = lang or current_language()
    return _coded(message, lang, current_labels())


_LEAVES: dict[tuple[str, str, tuple[tuple[str, Any], ...]], dict[str, Any]] = {}
_MAX_LEAVES = 8192


def _coded(message: Message, lang: str, labels: Labels | None) -> dict[str, Any]:
    if is_plain(message):  # a leaf of numbers: the same object for the same numbers (never changed after)
        leaf_key = (lang, message.code, tuple(message.params.items()))
        leaf = _LEAVES.get(leaf_key)
        if leaf is None:
            if len(_LEAVES) >= _MAX_LEAVES:
                _LEAVES.clear()
            text = catalogue().render(message, lang, labels)
            leaf = _LEAVES[leaf_key] = {"code": message.code, "params": dict(message.params), "text": text}
        return leaf
    params: dict[str, Any] = {}
    ready: dict[str, str] = {}  # the nested messages' words, rendered once for them and for this message
    cat = catalogue()
    for key, value in message.params.items():
        if isinstance(value, Message):
            params[key] = nested = _coded(value, lang, labels)
            ready[key] = nested["text"]
        elif isinstance(value, tuple):
            params[key] = items = [_coded(m, lang, labels) for m in value]
            ready[key] = cat.list_text((item["text"] for item in items), lang)
        else:
            params[key] = param_json(value)
    return {"code": message.code, "params": params, "text": cat.render_with(message, lang, labels, ready)}


def as_stored(message: Message) -> dict[str, Any]:
    """A message as a record keeps it: code, params and the Dutch text (readable without the catalogue)."""
    doc = message.to_json()
    text_of(doc, DEFAULT_LANGUAGE)
    return doc
