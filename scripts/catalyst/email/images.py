"""Images at build time, with Pillow: the email's prepared copies and the site's sizes.

Owns, for email, the preparation (resized to twice the width it is shown at and never enlarged,
re-encoded and compressed, metadata dropped), where prepared files are kept
(`build/email-images/`) and published (`site/assets/email/`), and the size budgets per
image and per email that `catalyst check` and every build enforce; for the site, the
`width` and `height` every local image of a page is given.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import html as html_module
import io
import os
import posixpath
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

from catalyst.errors import Problem
from catalyst.settings import Settings

PUBLIC_DIR = "assets/email"  # where the site serves prepared images, from its top
STORE_DIR = "email-images"  # under build/: prepared once, reused while the source is unchanged
DENSITY = 2  # pixels per CSS pixel: sharp on high-density screens, no larger
JPEG_QUALITY = 82
RECIPE = b"catalyst-email-image/1"  # change when the encoding changes: new names, new files


class ImageError(ValueError):
    """An image cannot be read as PNG or JPEG."""


@dataclasses.dataclass(frozen=True)
class Prepared:
    """One prepared image: its file name under PUBLIC_DIR, its shown size (CSS px: the
    `width` and `height` attributes) and its size in bytes."""

    name: str
    width: int
    height: int
    size: int
    digest: str  # sha256 of the prepared file, for the email cache


def store_dir(settings: Settings) -> Path:
    return settings.build_dir / STORE_DIR


def prepare(settings: Settings, source: Path, slot: int) -> Prepared:
    """`source` ready for an email column slot `slot` px wide: shown at its natural width
    or the slot's, whichever is smaller, and stored at DENSITY times that (never enlarged)."""
    data = source.read_bytes()
    image = _open(data, source)
    natural_width, natural_height = image.size
    width = min(natural_width, slot)
    height = max(1, round(natural_height * width / natural_width))
    pixels = min(natural_width, DENSITY * width)
    suffix = ".jpg" if image.format == "JPEG" else ".png"
    key = hashlib.sha256(RECIPE + pixels.to_bytes(4, "big") + data).hexdigest()[:16]
    name = f"{_stem(source)}-{pixels}w-{key}{suffix}"
    target = store_dir(settings) / name
    if not target.is_file():
        from catalyst.files import write_atomic  # the one atomic writer

        write_atomic(target, _encode(image, pixels, suffix))
    prepared = target.read_bytes()
    return Prepared(name, width, height, len(prepared), hashlib.sha256(prepared).hexdigest())


def _open(data: bytes, source: Path):
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise ImageError(f"'{source.name}' is not a readable PNG or JPEG ({error})") from None
    if image.format not in ("PNG", "JPEG"):
        raise ImageError(f"'{source.name}' is {image.format}, not PNG or JPEG")
    return image


def _encode(image, pixels: int, suffix: str) -> bytes:
    """The image at `pixels` wide, re-encoded without its metadata (EXIF, text chunks).
    A palette PNG stays a palette PNG (quantised again after resizing): the smaller file."""
    from PIL import Image

    palette = suffix == ".png" and image.mode in ("P", "L", "1")
    keep_alpha = suffix == ".png" and (image.mode in ("RGBA", "LA") or "transparency" in image.info)
    if palette and image.width == pixels:
        transparency = image.info.get("transparency")
        image = image.copy()
        image.info = {} if transparency is None else {"transparency": transparency}
    else:
        image = image.convert("RGBA" if keep_alpha else "RGB")
        if image.width != pixels:
            height = max(1, round(image.height * pixels / image.width))
            image = image.resize((pixels, height), Image.Resampling.LANCZOS)
        if palette:
            image = image.quantize(256, dither=Image.Dither.FLOYDSTEINBERG)
    out = io.BytesIO()
    if suffix == ".jpg":
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    else:
        extra = {"transparency": image.info["transparency"]} if "transparency" in image.info else {}
        image.save(out, "PNG", optimize=True, **extra)
    return out.getvalue()


def _stem(source: Path) -> str:
    """A file-name-safe stem: letters, digits and dashes."""
    cleaned = "".join(c if c.isalnum() else "-" for c in source.stem.lower()).strip("-")
    return cleaned[:60] or "image"


def publish(settings: Settings, names, site_dir: str | Path) -> list[Path]:
    """Copy prepared images into the built site, where the emails' addresses point."""
    target_dir = Path(site_dir) / PUBLIC_DIR
    written = []
    for name in sorted(set(names)):
        target = target_dir / name
        if target.is_file():  # named by its content: the same image; renewed as produced
            os.utime(target)
        else:
            target_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(store_dir(settings) / name, target)
        written.append(target)
    return written


def budget_problems(
    settings: Settings, source: str, images: list[tuple[str, str, int]]
) -> list[Problem]:
    """The image budgets of one email, at the issue's file: each prepared image at most
    `email_image_max_kb`, all of them together at most `email_images_max_kb`.
    `images` holds (image as the editor wrote it, prepared name, bytes)."""
    problems = []
    seen: dict[str, int] = {}
    for written, name, size in images:
        seen[name] = size
        if size > settings.email_image_max_kb * 1024:
            problems.append(Problem(source, 1, (
                f"email image '{written}' is {size / 1024:.0f} KB once prepared; keep each "
                f"under {settings.email_image_max_kb} KB (a smaller or simpler picture)"
            )))
    total = sum(seen.values())
    if total > settings.email_images_max_kb * 1024:
        problems.append(Problem(source, 1, (
            f"the email's images weigh {total / 1024:.0f} KB together; keep them under "
            f"{settings.email_images_max_kb} KB (fewer or smaller pictures)"
        )))
    return problems


# ---------------------------------------------------------------------------- site pages

_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SRC = re.compile(r'\ssrc="([^"]*)"', re.IGNORECASE)


def with_dimensions(html: str, page_url: str, docs_dir: Path) -> str:
    """Every local image of a page's HTML given its own `width` and `height`, so the browser
    keeps its place before it loads (no layout shift). `page_url` is the page's URL path
    from the site's top ("issues/2023-06/"); images elsewhere or unreadable are left alone."""

    def sized(match: re.Match) -> str:
        tag = match.group(0)
        src = _SRC.search(tag)
        if src is None or re.search(r"\s(width|height)=", tag, re.IGNORECASE):
            return tag
        size = _size_of(src.group(1), page_url, docs_dir)
        if size is None:
            return tag
        end = -2 if tag.endswith("/>") else -1
        return f'{tag[:end].rstrip()} width="{size[0]}" height="{size[1]}"{tag[end:]}'

    return _IMG.sub(sized, html)


def _size_of(src: str, page_url: str, docs_dir: Path) -> tuple[int, int] | None:
    parts = urlsplit(html_module.unescape(src))
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = posixpath.normpath(posixpath.join(posixpath.dirname("/" + page_url), parts.path))
    file = (docs_dir / unquote(path).lstrip("/")).resolve()
    if not file.is_relative_to(docs_dir.resolve()) or not file.is_file():
        return None
    return _pixel_size(str(file), file.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _pixel_size(path: str, _mtime: int) -> tuple[int, int] | None:
    if path.lower().endswith(".svg"):
        return None  # an SVG's size is its viewBox's, which CSS sets
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.size
    except (UnidentifiedImageError, OSError):
        return None
