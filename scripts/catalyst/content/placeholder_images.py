"""Placeholder images: what a PNG or JPEG file says about being one, and the images a line
of content names."""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from catalyst import urls
from catalyst.content import links
from catalyst.settings import Settings

IMAGE_KEYWORD = "Placeholder"  # the PNG text chunk / JPEG comment keyword that marks one
_IMAGE_KEY = re.compile(r"^\s*-?\s*(?:image|photo|avatar)\s*:\s*[\"']?([^\"'\s#]+)")


def image_mark(path: Path) -> str | None:
    """What a PNG or JPEG file says about being a placeholder, or None if it says nothing.

    A PNG says it in a `tEXt` or `iTXt` chunk with the keyword `Placeholder`; a JPEG in a
    comment (COM segment) that starts with `Placeholder:`.
    """
    try:
        stat = path.stat()
    except OSError:
        return None
    return _image_mark(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=1024)
def _image_mark(path: str, mtime: int, size: int) -> str | None:
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png_mark(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_mark(data)
    return None


def _png_mark(data: bytes) -> str | None:
    at = 8
    while at + 8 <= len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        kind = data[at + 4 : at + 8]
        body = data[at + 8 : at + 8 + length]
        if kind in (b"tEXt", b"iTXt"):
            keyword, _, rest = body.partition(b"\0")
            if keyword.decode("latin-1").lower() == IMAGE_KEYWORD.lower():
                if kind == b"iTXt":  # compression flag, method, language\0, keyword\0, text
                    rest = rest[2:].split(b"\0", 2)[-1] if rest[:1] == b"\0" else b""
                return rest.decode("utf-8", "replace").strip() or "marked as a placeholder"
        if kind == b"IEND":
            break
        at += 12 + length
    return None


def _jpeg_mark(data: bytes) -> str | None:
    at = 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no more headers
            break
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        if marker == 0xFE:
            text = data[at + 4 : at + 2 + length].decode("utf-8", "replace").strip()
            if text.lower().startswith(IMAGE_KEYWORD.lower() + ":"):
                return text[len(IMAGE_KEYWORD) + 1 :].strip() or "marked as a placeholder"
        at += 2 + length
    return None


def image_targets(line: str) -> Iterator[str]:
    match = _IMAGE_KEY.match(line)
    if match:
        yield match.group(1)
    for link in links.find_links(line, ""):
        yield link.target


def image_finding(target: str, page: str, settings: Settings) -> str | None:
    parts = urlsplit(target)
    if parts.scheme or target.startswith("//"):
        return None
    path = unquote(parts.path)
    if not path.lower().endswith(urls.IMAGE_SUFFIXES):
        return None
    docs = settings.docs_dir
    candidates = []
    if path.startswith("/"):
        candidates.append(posixpath.normpath(path.lstrip("/")))
    else:
        candidates.append(posixpath.normpath(posixpath.join(posixpath.dirname(page), path)))
        candidates.append(posixpath.normpath(path))  # front matter: from content/'s top
    for candidate in candidates:
        if candidate.startswith(".."):
            continue
        file = docs / candidate
        if file.is_file() and file.resolve().is_relative_to(settings.root.resolve()):
            mark = image_mark(file)
            if mark:
                return f"placeholder: image '{target}' is marked as a placeholder ({mark})"
            return None
    return None

