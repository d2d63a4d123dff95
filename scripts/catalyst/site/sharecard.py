"""Share images for posts: the picture a shared link shows, one per post, drawn with Pillow.

Owns choosing a post's share image (its own `image`, else the first image in its Markdown,
else one generated from its title in Catalyst's style: the navy card, the mark, the title
in the serif that ships with the package, fonts/), drawing the generated ones (kept in
`build/share-images/`, redrawn only when the title or the font changes) and publishing them
to `site/assets/share/`. One title gives the same bytes on any machine.
"""

from __future__ import annotations

import functools
import hashlib
import io
import posixpath
import re
from pathlib import Path

from catalyst.files import write_atomic  # the one atomic writer
from catalyst.settings import Settings

PUBLIC_DIR = "assets/share"
STORE_DIR = "share-images"
SIZE = (1200, 630)
NAVY, NAVY_DARK, SPARK, WHITE, MIST = "#1b365d", "#12253f", "#ffa45c", "#ffffff", "#cfe0ff"
# The face the cards are drawn in ships with the package (fonts/, with its licence, OFL.txt):
# Liberation Serif Bold, a serif in the site's own stack. Never the build machine's fonts: the
# same title gives the same bytes on any machine. Pillow's basic layout (no libraqm, which
# some installs have and some not) places the glyphs.
FONT_FILE = Path(__file__).with_name("fonts") / "LiberationSerif-Bold.ttf"
RECIPE = b"catalyst-share-card/2"
_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)")


def choose(src_uri: str, meta: dict, markdown: str) -> tuple[str, bool]:
    """A post's share image as a path from the site's top (or a URL), and whether it must
    be generated: its own `image`, else its first image, else `assets/share/<slug>.png`."""
    if meta.get("image"):
        return str(meta["image"]), False
    found = _IMAGE.search(markdown)
    if found and not found.group(1).lower().endswith(".svg"):
        target = found.group(1)
        if re.match(r"^[a-z]+:", target, re.IGNORECASE):
            return target, False
        return posixpath.normpath(posixpath.join(posixpath.dirname(src_uri), target)), False
    stem = posixpath.splitext(posixpath.basename(src_uri))[0]
    return f"{PUBLIC_DIR}/{stem}.png", True


def draw(settings: Settings, title: str, label: str) -> Path:
    """The generated card for `title`, from the store or drawn now."""
    key = hashlib.sha256(RECIPE + _font_digest() + f"{label}\0{title}".encode()).hexdigest()[:20]
    target = settings.build_dir / STORE_DIR / f"{key}.png"
    if not target.is_file():
        write_atomic(target, _render(title, label))
    return target


def publish(settings: Settings, cards: dict[str, tuple[str, str]], site_dir) -> None:
    """Write each generated card (public path -> (title, label)) into the built site."""
    for public, (title, label) in sorted(cards.items()):
        write_atomic(Path(site_dir) / public, draw(settings, title, label).read_bytes())


def _render(title: str, label: str) -> bytes:
    from PIL import Image, ImageDraw

    card = Image.new("RGB", SIZE, NAVY)
    pen = ImageDraw.Draw(card)
    pen.rectangle((0, SIZE[1] - 18, SIZE[0], SIZE[1]), fill=SPARK)
    _mark(pen, 80, 70, 2.0)
    pen.text((200, 92), label.upper(), font=_font(30), fill=MIST)
    size, lines = _fit(pen, title)
    top = 200
    for line in lines:
        pen.text((80, top), line, font=_font(size), fill=WHITE)
        top += int(size * 1.22)
    out = io.BytesIO()
    card.save(out, "PNG", optimize=True)
    return out.getvalue()


def _mark(pen, x: int, y: int, scale: float) -> None:
    """Catalyst's mark: the open ring and the spark (logo.svg), drawn at `scale` x 48px."""
    box = [x + 9 * scale, y + 9 * scale, x + 39 * scale, y + 39 * scale]
    pen.arc(box, start=45, end=315, fill=WHITE, width=int(6 * scale))
    spark = [(39, 15.5), (40.2, 22.8), (46.5, 24), (40.2, 25.2), (39, 32.5), (37.8, 25.2),
             (31.5, 24), (37.8, 22.8)]
    pen.polygon([(x + px * scale, y + py * scale) for px, py in spark], fill=SPARK)


def _fit(pen, title: str) -> tuple[int, list[str]]:
    """The largest size (72 down to 40 px) at which the title fits 4 lines of 1040 px."""
    for size in range(72, 38, -4):
        lines = _wrap(pen, title, _font(size), 1040)
        if len(lines) <= 4:
            return size, lines
    lines = _wrap(pen, title, _font(40), 1040)
    return 40, lines[:3] + [lines[3].rstrip(".") + "…"] if len(lines) > 4 else lines


def _wrap(pen, text: str, font, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and pen.textlength(candidate, font=font) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


@functools.cache
def _font_digest() -> bytes:
    """The face's own hash: a changed font file draws every card anew."""
    return hashlib.sha256(FONT_FILE.read_bytes()).digest()


@functools.cache
def _font(size: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(FONT_FILE), size, layout_engine=ImageFont.Layout.BASIC)
