"""Routes analysed on first use instead of where they are declared, so a start pays only for the routes
it serves.

FastAPI analyses a route (its dependencies, body and response models) when a router declares it, and
again, with the app's settings (responses, dependency overrides), the first time an included router is
matched (fastapi.routing._IncludedRouter builds each route's effective copy then). The first analysis is
only read by the second, so a LazyAPIRoute keeps its arguments and runs APIRoute's own __init__ on the
first attribute the app asks for: every route ends up exactly as FastAPI makes it, and a cold start
answering /api/health analyses the few routes matched before it instead of all of them
(tests/api/test_lazy_route.py checks every route still builds).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute, get_name

_BUILDING = threading.Lock()


class LazyAPIRoute(APIRoute):
    """An APIRoute built on its first use; only `path` and `name` (read when a router is included) are
    set at once, as APIRoute would set them."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        self.__dict__["_deferred"] = (path, endpoint, options)
        self.path = path
        self.name = get_name(endpoint) if options.get("name") is None else options["name"]

    def __getattr__(self, name: str) -> Any:
        """Called only for an attribute not set yet: builds the route once, then answers from it."""
        with _BUILDING:
            deferred = self.__dict__.pop("_deferred", None)
            if deferred is not None:
                path, endpoint, options = deferred
                APIRoute.__init__(self, path, endpoint, **options)
        if deferred is None and name not in self.__dict__:
            raise AttributeError(name)
        return getattr(self, name)

    @property
    def is_built(self) -> bool:
        return "_deferred" not in self.__dict__
