"""The `messages` reducer: transcript expectations, then a cross-check against langgraph itself."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.errors import BadRequest
from mockserver.message_log import MessageLog, add_messages
from mockserver.messages import REMOVE_ALL_MESSAGES, coerce_message

from shapes import GENERATED, UUID4, ai, human

COERCION_HELP = (
    "\nFor troubleshooting, visit: "
    "https://docs.langchain.com/oss/python/langchain/errors/MESSAGE_COERCION_FAILURE "
)
# ("200", masked state as JSON) | ("400", detail) | ("crash refused", ""): the real server
# crashes (500) where the mock refuses the message with a 400.
Outcome = tuple[str, str]


def apply(*updates: object) -> list[dict[str, Any]]:
    log = MessageLog.EMPTY
    for update in updates:
        log = add_messages(log, update)
    return log.to_list()


# --- what the real server stored (transcripts.json; updates copied literally) --------------------

TOOL_RESULT = {
    "content": "tool result",
    "additional_kwargs": {},
    "response_metadata": {},
    "type": "tool",
    "name": None,
    "id": GENERATED,
    "tool_call_id": "call_1",
    "artifact": None,
    "status": "success",
}


@pytest.mark.parametrize(
    ("updates", "stored"),
    [
        pytest.param(
            [[{"role": "user", "content": "hi", "id": "m1"}]], [human("hi", "m1")], id="#59-60"
        ),
        pytest.param(
            [
                [{"role": "user", "content": "hi", "id": "m1"}],
                [{"role": "ai", "content": "calling tool", "id": "m2"}],
            ],
            [human("hi", "m1"), ai("calling tool", "m2")],
            id="#62-63 ai appended",
        ),
        pytest.param(
            [[{"role": "user", "content": "hi", "id": "m1"}], "plain string"],
            [human("hi", "m1"), human("plain string", GENERATED)],
            id="#83,#85 bare string is a human message",
        ),
        pytest.param(
            [
                [{"role": "user", "content": "go", "id": "u1"}],
                [{"role": "ai", "content": "agent saw 1 messages"}],
                [{"role": "tool", "content": "tool result", "tool_call_id": "call_1"}],
            ],
            [human("go", "u1"), ai("agent saw 1 messages", GENERATED), TOOL_RESULT],
            id="#155-157 run: human, ai, tool",
        ),
        pytest.param(
            [[{"role": "ai", "content": "x", "id": "a1"}]], [ai("x", "a1")], id="#148,#210"
        ),
    ],
)
def test_stores_what_the_real_server_stored(updates: list[object], stored: list[object]) -> None:
    assert apply(*updates) == stored


def test_rejects_a_dict_without_role_like_the_real_server() -> None:  # transcript #84
    with pytest.raises(BadRequest) as caught:
        apply([{"foo": "bar"}])
    assert caught.value.detail == (
        "Message dict must contain 'role' and 'content' keys, got {'foo': 'bar'}"
        "\nFor troubleshooting, visit: "
        "https://docs.langchain.com/oss/python/langchain/errors/MESSAGE_COERCION_FAILURE "
    )


# --- rules read from langchain-core, as literal expectations --------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        pytest.param({"role": "user", "content": None, "id": "h"}, human("", "h"), id="None->''"),
        pytest.param(["assistant", "yo"], ai("yo", GENERATED), id="pair"),
        pytest.param(
            {"role": "user", "content": "x", "id": 7, "foo": 1, "additional_kwargs": {"foo": 2}},
            {**human("x", "7"), "additional_kwargs": {"foo": 2}},
            id="unknown keys go to additional_kwargs, numeric id to str",
        ),
        pytest.param(
            {"role": "developer", "content": "be nice", "id": "s"},
            {
                "content": "be nice",
                "additional_kwargs": {"__openai_role__": "developer"},
                "response_metadata": {},
                "type": "system",
                "name": None,
                "id": "s",
            },
            id="developer is a system message",
        ),
        pytest.param(
            {
                "role": "ai",
                "content": "",
                "id": "t",
                "tool_calls": [
                    {"id": "c1", "function": {"name": "f", "arguments": '{"q": 1}'}},
                    {"name": "g", "args": {}, "id": None, "type": "tool_call", "extras": {}},
                ],
            },
            ai(
                "",
                "t",
                tool_calls=[
                    {"name": "f", "args": {"q": 1}, "id": "c1", "type": "tool_call"},
                    {"name": "g", "args": {}, "id": None, "type": "tool_call"},
                ],
            ),
            id="tool_calls normalised",
        ),
        pytest.param(
            {"role": "ai", "content": "x", "id": "u", "usage_metadata": {"total_tokens": 3}},
            {**ai("x", "u"), "additional_kwargs": {"usage_metadata": {"total_tokens": 3}}},
            id="usage_metadata of a dict lands in additional_kwargs",
        ),
        pytest.param(
            {"role": "tool", "content": 5, "tool_call_id": 1, "id": "r", "artifact": [1]},
            {**TOOL_RESULT, "content": "5", "id": "r", "tool_call_id": "1", "artifact": [1]},
            id="tool content and tool_call_id stringified",
        ),
    ],
)
def test_coerces_like_langchain(raw: object, stored: dict[str, Any]) -> None:
    assert coerce_message(raw) == stored


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        pytest.param(
            {"role": "robot", "content": "x"},
            "Unexpected message type: 'robot'. Use one of 'human', 'user', 'ai', 'assistant', "
            "'function', 'tool', 'system', or 'developer'." + COERCION_HELP,
            id="unknown role",
        ),
        pytest.param(
            {"role": "function", "content": "x"},
            "1 validation error for FunctionMessage\nname\n  Field required [type=missing, "
            "input_value={'content': 'x'}, input_type=dict]\n"
            "    For further information visit https://errors.pydantic.dev/2.14/v/missing",
            id="function without name",
        ),
        pytest.param(
            {
                "role": "ai",
                "content": "x",
                "tool_calls": [{"id": "c", "function": {"name": "f", "arguments": "{oops"}}],
            },
            "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
            id="OpenAI arguments that are not JSON",
        ),
    ],
)
def test_rejects_like_langchain(raw: object, detail: str) -> None:
    with pytest.raises(BadRequest) as caught:
        coerce_message(raw)
    assert caught.value.detail == detail


def test_removing_an_unknown_id_is_a_bad_request() -> None:
    with pytest.raises(BadRequest) as caught:
        apply([{"type": "remove", "content": "", "id": "x"}])
    assert (
        caught.value.detail == "Attempting to delete a message with an ID that doesn't exist ('x')"
    )


def test_null_messages_blame_the_side_langgraph_blames() -> None:
    with pytest.raises(BadRequest, match=r"Only received: 'right'\.$"):
        apply(None)
    with pytest.raises(BadRequest, match=r"Only received: 'left'\.$"):
        apply("hi", None)


# --- versions share structure and never change -------------------------------------------------


def test_old_logs_are_unchanged_by_later_adds() -> None:
    raw = [{"role": "user", "content": f"m{i}", "id": f"m{i}"} for i in range(50)]
    before = add_messages(MessageLog.EMPTY, raw)
    snapshot = copy.deepcopy(before.to_list())
    appended = add_messages(before, "one more")
    replaced = add_messages(appended, {"role": "ai", "content": "new", "id": "m3"})
    removed = add_messages(replaced, {"type": "remove", "content": "", "id": "m4"})
    cleared = add_messages(removed, [{"type": "remove", "content": "", "id": REMOVE_ALL_MESSAGES}])
    assert before.to_list() == snapshot
    lengths = [len(log) for log in (before, appended, replaced, removed, cleared)]
    assert lengths == [50, 51, 51, 50, 0]
    assert replaced.to_list()[3]["content"] == "new" and appended.to_list()[3]["content"] == "m3"
    assert all(a is b for a, b in zip(before, appended, strict=False))  # shared, not copied


def test_coercion_leaves_its_input_alone() -> None:
    raw = {"role": "developer", "content": ["a"], "additional_kwargs": {"k": [1]}, "x": {"y": 1}}
    kept = copy.deepcopy(raw)
    coerce_message(raw)
    assert raw == kept


# --- cross-check against langgraph + langchain-core ----------------------------------------------


def mask(messages: list[dict[str, Any]]) -> str:
    """The state as JSON (key order included), generated ids numbered by first appearance."""
    names: dict[str, str] = {}
    masked = [
        {**m, "id": names.setdefault(m["id"], f"<id{len(names)}>")}
        if UUID4.fullmatch(m["id"])
        else m
        for m in messages
    ]
    return json.dumps(masked)


def run_mock(updates: list[object]) -> list[Outcome]:
    log, outcomes = MessageLog.EMPTY, []
    for update in updates:
        try:
            log = add_messages(log, copy.deepcopy(update))
        except BadRequest as exc:
            # Where langchain crashes (the real server's 500), the mock refuses the message.
            crashed = exc.detail.startswith("Cannot coerce ")
            outcomes.append(("crash refused", "") if crashed else ("400", exc.detail))
        except Exception:
            outcomes.append(("500", ""))
        else:
            outcomes.append(("200", mask(log.to_list())))
    return outcomes


@pytest.fixture(scope="module")
def run_real() -> Callable[[list[object]], list[Outcome]]:
    """langgraph's reducer, with each state stored and loaded as the server's checkpointer does."""
    pytest.importorskip("langgraph")
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
    from langgraph.graph.message import add_messages as real_add_messages

    serde = JsonPlusSerializer()

    def run(updates: list[object]) -> list[Outcome]:
        state: list[Any] = []
        outcomes: list[Outcome] = []
        for update in updates:
            try:
                merged = real_add_messages(state, copy.deepcopy(update))
            except ValueError as exc:  # the server's handler turns these into 400
                outcomes.append(("400", str(exc)))
                continue
            except Exception:
                outcomes.append(("crash refused", ""))  # a 500 on the real server
                continue
            state = serde.loads_typed(serde.dumps_typed(merged))
            outcomes.append(("200", mask([m.model_dump() for m in state])))
        return outcomes

    return run


ALL = REMOVE_ALL_MESSAGES


def rm(id: object) -> dict[str, object]:
    return {"type": "remove", "content": "", "id": id}


HAND_WRITTEN: list[Any] = [
    pytest.param(["hi", ["user", "a"], ("ai", "b"), {"role": "user"}], id="shapes"),
    pytest.param([[["a", "b", "c"]], [5], [None], [["user", None]], [[5, "x"]]], id="bad shapes"),
    pytest.param(
        [
            {
                "lc": 1,
                "type": "constructor",
                "id": ["x", "AIMessageChunk"],
                "kwargs": {"content": "hey", "id": "q"},
            }
        ],
        id="lc envelope",
    ),
    pytest.param(
        [
            {"role": r, "content": "x", "name": "n", "tool_call_id": "t"}
            for r in ("user", "ai", "system", "developer", "function", "tool")
        ],
        id="roles with extras",
    ),
    pytest.param(
        [
            {"role": "user", "content": c}
            for c in (None, [], 0, 5, 2.5, True, {"a": 1}, [1, "a", None, {"b": 1}], "é" * 40)
        ],
        id="contents",
    ),
    pytest.param(
        [
            {"role": "user", "content": "x", "name": v, "id": v}
            for v in (
                1,
                1.5,
                1e20,
                True,
                [1],
                ["b" * 46],
                ["b" * 47],
                ["é" * 24],
                ["ab😀" * 9],
                {"é": "😀" * 30},
            )
        ],
        id="names and ids",
    ),
    pytest.param(
        [
            {"role": "user", "content": "x", **kw}
            for kw in (
                {"additional_kwargs": "ab"},
                {"additional_kwargs": [["k", "v"]]},
                {"additional_kwargs": None},
                {"response_metadata": 5},
                {"response_metadata": {}},
                {"message_type": 1},
                {"example": True, "type": "zzz", "additional_kwargs": {"b": 1}},
            )
        ],
        id="kwargs",
    ),
    pytest.param(
        [
            {"role": "tool", "content": c, "tool_call_id": t, **kw}
            for c, t, kw in (
                ("x", None, {}),
                ([1, "a"], 1.0, {"status": "error"}),
                ("x", "c", {"status": "bad"}),
                ("x", [1], {}),
                ("x", True, {"additional_kwargs": {"artifact": 3, "status": None}}),
            )
        ],
        id="tool messages",
    ),
    pytest.param(
        [
            {"role": "ai", "content": "x", "tool_calls": tc}
            for tc in (
                [{"name": None, "args": None, "id": 5}, {"name": "a", "args": [1], "id": [2]}],
                [{"name": "f", "args": {}}],
                [{"name": "f", "args": {}, "id": "i", "bad": 1}],
                [{"id": "c", "function": {"name": "f", "arguments": "null"}}],
                "function",
                [5],
                7,
                [{"id": "c", "function": {"name": "f", "arguments": {"a": 1}}}],
                [],
                None,
            )
        ],
        id="tool calls",
    ),
    pytest.param(
        [
            {"role": "ai", "content": "x", "additional_kwargs": {"tool_calls": raw}}
            for raw in (
                [
                    {"id": "c1", "function": {"name": "f", "arguments": '{"a": 1}'}},
                    {"id": "c2", "function": {"name": None, "arguments": "bad"}},
                ],
                [{"id": 5, "function": {"name": 7, "arguments": "[1]"}}],
                [{"function": {"name": "f", "arguments": "{}"}}, {"function": {"arguments": "1"}}],
                [{"function": {"name": "n", "arguments": '{"a": "\x01"}'}}],
                "function",
            )
        ],
        id="raw OpenAI tool calls",
    ),
    pytest.param(
        [
            [{"role": "user", "content": "a", "id": "1"}, rm("1"), ("ai", "b")],
            [
                {"role": "ai", "content": "c", "id": "1"},
                rm("1"),
                {"role": "ai", "content": "d", "id": "1"},
            ],
            [rm("1"), rm("nope")],
            [rm(2)],
            [rm(True)],
            [{"type": "remove"}],
            ["remove", "x"],
        ],
        id="removes",
    ),
    pytest.param(
        [
            ["a", "b"],
            [rm(ALL), {"role": "ai", "content": "c", "id": "1"}, ("ai", "d"), rm("9")],
            [{"role": "ai", "content": "e", "id": "1"}, {"role": "ai", "content": "f", "id": "1"}],
            [rm("1")],
            [rm(ALL)],
            [rm(ALL), rm(ALL), "g"],
        ],
        id="remove all",
    ),
    pytest.param([None, "a", None, [], {"role": "user", "content": "a", "id": ""}], id="null"),
]


@pytest.mark.parametrize("updates", HAND_WRITTEN)
def test_matches_langgraph_on_hand_written_updates(
    run_real: Callable[[list[object]], list[Outcome]], updates: list[object]
) -> None:
    assert run_mock(updates) == run_real(updates)


TEXT = st.text(alphabet="ab é😀'\"\n", max_size=6)
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    TEXT,
    st.floats(allow_nan=False, allow_infinity=False),
)
JSON = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(TEXT, inner, max_size=2),
    max_leaves=4,
)
NONE = st.none()
SMALL_DICT = st.dictionaries(TEXT, SCALAR, max_size=2)
ROLES = st.sampled_from(
    [
        "user",
        "human",
        "ai",
        "assistant",
        "system",
        "developer",
        "tool",
        "function",
        "remove",
        "robot",
    ]
)
IDS = st.sampled_from(["a", "b", "c", "", REMOVE_ALL_MESSAGES, 1]) | st.none()
CONTENT = st.one_of(TEXT, st.none(), st.lists(TEXT | SMALL_DICT, max_size=2))
ARGUMENTS = st.one_of(SMALL_DICT.map(json.dumps), st.sampled_from(["null", "[1]", "bad", '"\x01"']))
OPENAI_CALL = st.fixed_dictionaries(
    {"id": TEXT, "function": st.fixed_dictionaries({"name": TEXT | NONE, "arguments": ARGUMENTS})},
    optional={"type": st.just("function")},
)
TOOL_CALL = st.fixed_dictionaries(
    {"name": TEXT, "args": SMALL_DICT, "id": TEXT | st.none()},
    optional={"type": st.just("tool_call"), "extras": SMALL_DICT},
)
# Each optional key of a message dict: a value langchain accepts (mostly), or any JSON (rarely).
GOOD_VALUES = {
    "id": IDS,
    "name": TEXT,
    "tool_call_id": TEXT | st.integers(0, 2),
    "tool_calls": st.lists(TOOL_CALL | OPENAI_CALL, max_size=2),
    "additional_kwargs": st.fixed_dictionaries(
        {},
        optional={
            "tool_calls": st.lists(OPENAI_CALL, max_size=2),
            "example": SCALAR,
            "artifact": JSON,
            "status": st.sampled_from(["success", "error"]),
            "response_metadata": JSON,
            "k": JSON,
        },
    ),
    "response_metadata": SMALL_DICT,
    "example": SCALAR,
    "artifact": JSON,
    "status": st.sampled_from(["success", "error"]),
    "usage_metadata": SMALL_DICT,
    "type": ROLES,
    "unknown": JSON,
}


@st.composite
def message_dicts(draw: st.DrawFn) -> dict[str, Any]:
    """A message dict: usually role (or type) and content, some optional keys, rarely junk."""
    message: dict[str, Any] = {}
    if draw(st.integers(0, 19)):
        message["role"] = draw(ROLES)
    if draw(st.integers(0, 19)):
        message["content"] = draw(CONTENT if draw(st.integers(0, 9)) else JSON)
    if message.get("role") == "tool" and draw(st.integers(0, 9)):
        message["tool_call_id"] = draw(TEXT)
    for key, good in GOOD_VALUES.items():
        if not draw(st.integers(0, 3)):
            message[key] = draw(good if draw(st.integers(0, 9)) else JSON)
    if "remove" in (message.get("role"), message.get("type")) and draw(st.integers(0, 9)):
        message["id"] = draw(IDS)
    return message


@st.composite
def messages(draw: st.DrawFn) -> object:
    """Mostly message dicts; then bare strings, [role, content] pairs and rare junk."""
    pick = draw(st.integers(0, 15))
    if pick < 12:
        return draw(message_dicts())
    if pick < 14:
        return draw(TEXT)
    if pick < 15:
        return [draw(ROLES), draw(CONTENT)]
    return draw(JSON)


UPDATE = st.one_of(st.lists(messages(), max_size=3), messages())


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(updates=st.lists(UPDATE, min_size=1, max_size=4))
def test_matches_langgraph_on_generated_updates(
    run_real: Callable[[list[object]], list[Outcome]], updates: list[object]
) -> None:
    assert run_mock(updates) == run_real(updates)


_IDS = st.sampled_from(["a", "b", "c", "d"])
_BRANCH_UPDATE = st.lists(
    st.one_of(
        st.builds(
            lambda i, t: {"role": "user", "content": t, "id": i}, _IDS, st.sampled_from("xyz")
        ),
        st.builds(lambda i: {"type": "remove", "id": i, "content": ""}, _IDS),
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(st.tuples(st.integers(0, 50), _BRANCH_UPDATE), min_size=1, max_size=12))
def test_branches_share_an_index_without_confusing_it(
    steps: list[tuple[int, list[dict[str, str]]]],
) -> None:
    """Updating any earlier version (a fork) gives what the same update gives on a fresh
    copy of that version, whatever other branches stored under the same ids."""
    versions = [MessageLog.EMPTY]
    for pick, update in steps:
        base = versions[pick % len(versions)]
        fresh = MessageLog.of(base.to_list())
        try:
            expected = add_messages(fresh, copy.deepcopy(update)).to_list()
        except BadRequest as exc:
            with pytest.raises(BadRequest, match=re.escape(exc.detail)):
                add_messages(base, copy.deepcopy(update))
            continue
        result = add_messages(base, copy.deepcopy(update))
        assert result.to_list() == expected
        versions.append(result)


def test_an_id_stored_at_another_position_on_another_branch_is_still_found() -> None:
    def user(message_id: str, text: str = "x") -> dict[str, str]:
        return {"role": "user", "content": text, "id": message_id}

    base = add_messages(MessageLog.EMPTY, [user("a")])
    left = add_messages(base, [user("b")])  # b at position 1 on this branch
    add_messages(base, [user("c"), user("b")])  # b at position 2 on the other
    replaced = add_messages(left, [user("b", "new")])
    assert [(m["id"], m["content"]) for m in replaced] == [("a", "x"), ("b", "new")]
    assert [
        m["id"] for m in add_messages(left, [{"type": "remove", "id": "b", "content": ""}])
    ] == ["a"]
