#!/usr/bin/env python3
"""Regenerate examples/*/expected/ with Go's real text/template (../shared/oracle).

For each example: read its resources (conf.d/*.toml), flatten data.yaml as confd's file
backend does, keep the keys each resource asks for, and have the oracle render the template.
The integration tests compare wconfd's output with these files.

Usage: scripts/gen-examples.py [ORACLE_BINARY]
"""
import json, os, subprocess, sys, tomllib, glob, posixpath
import yaml  # PyYAML: YAML 1.1 scalars, like confd's yaml.v2

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(root, "scripts"))

def oracle_binary():
    if len(sys.argv) > 1:
        return sys.argv[1]
    import importlib.util
    spec = importlib.util.spec_from_file_location("gc", os.path.join(root, "scripts/gen-corpus.py"))
    gc = importlib.util.module_from_spec(spec); spec.loader.exec_module(gc)
    return gc.oracle_binary()

def walk(node, key, out):
    if isinstance(node, dict):
        for k, v in node.items():
            walk(v, posixpath.normpath(posixpath.join(key, str(k))), out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk(v, posixpath.join(key, str(i)), out)
    elif isinstance(node, bool):
        out[key] = "true" if node else "false"
    elif isinstance(node, (int, str)):
        out[key] = str(node)
    elif isinstance(node, float):
        out[key] = repr(node).rstrip("0").rstrip(".") if node == node else "NaN"

def under(key, prefix):
    return prefix == "/" or key == prefix or key.startswith(prefix + "/")

def main():
    oracle = oracle_binary()
    for ex in sorted(glob.glob(os.path.join(root, "examples/*/"))):
        data = {}
        walk(yaml.safe_load(open(os.path.join(ex, "data.yaml"))), "/", data)
        os.makedirs(os.path.join(ex, "expected"), exist_ok=True)
        for t in sorted(glob.glob(os.path.join(ex, "confdir/conf.d/*.toml"))):
            doc = tomllib.load(open(t, "rb"))
            res = doc.get("template", doc)
            prefix = res.get("prefix", "")
            if not prefix.startswith("/"):
                prefix = "/" + prefix
            keys = [posixpath.normpath(posixpath.join(prefix, k.lstrip("/"))) for k in res.get("keys", [])]
            kv = {k: v for k, v in data.items() if any(under(k, p) for p in keys)}
            case = {
                "template": open(os.path.join(ex, "confdir/templates", res["src"])).read(),
                "template_name": os.path.basename(res["src"]),
                "kv": kv,
                "prefix": prefix,
                "env": {"HOSTNAME": "localhost"},
            }
            r = subprocess.run([oracle, "-json", "-"], input=json.dumps(case).encode(), capture_output=True, check=True)
            result = json.loads(r.stdout)
            if result.get("error"):
                sys.exit(f"{t}: Go failed: {result['error']}")
            name = os.path.basename(res["dest"])
            open(os.path.join(ex, "expected", name), "w").write(result["output"])
            print(f"{os.path.relpath(t, root)} -> expected/{name}")

if __name__ == "__main__":
    main()
