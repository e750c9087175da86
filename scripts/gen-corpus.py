#!/usr/bin/env python3
"""Regenerate the renderer's differential corpus from Go's real text/template.

Inputs are the case files under plugins/gotemplate/tests/cases/*.json (a list of cases each:
id, template, kv, optional prefix/env/dns/template_name; template_base64 for a template that is
not UTF-8). For every case this runs
../shared/oracle (Go 1.19 text/template + confd's function map) and writes the case together
with Go's output and error to plugins/gotemplate/tests/corpus/<file>.json. Expected values are
never written by hand: this script is the only writer of the corpus.

Usage: scripts/gen-corpus.py [ORACLE_BINARY]   (default: builds ../shared/oracle into /tmp)
"""
import base64, json, os, subprocess, sys, glob, shutil

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
cases_dir = os.path.join(root, "plugins/gotemplate/tests/cases")
corpus_dir = os.path.join(root, "plugins/gotemplate/tests/corpus")

def oracle_binary():
    if len(sys.argv) > 1:
        return sys.argv[1]
    src = os.path.join(root, "..", "shared", "oracle")
    build = "/tmp/wconfd-oracle"
    if os.path.exists(os.path.join(build, "oracle")):
        return os.path.join(build, "oracle")
    shutil.copytree(src, os.path.join(build, "src"), dirs_exist_ok=True)
    subprocess.run(["go", "build", "-o", os.path.join(build, "oracle"), "."], cwd=os.path.join(build, "src"), check=True)
    return os.path.join(build, "oracle")

def main():
    oracle = oracle_binary()
    os.makedirs(corpus_dir, exist_ok=True)
    total = 0
    for path in sorted(glob.glob(os.path.join(cases_dir, "*.json"))):
        cases = json.load(open(path))
        out = []
        seen = set()
        for c in cases:
            assert c["id"] not in seen, f"duplicate id {c['id']} in {path}"
            seen.add(c["id"])
            args = [oracle, "-json"]
            if "template_base64" in c:
                # JSON cannot carry a template that is not UTF-8: hand the oracle a file.
                tmpl = os.path.join("/tmp", "wconfd-corpus-template")
                with open(tmpl, "wb") as f:
                    f.write(base64.b64decode(c["template_base64"]))
                args += ["-template", tmpl]
            r = subprocess.run(args + ["-"], input=json.dumps(c).encode(), capture_output=True)
            if r.returncode != 0:
                sys.exit(f"oracle failed on {c['id']}: {r.stderr.decode()}")
            res = json.loads(r.stdout)
            c = dict(c)
            c["expected"] = {
                "output": res.get("output", ""),
                "output_base64": res.get("output_base64"),
                "error_kind": res.get("error_kind"),
                "error": res.get("error") or "",
            }
            out.append(c)
        name = os.path.basename(path)
        with open(os.path.join(corpus_dir, name), "w") as f:
            json.dump(out, f, indent=1, ensure_ascii=False)
            f.write("\n")
        total += len(out)
        print(f"{name}: {len(out)} cases")
    print(f"total: {total}")

if __name__ == "__main__":
    main()
