"""The dry run: the push's requests written to `build/outbox/YYYY-MM/` instead of sent, one
JSON file each (method, path and URL from the endpoint table, query, body), reads only
reaching Mailchimp, and only when there is a live API to read from.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from catalyst.files import replace_tree, staging
from catalyst.mailchimp.api import Mailchimp
from catalyst.mailchimp.keys import API_KEY_VARIABLE, REDACTED, scrub
from catalyst.mailchimp.requests import PENDING_ID, Request


class Outbox:
    """A dry run: every request is recorded in `folder` (one JSON file each, in order) and only
    reads reach Mailchimp, and only when there is a live API to read from."""

    dry_run = True

    def __init__(self, folder: Path, live: Mailchimp | None = None) -> None:
        self.folder = folder
        self.live = live
        self.recorded: list[tuple[Request, bool]] = []

    @property
    def calls(self) -> list[Request]:
        return self.live.calls if self.live else []

    def send(self, request: Request) -> Any:
        performed = self.live is not None and not request.writes and PENDING_ID not in request.path
        self.recorded.append((request, performed))
        return self.live.send(request) if performed else request.assume

    @property
    def blind(self) -> bool:
        """Without a live API nothing is read: the requests are those of a first push."""
        return self.live is None

    def finish(self) -> Path:
        """The requests recorded, written to the folder (see `write`)."""
        return self.write()

    def write(self) -> Path:
        """Replace the folder with this run's requests, whole: never a mix of two runs."""
        base = self.live.base_url if self.live else "https://<dc>.api.mailchimp.com/3.0"
        with staging(self.folder) as staged:
            for number, (request, performed) in enumerate(self.recorded, 1):
                slug = re.sub(r"[^a-z0-9]+", "-", request.path.lower()).strip("-")
                record = _record(request, base, performed)
                text = scrub(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
                (staged / f"{number:02d}-{request.method}-{slug}.json").write_text(
                    text, encoding="utf-8"
                )
            replace_tree(staged, self.folder)
        return self.folder


def _record(request: Request, base: str, performed: bool) -> dict[str, Any]:
    """One request as the outbox writes it: what the client would send, the key left out."""
    query = request.query_string()
    return {
        "method": request.method,
        "path": request.path,
        "url": base + request.path + (f"?{urlencode(query)}" if query else ""),
        "query": query,
        "headers": {
            "Authorization": f"Basic {REDACTED} (user and {API_KEY_VARIABLE})",
            "Content-Type": "application/json",
        },
        "body": request.body,
        "sent": performed,
    }
