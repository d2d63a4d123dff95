"""How a sent campaign did: sends, opens, clicks, unsubscribes and its top links, read from
Mailchimp's report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from catalyst.mailchimp.api import Mailchimp
from catalyst.mailchimp.campaigns import GONE_OUT, campaign_title, find_campaign
from catalyst.mailchimp.keys import MailchimpError
from catalyst.mailchimp.requests import get_click_details, get_report
from catalyst.mailchimp.state import State
from catalyst.settings import Settings


@dataclass(frozen=True)
class ClickedLink:
    """One link of a campaign's report, with its clicks."""

    url: str
    clicks: int
    unique_clicks: int


@dataclass(frozen=True)
class Report:
    """How an issue's campaign did, from Mailchimp's report."""

    month: str
    title: str
    campaign_id: str
    send_time: str | None
    sends: int
    opens: int
    open_rate: float
    clicks: int
    click_rate: float
    unsubscribes: int
    top_links: tuple[ClickedLink, ...]

    def as_dict(self) -> dict:
        return asdict(self)


def report(month: str, settings: Settings, api: Mailchimp, *, top: int = 5) -> Report:
    """The report of the issue's campaign: sends, unique opens and clicks, unsubscribes, links."""
    title = campaign_title(settings, month)
    recorded = State.of(settings, persist=False).get(month).get("campaign_id")
    campaign = find_campaign(api, title, recorded).campaign
    if campaign is None:
        raise MailchimpError(f"Mailchimp has no campaign titled {title!r}: push it first")
    if campaign.status not in GONE_OUT:
        raise MailchimpError(
            f"{title!r} has not gone out (status {campaign.status}): no report until it does"
        )
    data = api.send(get_report(campaign.id)) or {}
    clicked = (api.send(get_click_details(campaign.id)) or {}).get("urls_clicked") or []
    clicked.sort(key=lambda link: link.get("total_clicks") or 0, reverse=True)
    opens, clicks = data.get("opens") or {}, data.get("clicks") or {}
    return Report(
        month=month,
        title=title,
        campaign_id=campaign.id,
        send_time=data.get("send_time") or None,
        sends=int(data.get("emails_sent") or 0),
        opens=int(opens.get("unique_opens") or 0),
        open_rate=float(opens.get("open_rate") or 0.0),
        clicks=int(clicks.get("unique_subscriber_clicks") or 0),
        click_rate=float(clicks.get("click_rate") or 0.0),
        unsubscribes=int(data.get("unsubscribed") or 0),
        top_links=tuple(
            ClickedLink(
                c.get("url", ""), int(c.get("total_clicks") or 0), int(c.get("unique_clicks") or 0)
            )
            for c in clicked[:top]
        ),
    )
