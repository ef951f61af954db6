"""Mapping tables: ``Leaf`` and ``Group`` nodes, compiled into a trie of element names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from singlewindow.kit.errors import Finding
from singlewindow.standards.xml.mapping.codecs import TEXT, Codec


@dataclass(frozen=True, slots=True)
class Envelope:
    """Message-level data that is not part of the canonical document: who sent the message,
    to whom, when and in which layout version, as written in the XML. Reading returns it;
    writing takes it (or fills in defaults), so XML -> JSON -> XML can be exact."""

    sender: str = ""
    receiver: str = ""
    sent_at: str = ""
    version: str = ""

    def as_dict(self) -> dict[str, str]:
        values = {"sender": self.sender, "receiver": self.receiver}
        values |= {"sent_at": self.sent_at, "version": self.version}
        return {k: v for k, v in values.items() if v}

    @classmethod
    def from_dict(cls, values: dict[str, str]) -> Envelope:
        return cls(
            **{k: values[k] for k in ("sender", "receiver", "sent_at", "version") if k in values}
        )


@dataclass(frozen=True, slots=True, eq=False)  # identity: table nodes key the reader's dicts
class Leaf:
    """One value. ``json`` is a key, or ``object/key`` inside a JSON object of the scope;
    ``xpath`` is relative to the group element, its last step may be ``@attribute``; ``.``
    is the group element's own text.
    ``many``: a space-separated JSON string written as one element per token.
    ``envelope``: message-level data (sender, send time) kept outside the document."""

    json: str
    xpath: str
    codec: Codec = TEXT
    required: bool = False
    many: bool = False
    envelope: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class Group:
    """Repeated element ``xpath`` (relative; the last step repeats) <-> the root JSON array
    ``json``. ``key`` names the field that identifies an item for its nested groups;
    ``inherit`` is that field, copied into each item from the parent item."""

    json: str
    xpath: str
    nodes: tuple[Leaf | Group, ...]
    key: str | None = None
    inherit: str | None = None
    trie: Step = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "trie", compile_trie(self.nodes))


Node = Leaf | Group


@dataclass(slots=True)
class Step:
    """One element name in a group's table: where it leads (children), what it carries."""

    children: dict[str, Step] = field(default_factory=dict)
    attrs: dict[str, Leaf] = field(default_factory=dict)
    leaf: Leaf | None = None
    group: Group | None = None


def split_xpath(xpath: str) -> tuple[list[str], str | None]:
    """(element steps, attribute or None); ``.`` is the group element itself."""
    if xpath == ".":
        return [], None
    steps = xpath.split("/")
    if steps[-1].startswith("@"):
        return steps[:-1], steps[-1][1:]
    return steps, None


def compile_trie(nodes: tuple[Node, ...]) -> Step:
    top = Step()
    for node in nodes:
        steps, attr = split_xpath(node.xpath)
        step = top
        for name in steps:
            step = step.children.setdefault(name, Step())
        if isinstance(node, Group):
            step.group = node
        elif attr is not None:
            step.attrs[attr] = node
        else:
            step.leaf = node
    return top


def root_group(nodes: tuple[Node, ...]) -> Group:
    """The table of a whole message: the root element's children."""
    return Group(json="", xpath="", nodes=nodes)


def groups(group: Group) -> list[Group]:
    """Every group in the table, depth first."""
    out: list[Group] = []
    for node in group.nodes:
        if isinstance(node, Group):
            out += [node, *groups(node)]
    return out


def leaves(group: Group) -> list[tuple[str, Leaf]]:
    """(JSON array name or "" for the root, leaf) for every document leaf in the table."""
    out = [(group.json, n) for n in group.nodes if isinstance(n, Leaf) and not n.envelope]
    for g in groups(group):
        out += [(g.json, n) for n in g.nodes if isinstance(n, Leaf)]
    return out


def lookup(scope: dict[str, Any], path: str) -> Any:
    node: Any = scope
    for part in path.split("/"):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def finding(path: str, code: str, en: str, zh: str) -> Finding:
    return Finding(path, code, en, zh)
