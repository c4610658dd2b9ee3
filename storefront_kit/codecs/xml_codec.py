"""XML bodies, read and written by the contract's schemas and their OpenAPI `xml` objects.

A document maps to the same plain value a JSON body would: an object schema's properties are
the element's attributes (`xml.attribute`) and child elements, an array repeats its item's
element (or, `xml.wrapped`, holds the items in one element), and a scalar is an element's text,
converted to the schema's type. So the mock and the kit validate XML bodies with the same JSON
Schema machinery as JSON ones.

Reading is hardened: no document type declarations, entities or external references (defusedxml
refuses them before anything is expanded or fetched), and no nesting deeper than `MAX_DEPTH`.
Text that does not convert (`<quantity>two</quantity>`) and elements the schema does not know
are kept as they are, so that validation names them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from storefront_kit.codecs import BodyError, UnsafeBody

MAX_DEPTH = 32
# On a schema's `xml` object: the root may also come without the namespace (a request written
# as in a vendor's example).
NAMESPACE_OPTIONAL = "x-namespace-optional"
DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'

_INTEGER = re.compile(r"\s*[-+]?[0-9]{1,18}\s*")
_NUMBER = re.compile(r"\s*[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]{1,3})?\s*")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
# Characters XML 1.0 cannot carry, written as the replacement character.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What text must escape, in content and in attribute values (where a parser would fold white space).
_SPECIAL = '&<>"\t\n\r'
_PLAIN_TYPES = (str, int, float, bool)
_NUMERIC = ("integer", "number")
# Text that needs either: escaping or replacing.
_UNPLAIN = re.compile(f"[{_SPECIAL}\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Texts lately found plain: answers repeat the same titles, descriptions and links, and a lookup
# costs a fraction of a search. Bounded; emptied when full.
_PLAIN_SEEN: dict[str, None] = {}
_PLAIN_SEEN_MAX = 8192
_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
)


@dataclass(slots=True)
class _Plan:
    """How one schema's element is read and written."""

    kind: str  # "object", "array" or "scalar"
    type: str | None = None  # a scalar's JSON type
    name: str | None = None  # `xml.name`
    namespace: str | None = None
    namespace_optional: bool = False
    wrapped: bool = False
    item: _Plan | None = None
    # property -> (XML name, plan), in the schema's order
    attributes: dict[str, tuple[str, _Plan]] = field(default_factory=dict)
    elements: dict[str, tuple[str, _Plan]] = field(default_factory=dict)
    # XML name -> property, for reading
    by_attribute: dict[str, str] = field(default_factory=dict)
    by_element: dict[str, str] = field(default_factory=dict)
    properties: frozenset[str] = frozenset()
    # For writing, per element property: (property, name, plan, its start and end tags, how it is written)
    writes: tuple[tuple[str, str, _Plan, str, str, int], ...] = ()
    attribute_writes: tuple[tuple[str, str, _Plan], ...] = ()  # (property, ` name="`, plan)

    def covers(self, value: Mapping[str, Any]) -> bool:
        """True when every key of `value` is a property of this object."""
        return value.keys() <= self.properties

    def scalar(self, text: str) -> Any:
        if self.type == "integer" and _INTEGER.fullmatch(text):
            return int(text)
        if self.type == "number" and _NUMBER.fullmatch(text):
            number = float(text)
            return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
        if self.type == "boolean":
            return _BOOLEANS.get(text.strip(), text)
        return text


_SCALAR = _Plan("scalar")
# How an element property is written (`_Plan.writes`): an array, text, a number that may be whole
# (`integer` or `number`), a decimal number, another scalar, an object.
_ARRAY, _TEXT, _WHOLE, _DECIMAL, _SCALAR_ELEMENT, _OBJECT = range(6)


def _how(plan: _Plan) -> int:
    if plan.kind == "array":
        return _ARRAY
    if plan.kind != "scalar":
        return _OBJECT
    return {"string": _TEXT, "integer": _WHOLE, "number": _DECIMAL}.get(plan.type or "", _SCALAR_ELEMENT)


