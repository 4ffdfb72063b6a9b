"""Scripted node behaviour: what a node of a graph model does when a run executes it.

A node's options in the graph-model YAML (all optional):

    writes:      {channel: value}   what the node returns, as a plain dict (templated)
    reply:       a chat model's answer written to the messages channel: a template, or a list
                 of them (or of {text, tool_calls}) used in turn, one per AI message so far
    stream:      token by token (messages events) or at once; default true
    token_delay: seconds between two streamed tokens; default 0
    tool_result: a template answered to each tool call of the last AI message (tool messages)
    interrupt:   the value the node passes to interrupt(); the node runs on when resumed
    fail:        an error message (or {error, message}) the node raises
    delay:       seconds the node takes before it writes
    custom:      payloads the node emits on the custom stream
    route:       {tool_calls: node, default: node}: where to go after a reply (tools_condition)

Templates are Python format strings over the state before the node: each channel, and
`message_count`, `last_human`, `last_ai`, `last_tool`, `resume`, `node` (and in a
tool_result `tool_name`, `tool_args`). A string that is one
placeholder alone (`"{resume}"`) keeps the value's type. `last_human`, `last_ai` and
`last_tool` are the message's text: content blocks (`[{"type": "text", "text": ...}]`, as
agent-chat-ui sends them) give their text blocks joined, as LangChain's `message.text` does.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mockserver.errors import ConfigError

NOTHING: Any = object()  # an option that is absent (`interrupt: null` is a value)
VARIABLES = frozenset(
    {
        "message_count",
        "last_human",
        "last_ai",
        "last_tool",
        "resume",
        "node",
        "tool_name",
        "tool_args",
    }
)
_KEYS = frozenset(
    {
        "writes",
        "reply",
        "stream",
        "token_delay",
        "tool_result",
        "interrupt",
        "fail",
        "delay",
        "custom",
        "route",
    }
)
NODE_OPTIONS = _KEYS  # every option a node may have; graph.py names the closest to a typo


class ScriptError(ConfigError):
    """Raised when a node's script is malformed."""


@dataclass(frozen=True)
class Reply:
    """One answer of a scripted chat model."""

    text: str
    tool_calls: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class NodeScript:
    """What a node does when it runs."""

    writes: Mapping[str, Any] | None = None
    replies: tuple[Reply, ...] = ()
    stream: bool = True
    token_delay: float = 0.0
    tool_result: str | None = None
    interrupt: Any = NOTHING
    fail: tuple[str, str] | None = None
    delay: float = 0.0
    custom: tuple[Any, ...] = ()
    route: Mapping[str, str] = field(default_factory=dict)

    @property
    def writes_messages(self) -> bool:
        """Whether the node writes message objects (which the messages stream shows)."""
        return bool(self.replies) or self.tool_result is not None


def script_keys(options: Mapping[str, Any]) -> set[str]:
    """The keys of a node's options that describe its behaviour."""
    return set(options) & _KEYS


def parse_script(
    options: Mapping[str, Any], channels: Mapping[str, str], targets: tuple[str, ...]
) -> NodeScript:
    """A node's script from its YAML options; ScriptError names what is wrong."""
    names = VARIABLES | set(channels)
    for key in ("writes", "reply", "tool_result", "interrupt", "custom"):
        if key in options:
            _check_template(options[key], names, key)
    if ("reply" in options or "tool_result" in options) and message_channel(channels) is None:
        raise ScriptError("reply and tool_result need an add_messages channel")
    writes = options.get("writes")
    if writes is not None and not isinstance(writes, Mapping):
        raise ScriptError("writes must map channels to values")
    route = dict(options.get("route") or {})
    for target in route.values():
        if target not in targets:
            raise ScriptError(f"route to {target}, which no edge leads to")
    return NodeScript(
        writes=writes,
        replies=_replies(options.get("reply")),
        stream=bool(options.get("stream", True)),
        token_delay=_seconds(options, "token_delay"),
        tool_result=options.get("tool_result"),
        interrupt=options.get("interrupt", NOTHING),
        fail=_failure(options.get("fail")),
        delay=_seconds(options, "delay"),
        custom=tuple(options.get("custom") or ()),
        route=route,
    )


def message_channel(channels: Mapping[str, str]) -> str | None:
    """The channel chat replies go to: the first add_messages channel."""
    return next((c for c, reducer in channels.items() if reducer == "add_messages"), None)


def _replies(raw: Any) -> tuple[Reply, ...]:
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    replies = []
    for item in items:
        if isinstance(item, str):
            replies.append(Reply(item))
        elif isinstance(item, Mapping) and set(item) <= {"text", "tool_calls"}:
            calls = tuple(item.get("tool_calls") or ())
            if not all(isinstance(c, Mapping) and isinstance(c.get("name"), str) for c in calls):
                raise ScriptError("each tool call needs a name")
            replies.append(Reply(str(item.get("text", "")), calls))
        else:
            raise ScriptError("a reply is a template or {text, tool_calls}")
    return tuple(replies)


def _failure(raw: Any) -> tuple[str, str] | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return ("ValueError", raw)
    if isinstance(raw, Mapping) and "message" in raw:
        return (str(raw.get("error", "ValueError")), str(raw["message"]))
    raise ScriptError("fail is a message or {error, message}")


def _seconds(options: Mapping[str, Any], key: str) -> float:
    value = options.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ScriptError(f"{key} must be a number of seconds >= 0")
    return float(value)


def _check_template(value: Any, names: frozenset[str] | set[str], where: str) -> None:
    # A typo in a placeholder should fail at start-up, not in the middle of a demo.
    if isinstance(value, str):
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(value) if f is not None]
        except ValueError as exc:
            raise ScriptError(f"{where}: {exc} in {value!r}") from None
        check_plain_placeholders(value, where)
        for name in fields:
            if name.split(".")[0].split("[")[0] not in names:
                known = ", ".join(sorted(names))
                raise ScriptError(f"{where}: unknown placeholder {{{name}}} (known: {known})")
    elif isinstance(value, Mapping):
        for item in value.values():
            _check_template(item, names, where)
    elif isinstance(value, list):
        for item in value:
            _check_template(item, names, where)


def message_text(content: Any) -> str:
    """A message's content as text: a string as is; of a list of content blocks, the strings
    and `text` blocks joined (images, tool use and other blocks say nothing)."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    return "".join(
        block if isinstance(block, str) else block["text"]
        for block in content
        if isinstance(block, str)
        or (
            isinstance(block, Mapping)
            and block.get("type") == "text"
            and isinstance(block.get("text"), str)
        )
    )


def render(value: Any, variables: Mapping[str, Any]) -> Any:
    """A templated value with the variables filled in (recursively)."""
    if isinstance(value, str):
        fields = [f for _, f, _, _ in string.Formatter().parse(value) if f is not None]
        if len(fields) == 1 and value == "{" + fields[0] + "}" and fields[0] in variables:
            return variables[fields[0]]
        return value.format_map(variables) if "{" in value or "}" in value else value
    if isinstance(value, Mapping):
        return {k: render(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, variables) for v in value]
    return value


def check_plain_placeholders(template: str, where: str) -> None:
    """Refuse placeholders that are more than a name: attribute or index access reaches into
    Python objects (`{x.__class__}`), and a format spec or conversion can make one reply
    gigabytes long (`{n:>20000000}`)."""
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            shown = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            raise ScriptError(
                f"{where}: placeholder {{{shown}}} is not a plain name; templates "
                "take {name} only (no attributes, indexes or format specs)"
            )
