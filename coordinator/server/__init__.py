"""The HTTP server ``zcc serve`` runs: aiohttp with timeouts, connection caps, problem answers and a calm log.

Modules: ``runner`` (listen and serve until a signal), ``protocol`` (aiohttp's request handler with
header, keep-alive and send timeouts, and problem+json for requests its parser refuses), ``limits``
(connections per client address and in all), ``accept`` (a listening socket that answers 503 when
the process is out of file descriptors), ``answers`` (the raw problem answers), ``streams`` (SSE
stream slots), ``body`` (the request body deadline) and ``throttle`` (rate-limited log lines).
"""
