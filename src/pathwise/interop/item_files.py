"""Reading a file of items by its kind: Pathwise's own format (YAML or JSON, through
``services.items``) or QTI (an item ``.xml`` or a package ``.zip``, through ``interop.qti``).

One reader for every door that takes an items file (the admin's page, the command line and
the items-import job), so a file means the same wherever it is given.
"""

from __future__ import annotations

from pathwise.domain.problems import Problem
from pathwise.interop import qti
from pathwise.services.items import ParsedItems, parse_items_document

SUFFIXES = ("yaml", "yml", "json", "xml", "zip")


def read_items_file(data: bytes, name: str, skill_codes: tuple[str, ...] = (),
                    parsed: ParsedItems | None = None) -> ParsedItems:
    """Add the items of one file (and every problem found, with its file and place) to
    ``parsed`` (a new one by default) and return it. ``skill_codes`` are the skills of QTI
    items, which QTI does not carry."""
    parsed = parsed if parsed is not None else ParsedItems()
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in ("yaml", "yml", "json"):
        parse_items_document(data, name, parsed)
    elif suffix in ("xml", "zip"):
        res = qti.parse_package(data, name, skill_codes) if suffix == "zip" else qti.parse_item_xml(data, name, skill_codes)
        parsed.items.extend(res.items)
        parsed.problems.extend(res.problems + res.unsupported)
    else:
        parsed.problems.append(Problem(name, "unknown file type: use .yaml, .yml, .json, .xml or .zip", path="/"))
    return parsed
