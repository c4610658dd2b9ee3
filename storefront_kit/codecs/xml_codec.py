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
from xml.sax.saxutils import escape, quoteattr

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

    def scalar(self, text: str) -> Any:
        if self.type == "integer" and _INTEGER.fullmatch(text):
            return int(text)
        if self.type == "number" and _NUMBER.fullmatch(text):
            number = float(text)
            return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
        if self.type == "boolean":
            return _BOOLEANS.get(text.strip(), text)
        return text


def _merged(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """`allOf` parts folded into one schema: their properties, the first `xml` object found."""
    if "allOf" not in schema:
        return schema
    merged: dict[str, Any] = {"properties": {}}
    for part in [*map(_merged, schema["allOf"]), schema]:
        merged["properties"].update(part.get("properties", {}))
        for key in ("type", "xml", "items"):
            if key in part and (key not in merged or part is schema):
                merged[key] = part[key]
    return merged


def _plan(schema: Mapping[str, Any]) -> _Plan:
    schema = _merged(schema)
    xml = schema.get("xml", {})
    kind = schema.get("type") or ("object" if "properties" in schema else "array" if "items" in schema else None)
    common = {"name": xml.get("name"), "namespace": xml.get("namespace"),
              "namespace_optional": bool(xml.get(NAMESPACE_OPTIONAL)), "wrapped": bool(xml.get("wrapped"))}
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
        if schema is None:
            raise ValueError("an XML body is written from its schema")
        plan = self.plan(schema)
        if plan.name is None:
            raise ValueError("the schema of an XML document names its root element (xml.name)")
        parts: list[str] = []
        _write(parts, plan.name, value, plan, plan.namespace)
        return DECLARATION + "".join(parts).encode("utf-8")


def _parse(raw: bytes) -> Element:
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
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
        item = plan.item or _Plan("scalar")
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
            out.setdefault(prop, []).append(_read(child, sub.item or _Plan("scalar"), namespace))
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
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value if isinstance(value, str) else str(value)
    return _NOT_XML.sub("\ufffd", text)


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
        parts.append(f"<{name}>{escape(_text(value))}</{name}>")


def _write(parts: list[str], name: str, value: Any, plan: _Plan, namespace: str | None = None) -> None:
    if plan.kind != "object" or not isinstance(value, Mapping):
        _write_plain(parts, name, value)
        return
    head = f"<{name}"
    if namespace:
        head += f" xmlns={quoteattr(namespace)}"
    for prop, (attribute, _sub) in plan.attributes.items():
        attribute_value = value.get(prop)
        if attribute_value is not None:
            head += f" {attribute}={quoteattr(_text(attribute_value))}"
    start = len(parts)
    parts.append(head)
    for prop, (element_name, sub) in plan.elements.items():
        child = value.get(prop)
        if child is None:
            continue
        if sub.kind == "array":
            item = sub.item or _Plan("scalar")
            item_name = item.name or element_name
            entries = child if isinstance(child, list) else [child]
            if sub.wrapped:
                parts.append(f"<{element_name}>")
                for entry in entries:
                    _write(parts, item_name, entry, item)
                parts.append(f"</{element_name}>")
            else:
                for entry in entries:
                    _write(parts, element_name, entry, item)
        else:
            _write(parts, element_name, child, sub, sub.namespace if sub.namespace != namespace else None)
    for key, child in value.items():
        # What the schema does not describe is written as plain elements, for the schema to refuse.
        if key not in plan.elements and key not in plan.attributes and child is not None:
            _write_plain(parts, key, child)
    if len(parts) == start + 1:
        parts[start] = head + "/>"
    else:
        parts[start] = head + ">"
        parts.append(f"</{name}>")


XML = XmlCodec()
