"""A small streaming XML reader that keeps the line of every element (for problems a user can
find in the file). Built on the standard library's expat parser: no DTDs, no external
entities are fetched."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from salamat.errors import InputError, Problem

__all__ = ["XmlElement", "local_name", "read_xml"]


@dataclass
class XmlElement:
    """One element: local tag name, attributes (local names), its line, parent and text."""

    tag: str
    attrs: dict[str, str]
    line: int
    parent: int | None
    text: list[str] = field(default_factory=list)


def local_name(name: str) -> str:
    """``{urn:ihe:qrph:adx:2015}group`` or ``ns:group`` -> ``group``."""
    return name.rsplit("}", 1)[-1].rsplit(" ", 1)[-1].rsplit(":", 1)[-1]


def read_xml(path: Path) -> list[XmlElement]:
    """Every element of the file in document order, with its line number."""
    parser = expat.ParserCreate(namespace_separator=" ")
    elements: list[XmlElement] = []
    stack: list[int] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        elements.append(
            XmlElement(
                local_name(name),
                {local_name(k): v for k, v in attrs.items()},
                parser.CurrentLineNumber,
                stack[-1] if stack else None,
            )
        )
        stack.append(len(elements) - 1)

    def end(_name: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        if stack:
            elements[stack[-1]].text.append(data)

    def no_entities(*_args: object) -> int:
        raise InputError(f"{path}: XML entity declarations are not accepted")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.EntityDeclHandler = no_entities
    try:
        with open(path, "rb") as fh:
            parser.ParseFile(fh)
    except expat.ExpatError as exc:
        message = expat.errors.messages[exc.code] if exc.code else str(exc)
        raise InputError(
            f"{path}: not well-formed XML at line {exc.lineno}, column {exc.offset}: {message}; "
            "is the file complete?",
            [Problem(str(path), exc.lineno, None, f"not well-formed XML: {message}")],
        ) from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot be read: {exc}") from exc
    return elements
