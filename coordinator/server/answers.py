"""Problem answers written before or outside aiohttp's request cycle, and the words for refused requests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from http import HTTPStatus

from aiohttp.http_exceptions import BadHttpMessage, BadHttpMethod, HttpProcessingError, LineTooLong

__all__ = ["Answer", "describe_parse_error", "problem_body", "raw_problem"]

PROBLEM_TYPE = "application/problem+json"


@dataclass(frozen=True, slots=True)
class Answer:
    """What a refused request or connection is told: status, stable code and a detail a person can act on."""

    status: int
    code: str
    detail: str

    @property
    def title(self) -> str:
        """The status's reason phrase."""
        return HTTPStatus(self.status).phrase


def problem_body(answer: Answer) -> bytes:
    """The RFC 9457 body of ``answer`` (the same shape the app's problems have)."""
    doc = {
        "type": f"https://zcc.example/problems/{answer.code}",
        "title": answer.title,
        "status": answer.status,
        "detail": answer.detail,
    }
    return json.dumps(doc, ensure_ascii=False).encode()


def raw_problem(answer: Answer, *, retry_after: int | None = None) -> bytes:
    """A whole HTTP/1.1 response carrying ``answer``, for a connection that is closed after it."""
    body = problem_body(answer)
    head = [
        f"HTTP/1.1 {answer.status} {answer.title}",
        f"Content-Type: {PROBLEM_TYPE}",
        f"Content-Length: {len(body)}",
        "Cache-Control: no-store",
        "Connection: close",
    ]
    if retry_after is not None:
        head.append(f"Retry-After: {retry_after}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body


def _first_line(message: str) -> str:
    line = message.strip().splitlines()[0] if message.strip() else "malformed request"
    return line.rstrip(":. ")[:200]


def describe_parse_error(exc: BaseException | None, *, max_line: int, max_headers: int) -> Answer:
    """The answer to a request aiohttp's parser refused (an over-long line, too many headers, not HTTP)."""
    if isinstance(exc, LineTooLong):
        line = exc.args[0] if exc.args else b""
        text = bytes(line) if isinstance(line, bytes | bytearray) else str(line).encode()
        if text.startswith((b"/", b"http://", b"https://")):
            return Answer(
                414,
                "uri-too-long",
                f"the request line (method and URL) is longer than {max_line} bytes, the limit; "
                "shorten the URL or send the data in a request body",
            )
        return Answer(
            431,
            "header-too-large",
            f"a request header is longer than {max_line} bytes, the limit for one header line; "
            "send a shorter header (a cookie or token this large is usually a mistake of the client or a proxy)",
        )
    if isinstance(exc, BadHttpMethod) and "HTTPS" in exc.message:
        return Answer(400, "bad-request", "this port speaks plain HTTP; connect with http://, not https://")
    if isinstance(exc, BadHttpMessage) and "too many headers" in exc.message.lower():
        return Answer(
            431,
            "too-many-headers",
            f"the request has more than {max_headers} header fields, the limit; send fewer headers",
        )
    if isinstance(exc, HttpProcessingError):
        return Answer(
            400,
            "bad-request",
            f"the request is not valid HTTP/1.1 ({_first_line(exc.message)}); check the client or proxy that sent it",
        )
    return Answer(400, "bad-request", "the request is not valid HTTP/1.1; check the client or proxy that sent it")
