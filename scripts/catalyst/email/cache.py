"""The email cache: a digest of everything an issue's email is made from (the code that
renders it, settings, page URLs, templates, the issue and what it features), and the
rendered emails kept under build/cache/email/ by that digest.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from importlib import metadata
from pathlib import Path

from catalyst import __version__
from catalyst.content.library import Library
from catalyst.email.compose import issue_of
from catalyst.email.links import page_urls
from catalyst.email.rendered import TEMPLATE_DIR, RenderedEmail
from catalyst.files import write_atomic
from catalyst.settings import Settings

CACHE_VERSION = 2  # 2: RenderedEmail.images, prepared images


# The modules an email is made by (below catalyst/): a change to one renders every email anew.
# The email subpackage, the model it reads and the HTML policy it applies; nothing else.
RENDERING_CODE = (
    *(f"email/{p.name}" for p in sorted(Path(__file__).parent.glob("*.py"))),
    "content/schema.py",
    "content/library.py",
    "content/publishing.py",
    *(f"safety/{p.name}" for p in sorted(Path(__file__).parents[1].glob("safety/*.py"))),
    "settings.py",
)


@functools.cache  # the code a process runs does not change under it
def _toolchain() -> dict:
    """What else shapes the output: our code and the libraries that render it."""
    code = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for module in sorted(package.joinpath(*p.split("/")) for p in RENDERING_CODE):
        code.update(module.name.encode() + b"\0" + module.read_bytes())
    versions = {
        name: metadata.version(name)
        for name in (
            "premailer", "cssutils", "lxml", "jinja2", "markdown", "pymdown-extensions", "nh3",
            "pillow",
        )
    }
    return {"catalyst": __version__, "code": code.hexdigest(), "libraries": versions}


def shared_inputs(settings: Settings, library: Library) -> str:
    """A digest of what every issue's email is made from: code, settings, page URLs and
    templates. Computed once per build, so keys cost O(issue), not O(library), each."""
    folder = settings.templates_dir / TEMPLATE_DIR
    templates = {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
    inputs = {
        "format": CACHE_VERSION,
        "toolchain": _toolchain(),
        "settings": {f.name: str(getattr(settings, f.name)) for f in dataclasses.fields(settings)},
        "pages": page_urls(settings, library),
        "templates": templates,
    }
    blob = json.dumps(inputs, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def cache_key(
    settings: Settings, library: Library, month: str, shared: str | None = None
) -> str:
    """A digest of everything an issue's email is made from (images are checked apart).
    `shared` is `shared_inputs(settings, library)`, when the caller has it already."""
    issue = issue_of(settings, library, month)
    resources: dict = {}
    catalyzers: dict = {}
    for section in issue.sections:
        for slug in getattr(section, "items", []) if section.kind == "resources" else []:
            resource = library.resources.get(slug)
            if resource is not None:
                post = library.post_for(resource)
                resources[slug] = [
                    resource.model_dump(mode="json"),
                    post.model_dump(mode="json") if post else None,
                ]
        if section.kind == "catalyzer":
            person = library.catalyzer_for(issue, section)
            if person is not None:
                catalyzers[person.slug] = person.model_dump(mode="json")
    inputs = {
        "shared": shared or shared_inputs(settings, library),
        "issue": issue.model_dump(mode="json"),
        "resources": resources,
        "catalyzers": catalyzers,
    }
    blob = json.dumps(inputs, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def cache_dir(settings: Settings) -> Path:
    return settings.build_dir / "cache" / "email"


def cached(settings: Settings, month: str, key: str) -> RenderedEmail | None:
    path = cache_dir(settings) / f"{month}.json"
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if entry.get("key") != key:
        return None
    for name, digest in entry.get("files", {}).items():
        try:
            if hashlib.sha256(Path(name).read_bytes()).hexdigest() != digest:
                return None
        except OSError:
            return None
    try:
        fields = dict(entry["email"])
        # JSON gives lists; a fresh email holds tuples (equal to it, hashable: see site.memo).
        fields["images"] = tuple(tuple(image) for image in fields.get("images", ()))
        return RenderedEmail(**fields)
    except (KeyError, TypeError):
        return None


def holds_key(settings: Settings, month: str, key: str) -> bool:
    """Whether `month`'s entry was stored for `key`, from its first bytes alone (its images
    are not checked: `cached` does)."""
    try:
        with open(cache_dir(settings) / f"{month}.json", "rb") as entry:
            return entry.read(80).startswith(b'{"key": "%s"' % key.encode())
    except OSError:
        return False


def store(settings: Settings, key: str, email: RenderedEmail, files: dict) -> None:
    # The key first, so `holds_key` reads only the head of an entry.
    entry = {"key": key, "files": files, "email": dataclasses.asdict(email)}
    write_atomic(cache_dir(settings) / f"{email.month}.json", json.dumps(entry))