def _merged(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """`allOf` parts folded into one schema: their properties, the first `xml` object found."""
    if "allOf" not in schema:
        return schema
    merged: dict[str, Any] = {"properties": {}}
    for part in [*map(_merged, schema["allOf"]), schema]:
        for name, sub in part.get("properties", {}).items():
            # A part narrowing a property (an enum of codes) keeps what the others say of it (its xml).
            merged["properties"][name] = {**merged["properties"].get(name, {}), **sub}
        for key in ("type", "xml", "items"):
            if key in part and (key not in merged or part is schema):
                merged[key] = part[key]
    return merged


def _plan(schema: Mapping[str, Any]) -> _Plan:
    schema = _merged(schema)
    xml = schema.get("xml", {})
    kind = schema.get("type") or ("object" if "properties" in schema else "array" if "items" in schema else None)
    common = {
        "name": xml.get("name"),
        "namespace": xml.get("namespace"),
        "namespace_optional": bool(xml.get(NAMESPACE_OPTIONAL)),
        "wrapped": bool(xml.get("wrapped")),
    }
    if kind == "array":
        return _Plan("array", item=_plan(schema.get("items", {})), **common)
    if kind != "object":
        return _Plan("scalar", type=kind, **common)
    plan = _Plan("object", **common)
    for prop, sub_schema in schema.get("properties", {}).items():
        sub = _plan(sub_schema)
        sub_xml = _merged(sub_schema).get("xml", {})
        if sub_xml.get("attribute"):
            name = sub_xml.get("name") or prop
            plan.attributes[prop] = (name, sub)
            plan.by_attribute[name] = prop
        else:
            # An unwrapped array repeats its item's element; the property name is the default.
            name = (sub.item.name if sub.kind == "array" and not sub.wrapped and sub.item else sub.name) or prop
            plan.elements[prop] = (name, sub)
            plan.by_element[name] = prop
    plan.properties = frozenset(plan.attributes) | frozenset(plan.elements)
    plan.writes = tuple(
        (prop, name, sub, f"<{name}>", f"</{name}>", _how(sub)) for prop, (name, sub) in plan.elements.items()
    )
    plan.attribute_writes = tuple((prop, f' {name}="', sub) for prop, (name, sub) in plan.attributes.items())
    return plan


class XmlCodec:
    """XML in UTF-8, shaped by the schema of the body (its `xml` objects)."""

    media_type = "application/xml"
    content_type = "application/xml; charset=utf-8"

    def __init__(self) -> None:
        # Plans by schema identity; each entry holds its schema, so an id is never reused.
        self._plans: dict[int, tuple[Mapping[str, Any], _Plan]] = {}

    def plan(self, schema: Mapping[str, Any]) -> _Plan:
        entry = self._plans.get(id(schema))
        if entry is None or entry[0] is not schema:
            entry = (schema, _plan(schema))
            self._plans[id(schema)] = entry
        return entry[1]

    # --- reading ---------------------------------------------------------------------------

    def decode(self, raw: bytes, schema: Mapping[str, Any] | None = None, encoding: str = "utf-8") -> Any:
        root = _parse(raw)
        if schema is None:
            return _generic(root)
        plan = self.plan(schema)
        namespace, local = _split(root.tag)
        if plan.name is not None and local != plan.name:
            raise BodyError(f"The root element is <{local}>; this document's root is <{plan.name}>.")
        if namespace != plan.namespace and not (namespace is None and plan.namespace_optional):
            expected = f"the namespace {plan.namespace}" if plan.namespace else "no namespace"
            found = f"the namespace {namespace}" if namespace else "no namespace"
            raise BodyError(f"The root element <{local}> is in {found}; it belongs in {expected}.")
        return _read(root, plan, namespace)

    # --- writing ---------------------------------------------------------------------------

    def encode(self, value: Any, schema: Mapping[str, Any] | None = None) -> bytes:
        return self.encode_read(value, schema)[0]

    def encode_read(self, value: Any, schema: Mapping[str, Any] | None = None) -> tuple[bytes, Any]:
        """The document of `value`, and what decoding it gives (`decode(document, schema)`), worked
        out while writing instead of by parsing."""
        if schema is None:
            raise ValueError("an XML body is written from its schema")
        plan = self.plan(schema)
        if plan.name is None:
            raise ValueError("the schema of an XML document names its root element (xml.name)")
        parts: list[str] = []
        read = _write(parts, plan.name, value, plan, plan.namespace)
        document = DECLARATION + "".join(parts).encode("utf-8")
        return document, (self.decode(document, schema) if read is _UNREAD else read)


def _parse(raw: bytes) -> Element:
    try:
        root: Element = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise UnsafeBody("The XML body declares a document type or an entity; neither is accepted.") from None
    except ParseError as exc:
        if "undefined entity" in str(exc):
            raise UnsafeBody("The XML body refers to an entity; entities are not accepted.") from None
        line, column = getattr(exc, "position", (0, 0))
        raise BodyError(f"The body is not well-formed XML (line {line}, column {column}).") from None
    except (ValueError, LookupError):  # an unknown or unusable declared encoding
        raise BodyError("The body is not XML in an encoding this server reads.") from None
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise UnsafeBody(f"The XML body nests elements deeper than {MAX_DEPTH} levels.")
        stack.extend((child, depth + 1) for child in element)
    return root


def _split(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return None, tag


def _add(out: dict[str, Any], key: str, value: Any) -> None:
    """A second element of one name where the schema wants one: a list, which its schema refuses."""
    if key not in out:
        out[key] = value
    elif isinstance(out[key], _Repeated):
        out[key].append(value)
    else:
        out[key] = _Repeated([out[key], value])


class _Repeated(list[Any]):
    """Values of an element repeated where the schema allows one."""


def _read(element: Element, plan: _Plan, namespace: str | None) -> Any:
    if plan.kind == "scalar":
        return _generic(element) if len(element) else plan.scalar(element.text or "")
    if plan.kind == "array":
        item = plan.item or _SCALAR
        return [_read(child, item, namespace) for child in element]
    text = _text_content(element)
    if text:
        return text  # text where elements belong: not an object, which the schema refuses
    out: dict[str, Any] = {}
    for key, text in element.attrib.items():
        if key.startswith("{"):  # an attribute of another namespace, such as xsi:schemaLocation
            continue
        prop = plan.by_attribute.get(key)
        out[prop or key] = plan.attributes[prop][1].scalar(text) if prop else text
    for child in element:
        child_namespace, local = _split(child.tag)
        prop = plan.by_element.get(local) if child_namespace == namespace else None
        if prop is None:
            _add(out, local if child_namespace == namespace else child.tag, _generic(child))
            continue
        sub = plan.elements[prop][1]
        if sub.kind != "array" or sub.wrapped:
            _add(out, prop, _read(child, sub, namespace))
        else:
            out.setdefault(prop, []).append(_read(child, sub.item or _SCALAR, namespace))
    return out


def _text_content(element: Element) -> str:
    """The element's own text between its children, whitespace aside."""
    return "".join([element.text or "", *(child.tail or "" for child in element)]).strip()


def _generic(element: Element) -> Any:
    """An element no schema describes: its text, or its attributes and children by local name."""
    if not len(element) and not element.attrib:
        return element.text or ""
    out: dict[str, Any] = {key: text for key, text in element.attrib.items() if not key.startswith("{")}
    for child in element:
        _add(out, _split(child.tag)[1], _generic(child))
    return out


def _text(value: Any) -> str:
    """A scalar as the text a reader gets (characters XML cannot carry replaced)."""
    if value is True or value is False:
        return "true" if value else "false"
    text = value if type(value) is str else str(value)
    return _NOT_XML.sub("\ufffd", text) if _NOT_XML.search(text) else text


def _plain(text: str) -> bool:
    """True when `text` is written as it is: nothing to escape or replace."""
    if text in _PLAIN_SEEN:
        return True
    if _UNPLAIN.search(text) is not None:
        return False
    if len(_PLAIN_SEEN) >= _PLAIN_SEEN_MAX:
        _PLAIN_SEEN.clear()
    _PLAIN_SEEN[text] = None
    return True


def _escaped(value: Any) -> str:
    """A scalar as element content or a double-quoted attribute value; most text needs no change."""
    text = value if type(value) is str else _text(value)
    return text if _plain(text) else _text(text).translate(_ESCAPES)


def _write_plain(parts: list[str], name: str, value: Any) -> None:
    if isinstance(value, Mapping):
        parts.append(f"<{name}>")
        for key, child in value.items():
            _write_plain(parts, key, child)
        parts.append(f"</{name}>")
    elif isinstance(value, list):
        for item in value:
            _write_plain(parts, name, item)
    else:
        parts.append(f"<{name}>{_escaped(value)}</{name}>")


# What `_write` answers for an element whose reading only a parser can tell (parts no schema describes).
_UNREAD: Any = object()
# A property that is written as nothing (an empty unwrapped array), so a reader finds none.
_ABSENT: Any = object()


def _scalar_read(value: Any, plan: _Plan) -> Any:
    """What a reader gets of a scalar written as text: the value itself where it reads back unchanged."""
    kind = type(value)
    if kind is str:
        return value if plan.type == "string" and _NOT_XML.search(value) is None else plan.scalar(_text(value))
    if (kind is int and plan.type in _NUMERIC) or (kind is float and plan.type == "number" and -1e300 < value < 1e300):
        return value
    return plan.scalar(_text(value)) if kind in _PLAIN_TYPES else _UNREAD


def _write(parts: list[str], name: str, value: Any, plan: _Plan, namespace: str | None = None) -> Any:
    """Write the element of `value`; answer what a reader of it gets: `value` itself where all of it
    reads back unchanged (the common case, so no copy is made), else a changed copy, or `_UNREAD`."""
    if plan.kind != "object" or not (type(value) is dict or isinstance(value, Mapping)):
        _write_plain(parts, name, value)
        return _scalar_read(value, plan) if plan.kind == "scalar" else _UNREAD
    changes: dict[str, Any] | None = None  # properties a reader gets otherwise than given
    head = f"<{name}"
    if namespace:
        head += f' xmlns="{_escaped(namespace)}"'
    for prop, attribute_start, sub in plan.attribute_writes:
        attribute_value = value.get(prop)
        if attribute_value is None:
            continue
        kind = type(attribute_value)
        if (kind is str and sub.type == "string" and attribute_value in _PLAIN_SEEN) or (
            kind is int and sub.type in _NUMERIC
        ):
            head += attribute_start + str(attribute_value) + '"'  # the common cases: read back as themselves
            continue
        head += attribute_start + _escaped(attribute_value) + '"'
        read = _scalar_read(attribute_value, sub)
        if read is not attribute_value:
            changes = changes or {}
            changes[prop] = read
    start = len(parts)
    parts.append(head)
    for prop, element_name, sub, start_tag, end_tag, how in plan.writes:
        child = value.get(prop)
        if child is None:
            continue
        kind = type(child)
        if how == _TEXT and kind is str:
            # The commonest element, inline: text that needs no escaping reads back as itself.
            if child in _PLAIN_SEEN or _plain(child):
                parts.append(start_tag + child + end_tag)
                continue
            text = _text(child)
            parts.append(start_tag + text.translate(_ESCAPES) + end_tag)
            read = text
        elif how == _ARRAY:
            item = sub.item or _SCALAR
            entries = child if kind is list else [child]
            if sub.wrapped:
                parts.append(start_tag)
                items = [_write(parts, item.name or element_name, entry, item) for entry in entries]
                parts.append(end_tag)
            else:
                items = [_write(parts, element_name, entry, item) for entry in entries]
            if not entries and not sub.wrapped:
                read = _ABSENT  # nothing written, nothing read
            elif any(read is _UNREAD for read in items):
                read = _UNREAD
            elif entries is child and all(read is entry for read, entry in zip(items, entries, strict=True)):
                continue
            else:
                read = items
        elif (kind is int and how == _WHOLE) or (kind is float and how == _DECIMAL and -1e300 < child < 1e300):
            parts.append(start_tag + repr(child) + end_tag)  # a number reads back as itself
            continue
        elif how != _OBJECT and kind in _PLAIN_TYPES:
            text = _text(child)
            if kind is str and _UNPLAIN.search(child) is not None:
                text = text.translate(_ESCAPES)
            parts.append(start_tag + text + end_tag)
            read = _scalar_read(child, sub)
        else:
            read = _write(parts, element_name, child, sub, sub.namespace if sub.namespace != namespace else None)
        if read is not child:
            changes = changes or {}
            changes[prop] = read
    undescribed = not plan.covers(value)
    if undescribed:
        for key, child in value.items():
            # What the schema does not describe is written as plain elements, for the schema to refuse.
            if key not in plan.properties and child is not None:
                _write_plain(parts, key, child)
    if len(parts) == start + 1:
        parts[start] = head + "/>"
    else:
        parts[start] = head + ">"
        parts.append(f"</{name}>")
    if undescribed or (changes is not None and _UNREAD in changes.values()):
        return _UNREAD
    if changes is None and None not in value.values():
        return value
    # A property given as None is not written, so not read.
    read_back = {key: (changes or {}).get(key, child) for key, child in value.items() if child is not None}
    return {key: child for key, child in read_back.items() if child is not _ABSENT}


XML = XmlCodec()
