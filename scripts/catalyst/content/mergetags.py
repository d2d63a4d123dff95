"""Mailchimp's merge tags: the one list of the `*|TAG|*`s content may use.

Mailchimp fills these in per reader when it sends; any other `*|...|*` reaches the
reader as it is written, so `catalyst check` warns about it. The list holds
Mailchimp's standard tags (an audience's default fields, its system tags for links,
the audience and the campaign) and its functions and conditions, which take an
argument (`*|DATE:Y|*`, `*|TITLE:FNAME|*`, `*|IF:FNAME|*`). An audience with fields of
its own (a `*|SCHOOL|*`) adds their tags to AUDIENCE_FIELDS.
"""

from __future__ import annotations

import difflib
import re

# An audience's default fields (Audience > Settings > Audience fields and *|MERGE|* tags).
AUDIENCE_FIELDS = frozenset({"FNAME", "LNAME", "EMAIL", "ADDRESS", "PHONE", "BIRTHDAY"})

SYSTEM_TAGS = frozenset(
    {
        # Links every campaign may carry.
        "UNSUB", "UPDATE_PROFILE", "FORWARD", "ARCHIVE", "ARCHIVE_LINK_SHORT", "ABOUT_LIST",
        "LIST:SUBSCRIBE", "REWARDS", "REWARDS_TEXT", "MC_LANGUAGE", "MC_LANGUAGE_LABEL",
        # The audience and the account.
        "LIST:NAME", "LIST:COMPANY", "LIST:DESCRIPTION", "LIST:ADDRESS", "LIST:ADDRESSLINE",
        "LIST:ADDRESS_VCARD", "LIST:PHONE", "LIST:URL", "LIST:SUBSCRIBERS", "LIST:RECIPIENTS",
        "LIST:UID", "HTML:LIST_ADDRESS_HTML", "USER:COMPANY", "USER:ADDRESS", "USER:PHONE",
        "USER:URL",
        # The campaign.
        "MC:SUBJECT", "MC_PREVIEW_TEXT", "MC:DATE", "CURRENT_YEAR", "MC:TOC", "MC:TOC_TEXT",
        "CAMPAIGN_UID", "MC:SHARE", "MC:TRANSLATE",
        # The subscriber, beyond the audience's fields.
        "UNIQID", "MEMBER_RATING", "OPTIN_DATE", "OPTIN_IP",
        # Social profiles.
        "FACEBOOK:PROFILEURL", "TWITTER:PROFILEURL", "INSTAGRAM:PROFILEURL",
        # Conditions that take no argument.
        "ELSE:", "END:IF", "END:INTERESTED", "END:RANDOM", "RANDOM:",
    }
)

# Functions and conditions: the prefix, then an argument (a field, a format, a value).
FUNCTIONS = (
    "DATE:", "TITLE:", "UPPER:", "LOWER:", "HTML:", "TRANSLATE:", "IF:", "ELSEIF:", "IFNOT:",
    "INTERESTED:", "ELSEINTERESTED:", "POLL:RATING:", "SHARE:",
)

KNOWN = AUDIENCE_FIELDS | SYSTEM_TAGS

# Anything written like a merge tag, known or not (Mailchimp's own are upper case).
PATTERN = re.compile(r"\*\|([^|*\n]{1,80})\|\*")


def is_known(tag: str) -> bool:
    """Whether Mailchimp fills in `*|tag|*` (the text between the bars)."""
    if tag in KNOWN:
        return True
    return any(tag.startswith(prefix) and len(tag) > len(prefix) for prefix in FUNCTIONS)


def suggestion(tag: str) -> str | None:
    """The closest known tag; a reader's own fields first (FIRSTNAME is FNAME, not LIST:NAME)."""
    for known in (AUDIENCE_FIELDS, KNOWN):
        close = difflib.get_close_matches(tag.upper(), sorted(known), n=1, cutoff=0.6)
        if close:
            return close[0]
    return None
