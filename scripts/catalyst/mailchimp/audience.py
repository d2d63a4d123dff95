"""Who a campaign goes to: the audience (`audience_id`, checked in Mailchimp) and the saved
segment within it (`segment_id`, or the id of the `tag`: a tag is a static segment).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from catalyst.mailchimp.api import Api
from catalyst.mailchimp.keys import MailchimpError
from catalyst.mailchimp.requests import get_list, list_tags
from catalyst.settings import Settings


class Audience:
    """The campaign's recipients as the settings name them, read from Mailchimp once."""

    def __init__(self, settings: Settings, api: Api, step: Callable[[str], None]) -> None:
        self.settings = settings
        self.api = api
        self.step = step
        self.segment: int | str | None = None

    def check(self) -> None:
        """Say the audience's name and size; an audience_id Mailchimp does not know is an
        error naming the setting."""
        audience_id = self.settings.audience_id
        try:
            audience = self.api.send(get_list(audience_id)) or {}
        except MailchimpError as error:
            if error.status != 404:
                raise
            raise MailchimpError(
                f"mkdocs.yml: audience_id {audience_id!r}: this Mailchimp account has no "
                "audience with that id (Audience > Settings > Audience name and defaults "
                "shows it)",
                status=404,
            ) from None
        if audience.get("name"):
            members = (audience.get("stats") or {}).get("member_count")
            count = f", {members:,} contacts" if isinstance(members, int) else ""
            self.step(f"audience: {audience['name']}{count}")

    def recipients(self) -> dict:
        """The campaign's `recipients`, as Mailchimp takes them."""
        recipients: dict[str, Any] = {"list_id": self.settings.audience_id}
        segment = self.segment_id()
        if segment is not None:
            recipients["segment_opts"] = {"saved_segment_id": segment}
        return recipients

    def segment_id(self) -> int | str | None:
        """The saved segment to send to: segment_id, or the tag's id (a tag is a static segment)."""
        settings = self.settings
        if settings.segment_id is not None:
            return settings.segment_id
        if not settings.tag or self.segment is not None:
            return self.segment
        tag = settings.tag
        tags = (self.api.send(list_tags(settings.audience_id)) or {}).get("segments") or []
        found = [t["id"] for t in tags if t.get("name") == tag]
        if found:
            self.segment = found[0]
        elif self.api.blind:
            self.segment = f"<id of tag {tag!r}>"
        else:
            names = ", ".join(sorted(t.get("name", "") for t in tags)) or "none"
            raise MailchimpError(
                f"mkdocs.yml: tag {tag!r}: audience {settings.audience_id} has no such tag "
                f"(its tags: {names})"
            )
        return self.segment
