"""Read the YAML files given at start-up (spec, graph model) safely, with one-line errors.

Every error names the file and, where YAML knows it, the line; a document whose aliases expand
past `MAX_VALUES` values (a "billion laughs") is refused before anything walks it; messages are
cut to `MAX_MESSAGE` characters. `line()` finds where a path of keys sits in the file, so that
later checks (schema, unknown keys) can name the line too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mockserver.errors import ConfigError

MAX_VALUES = 1_000_000  # the packaged spec has about 9,000
MAX_MESSAGE = 300
# libyaml's loader when PyYAML was built with it: the spec loads in a third of the time.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlFileError(ConfigError):
    """Raised when a YAML file cannot be read, does not parse, or expands too far."""


@dataclass(frozen=True)
class YamlDocument:
    """A parsed file: its data, and its node tree for line numbers."""

    data: Any
    source: str
    root: yaml.Node | None

    def line(self, path: Sequence[str | int]) -> int | None:
        """The 1-based line of the value at `path` (a key's line for a mapping entry)."""
        node, line = self.root, None
        for part in path:
            if isinstance(node, yaml.MappingNode):
                entry = next(((k, v) for k, v in node.value if k.value == str(part)), None)
                if entry is None:
                    return line
                line, node = entry[0].start_mark.line + 1, entry[1]
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(part, int)
                and 0 <= part < len(node.value)
            ):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line

    def where(self, path: Sequence[str | int]) -> str:
        """`file:line` for `path`, or just the file."""
        line = self.line(path)
        return self.source if line is None else f"{self.source}:{line}"


def read_yaml(path: Path | str) -> YamlDocument:
    """Parse one YAML document from a file; YamlFileError names the file (and line)."""
    source = str(path)
    try:
        text = Path(path).read_text("utf-8")
    except OSError as exc:
        raise YamlFileError(f"{source}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise YamlFileError(f"{source}: not UTF-8 text (byte {exc.start})") from None
    if text.lstrip().startswith("{"):
        try:  # JSON (YAML's subset: no aliases) read twenty times faster; else YAML's errors
            return YamlDocument(json.loads(text), source, None)
        except ValueError:
            pass
    loader = _LOADER(text)
    try:
        root = loader.get_single_node()
        if root is not None:
            _check_size(root, source)
        data = None if root is None else loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        raise YamlFileError(shorten(_marked(source, exc))) from None
    except yaml.YAMLError as exc:
        raise YamlFileError(shorten(f"{source}: {exc}")) from None
    except RecursionError:
        raise YamlFileError(f"{source}: nested too deeply") from None
    finally:
        loader.dispose()
    return YamlDocument(data, source, root)


def shorten(message: str, limit: int = MAX_MESSAGE) -> str:
    """One line of at most `limit` characters."""
    line = " ".join(message.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _marked(source: str, exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    where = source if mark is None else f"{source}:{mark.line + 1}:{mark.column + 1}"
    context = f" ({exc.context})" if exc.context else ""
    return f"{where}: {exc.problem or 'invalid YAML'}{context}"


def _check_size(root: yaml.Node, source: str) -> None:
    """Refuse a document that expands past MAX_VALUES values; aliases are counted each time
    they are used, each shared node walked once."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        sizes[key] = 1  # a recursive alias counts once
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        sizes[key] = total
        return total

    if size(root) > MAX_VALUES:
        raise YamlFileError(
            f"{source}: expands to more than {MAX_VALUES:,} values "
            "(YAML aliases used over and over?)"
        )
