"""A WeasyPrint URL fetcher that reads only ``data:`` URIs and files inside allowed folders.

Templates, client names and comments must never make the renderer reach the network,
another local file (``/etc/passwd``), a device (``/dev/urandom`` hangs a render) or
follow a redirect. Everything else is refused; WeasyPrint then skips the resource.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from weasyprint import URLFetcher
from weasyprint.urls import URLFetcherResponse

from cs_reports.reports.render import MAX_RESOURCE_BYTES

__all__ = ["MAX_RESOURCE_BYTES", "SafeFetcher"]


class SafeFetcher(URLFetcher):  # type: ignore[misc]
    """Fetch ``data:`` URIs, and regular files under ``roots`` (symlinks resolved) up to a size cap."""

    def __init__(self, roots: Iterable[str | os.PathLike[str]], **kwargs: Any) -> None:
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False, timeout=5, **kwargs)
        self.roots = tuple(Path(r).resolve() for r in roots)
        self.refused: list[str] = []

    def allowed_path(self, url: str) -> Path | None:
        """The local file ``url`` points to, if it is a regular file inside a root."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return None
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            return None
        try:
            st = path.stat()
        except OSError:
            return None
        import stat

        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_RESOURCE_BYTES:
            return None
        return path

    def fetch(self, url: str, headers: Any = None) -> Any:
        """Return the resource or raise ``ValueError`` (WeasyPrint then skips it)."""
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = self.allowed_path(url)
        if path is None:
            self.refused.append(url)
            raise ValueError(f"cs-reports refuses to load {url!r}: only files inside the template folders are allowed")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": mime})
