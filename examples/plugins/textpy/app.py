"""textpy: a wconfd helper library written in Python (built with componentize-py).

It proves that the helpers contract (`wit/v0.3.0`, world `helpers-plugin`) is not tied to
Rust: `scripts/build-python-helper.sh` turns this file into `textpy.wasm`, and the tests render
templates that call it. The functions are plain Python; `decode` and `encode` translate between
the contract's flattened value (a list of nodes, children after their parents) and Python
objects.
"""

import re
import textwrap

from wit_world import exports
from componentize_py_types import Err
from wit_world.imports import types as t


def decode(nodes, i=0):
    """The Python object for node `i` of a flattened value."""
    node = nodes[i]
    if isinstance(node, t.Node_Nil):
        return None
    if isinstance(node, (t.Node_Boolean, t.Node_Int, t.Node_Float, t.Node_Text)):
        return node.value
    if isinstance(node, t.Node_Bytes):
        return bytes(node.value).decode("utf-8", "replace")
    if isinstance(node, t.Node_Strings):
        return list(node.value)
    if isinstance(node, t.Node_List):
        return [decode(nodes, c) for c in node.value]
    if isinstance(node, t.Node_Map):
        return {k: decode(nodes, c) for k, c in node.value}
    if isinstance(node, t.Node_Kv):
        return {"Key": node.value.key, "Value": node.value.value}
    raise ValueError("unknown node")


def encode(obj, out=None):
    """Append `obj` to `out` as flattened nodes; return `out` (a value)."""
    out = [] if out is None else out
    at = len(out)
    out.append(t.Node_Nil())
    if obj is None:
        pass
    elif isinstance(obj, bool):
        out[at] = t.Node_Boolean(obj)
    elif isinstance(obj, int):
        out[at] = t.Node_Int(obj)
    elif isinstance(obj, float):
        out[at] = t.Node_Float(obj)
    elif isinstance(obj, str):
        out[at] = t.Node_Text(obj)
    elif isinstance(obj, (list, tuple)):
        if all(isinstance(x, str) for x in obj):
            out[at] = t.Node_Strings(list(obj))
        else:
            children = []
            for x in obj:
                children.append(len(out))
                encode(x, out)
            out[at] = t.Node_List(children)
    elif isinstance(obj, dict):
        entries = []
        for k, v in obj.items():
            entries.append((str(k), len(out)))
            encode(v, out)
        out[at] = t.Node_Map(entries)
    else:
        out[at] = t.Node_Text(str(obj))
    return out


def slugify(text):
    """Lower case, runs of anything but letters and digits become one `-`."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


def wrap(width, text):
    """Fill `text` to lines of at most `width` characters (Python's textwrap.fill)."""
    if not isinstance(width, int) or width < 1:
        raise ValueError(f"wrap: width must be a positive integer, got {width!r}")
    return textwrap.fill(str(text), width=width)


def words(text):
    """The words of `text` as a []string."""
    return str(text).split()


FUNCTIONS = {
    "slugify": (slugify, 1, "lower-case text with runs of other characters turned into '-'"),
    "wrap": (wrap, 2, "wrap WIDTH TEXT: fill text to lines of at most WIDTH characters"),
    "words": (words, 1, "the whitespace-separated words of a string, as a []string"),
}


class Helpers(exports.Helpers):
    def functions(self):
        return [
            t.FunctionInfo(name=name, arity=arity, variadic=False, description=doc)
            for name, (_, arity, doc) in FUNCTIONS.items()
        ]

    def call(self, name, args):
        entry = FUNCTIONS.get(name)
        if entry is None:
            raise Err(f"textpy has no function {name}")
        try:
            return encode(entry[0](*[decode(a) for a in args]))
        except Exception as e:  # a helper's error is the template author's to read
            raise Err(str(e))

    def describe(self):
        return "textpy 0.1.0 (Python)"
