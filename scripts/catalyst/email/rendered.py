"""What a finished email is, and the constants its parts share (the lowest module of
catalyst.email: every other one may import it).
"""

from __future__ import annotations

import dataclasses
import re

from catalyst.email import markdown

LANG = "en"


COLUMN = 600  # px: the email's single column


GUTTER = 24  # px: left and right padding of every cell


CONTENT_WIDTH = COLUMN - 2 * GUTTER


TEXT_WIDTH = 78  # columns of the plain-text part


MERGE_TAG = re.compile(markdown.MERGE_TAG)


TEMPLATE_DIR = "email"


@dataclasses.dataclass(frozen=True)
class RenderedEmail:
    """One issue's finished email: the HTML (with Mailchimp merge tags) and the text part."""

    month: str
    html: str
    text: str
    subject: str
    preview_text: str
    # (image as written, prepared file name, bytes) of each local image: see email.images.
    images: tuple = ()
