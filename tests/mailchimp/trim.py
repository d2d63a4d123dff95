"""Trim Mailchimp's full OpenAPI description to the operations the fake Mailchimp serves.

    python tests/mailchimp/trim.py FULL.json            # writes tests/mailchimp/openapi.json
    python tests/mailchimp/trim.py FULL.json --out X    # writes X

Keeps, unchanged: every operation (method and path) that a route of `tests/fake_mailchimp.py`
answers, with its path's shared parameters; every component those operations reach through
`$ref`, followed transitively; the security schemes; and the top-level `openapi`, `info`,
`externalDocs`, `servers`, `security` and `x-original-swagger-version`. Drops every other path,
every unreached schema and `x-doc-structure` (the grouping of Mailchimp's documentation site).
Trimming a trimmed copy gives it back byte for byte (tests/test_fake_mailchimp.py checks it), so
the vendored file is exactly what this script makes. See README.md beside it for the source.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from fake_mailchimp import served_routes  # noqa: E402

METHODS = ("get", "put", "post", "delete", "patch")
KEPT_TOP_LEVEL = (
    "openapi",
    "info",
    "externalDocs",
    "servers",
    "security",
    "x-original-swagger-version",
)
SAMPLE = "a1b2c3"  # a path parameter's value when matching a template against a route


def served(method: str, template: str, routes: list[tuple[str, str]]) -> bool:
    path = re.sub(r"\{[^}]+\}", SAMPLE, template)
    return any(m == method.upper() and re.fullmatch(p, path) for m, p in routes)


def _refs(node) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*map(_refs, node)) if node else set()
    return set()


def trim(full: dict, routes: list[tuple[str, str]] | None = None) -> dict:
    routes = served_routes() if routes is None else routes
    paths: dict[str, dict] = {}
    for template, item in full["paths"].items():
        kept = {
            key: value
            for key, value in item.items()
            if key not in METHODS or served(key, template, routes)
        }
        if any(key in METHODS for key in kept):
            paths[template] = kept
    missing = [
        f"{method} {pattern}"
        for method, pattern in routes
        if not any(
            served(m, t, [(method, pattern)]) for t, item in paths.items() for m in item
        )
    ]
    if missing:
        raise SystemExit(f"no operation in the description for: {', '.join(missing)}")

    components: dict[str, dict] = {
        "securitySchemes": dict(full["components"].get("securitySchemes", {}))
    }
    todo = sorted(_refs(paths) | _refs(components))
    seen: set[str] = set()
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, section, kind, name = ref.split("/")
        if section != "components":
            raise SystemExit(f"unexpected reference {ref}")
        node = full["components"][kind][name]
        components.setdefault(kind, {})[name] = node
        todo.extend(_refs(node) - seen)

    # The full description's own order, for sections and the names within them.
    ordered = {
        kind: {name: entries[name] for name in full["components"][kind] if name in entries}
        for kind, entries in sorted(
            components.items(), key=lambda kv: list(full["components"]).index(kv[0])
        )
    }
    out = {key: full[key] for key in KEPT_TOP_LEVEL if key in full}
    out["paths"] = paths
    out["components"] = ordered
    return out


def dump(document: dict) -> str:
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("full", type=Path, help="Mailchimp's full OpenAPI description (JSON)")
    parser.add_argument("--out", type=Path, default=HERE / "openapi.json")
    arguments = parser.parse_args()
    full = json.loads(arguments.full.read_text(encoding="utf-8"))
    trimmed = trim(full)
    arguments.out.write_text(dump(trimmed), encoding="utf-8")
    operations = sum(key in METHODS for item in trimmed["paths"].values() for key in item)
    print(f"{arguments.out}: {operations} operations on {len(trimmed['paths'])} paths")


if __name__ == "__main__":
    main()
