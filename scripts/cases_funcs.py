# Case inputs for confd's function map and the memkv store (no expected values: Go decides).
import json, sys
KV = {
    "/app/upstream/host1": "10.0.0.1:80", "/app/upstream/host2": "10.0.0.2:80", "/app/upstream/host10": "10.0.0.10:80",
    "/app/upstream": "self", "/app/name": "web", "/app/port": "8080", "/app/flag": "true", "/app/deep/a/b/c": "x",
    "/apples": "red", "/b64": "aGVsbG8=", "/badb64": "a!b", "/json/obj": '{"a":1,"b":[1,2],"c":{"d":"e"}}',
    "/json/bad": '{"a":', "/csv": "a,b,,c", "/z": "last", "/spaces": "  padded  ", "/num": "-12", "/big": "99999999999999999999",
}
cases = []
def c(id, template, kv=KV, **kw):
    d = {"id": id, "template": template, "kv": kv}
    d.update(kw)
    cases.append(d)

# get / getv / exists
c("get-kv", '{{with get "/app/name"}}{{.Key}}={{.Value}}{{end}}')
c("get-missing", '{{get "/nope"}}')
c("getv-default", '{{getv "/nope" "dflt"}}|{{getv "/nope" ""}}|{{getv "/app/name" "dflt"}}')
c("getv-two-defaults", '{{getv "/nope" "a" "b"}}')
c("getv-not-cleaned", '{{getv "/app/name/"}}')
c("getv-missing-err", 'x{{getv "/nope"}}')
c("exists", '{{exists "/app/name"}} {{exists "/app"}} {{exists "/app/upstream"}} {{exists "/nope"}}')
c("exists-arity", '{{exists}}')
# gets / getvs globs
c("gets-star", '{{range gets "/app/upstream/*"}}{{.Key}}={{.Value}};{{end}}')
c("gets-question", '{{range gets "/app/upstream/host?"}}{{.Key}};{{end}}')
c("gets-class", '{{range gets "/app/upstream/host[12]"}}{{.Key}};{{end}}')
c("gets-negclass", '{{range gets "/app/upstream/host[^1]*"}}{{.Key}};{{end}}')
c("gets-range-class", '{{range gets "/app/upstream/host[0-1]*"}}{{.Key}};{{end}}')
c("gets-escape", '{{range gets "/app/\\\\*"}}{{.Key}};{{end}}')
c("gets-no-match", '{{gets "/none/*"}}|{{len (gets "/none/*")}}')
c("gets-bad-pattern", '{{gets "/app/["}}')
c("gets-bad-pattern-nomatch", '{{gets "/zz/["}}')
c("gets-all", '{{range gets "/*"}}{{.Key}};{{end}}')
c("gets-deep", '{{range gets "/app/*/*"}}{{.Key}};{{end}}')
c("gets-exact", '{{range gets "/app/name"}}{{.Key}}{{end}}')
c("getvs-sorted-values", '{{range getvs "/app/upstream/*"}}{{.}};{{end}}')
c("getvs-empty", '{{getvs "/none/*"}}')
c("getvs-bad", '{{getvs "["}}')
# ls / lsdir
c("ls-dir", '{{ls "/app"}}')
c("ls-key-itself", '{{ls "/app/upstream/host1"}}')
c("ls-upstream", '{{ls "/app/upstream"}}')
c("ls-trailing-slash", '{{ls "/app/"}}')
c("ls-missing", '{{ls "/missing"}}')
c("ls-empty", '{{ls ""}}')
c("lsdir-app", '{{lsdir "/app"}}')
c("lsdir-deep", '{{lsdir "/app/deep"}}')
c("lsdir-leaf", '{{lsdir "/app/name"}}')
c("lsdir-prefix-string", '{{lsdir "/ap"}}')
c("ls-root", '{{ls "/"}}', wconfd_differs={"reason": "ls \"/\" lists every top-level entry (confd lists only top-level leaves)",
    "output": "[app apples b64 badb64 big csv json num spaces z]"})
c("lsdir-root", '{{lsdir "/"}}', wconfd_differs={"reason": "lsdir \"/\" lists top-level directories (confd lists nothing)",
    "output": "[app json]"})
# prefix semantics
c("prefix-relative", '{{getv "/name"}} {{range gets "/upstream/*"}}{{.Key}} {{end}}', prefix="/app")
c("prefix-no-slash", '{{getv "/name"}}', prefix="app")
c("prefix-string-trim", '{{range gets "/*"}}{{.Key}}={{.Value}};{{end}}', kv={"/production/x": "1", "/productionfoo/y": "2"}, prefix="/production")
c("prefix-root-clean", '{{range gets "/*/*"}}{{.Key}};{{end}}', kv={"//a//b/": "1", "/c/d": "2"})
# strings
c("base-dir", '{{base "/a/b/c"}} {{dir "/a/b/c"}} {{base ""}} {{dir ""}} {{base "/a/b/"}} {{base "/"}} {{dir "a"}}')
c("split", '{{split "a,b,,c" ","}} {{len (split "" ",")}} {{split "abc" ""}}')
c("split-range", '{{range split (getv "/csv") ","}}[{{.}}]{{end}}')
c("join", '{{join (split "a b c" " ") "-"}}')
c("join-bad-type", '{{join (jsonArray "[\\"a\\"]") ","}}')
c("toupper-tolower", '{{toUpper "héllo ß"}} {{toLower "HÉLLO"}}')
c("contains", '{{contains "seafood" "foo"}} {{contains "x" ""}}')
c("replace", '{{replace "oink oink oink" "k" "ky" 2}} {{replace "oink oink" "oink" "moo" -1}} {{replace "abc" "" "-" -1}} {{replace "abc" "" "-" 2}}')
c("replace-arity", '{{replace "a" "b" "c"}}')
c("trimsuffix", '{{trimSuffix "file.conf" ".conf"}} {{trimSuffix "file" ".conf"}}')
c("getenv-set", '{{getenv "HOME"}}|{{getenv "UNSET" "dflt"}}|{{getenv "EMPTY" "dflt"}}', env={"HOME": "/root", "EMPTY": ""})
c("getenv-unset", '[{{getenv "NOPE"}}]', env={})
# json
c("json-fields", '{{$j := json (getv "/json/obj")}}{{$j.a}} {{$j.b}} {{index $j.b 1}} {{$j.c.d}} {{$j.missing}}')
c("json-bad", '{{json (getv "/json/bad")}}')
c("json-array-type", '{{json "[1,2]"}}')
c("json-string-type", '{{json "\\"s\\""}}')
c("json-number-type", '{{jsonArray "3"}}')
c("json-trailing", '{{json "{} x"}}')
c("json-bad-char", '{{json "{\\"a\\" 1}"}}')
c("json-bad-literal", '{{json "{\\"a\\": tru}"}}')
c("json-bad-escape", '{{json "{\\"a\\": \\"\\\\q\\"}"}}')
c("json-unicode", '{{(json "{\\"a\\": \\"\\\\u00e9\\\\ud83d\\\\ude00\\"}").a}}')
c("json-numbers", '{{range $k, $v := json "{\\"i\\":1,\\"f\\":1.5,\\"e\\":1e3,\\"n\\":-0.5,\\"big\\":123456789,\\"tiny\\":0.000001}"}}{{$k}}={{$v}} {{end}}')
c("json-empty-input", '{{json ""}}')
# Objects of one shape, one after another (the decoder shares keys it has just seen): a key
# repeated in one object (last wins), a key spelled with an escape, a long key, a key that is
# not UTF-8.
c("json-shared-keys", '{{range gets "/pools/*"}}{{$p := json .Value}}{{range $k, $v := $p}}{{$k}}={{$v}};{{end}}|{{end}}',
  kv={"/pools/a": '{"ip":"10.0.0.1","port":1,"servers":[{"ip":"x","up":true},{"ip":"y","up":false}]}',
      "/pools/b": '{"port":2,"ip":"10.0.0.2","ip":"10.0.0.3","servers":[{"up":true,"ip":"z"}]}',
      "/pools/c": '{"i\\u0070":"escaped","port":3,"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk":1,"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk":2}',
      "/pools/d": '{"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk":3,"\u00e9\\ud800":4,"\u00e9\\ud800":5}'})
c("json-nested-range", '{{range (json (getv "/json/obj")).b}}<{{.}}>{{end}}')
c("jsonarray-objects", '{{range jsonArray "[{\\"name\\":\\"a\\"},{\\"name\\":\\"b\\"}]"}}{{.name}},{{end}}')
c("json-dup-keys", '{{json "{\\"a\\":1,\\"a\\":2}"}}')
c("json-null-field", '{{$j := json "{\\"a\\":null}"}}[{{$j.a}}] {{if $j.a}}t{{else}}f{{end}}')
# map
c("map", '{{$m := map "a" 1 "b" "two"}}{{$m.a}} {{$m.b}} {{index $m "b"}} {{$m}}')
c("map-odd", '{{map "a"}}')
c("map-nonstring-key", '{{map 1 2}}')
c("map-empty", '{{map}}')
# base64
c("base64", '{{base64Encode "hello world"}} {{base64Decode (getv "/b64")}}')
c("base64-bad", '{{base64Decode (getv "/badb64")}}')
c("base64-empty", '[{{base64Encode ""}}][{{base64Decode ""}}]')
c("base64-nopad", '{{base64Decode "aGVsbG8"}}')
# parseBool / atoi / arithmetic
c("parsebool", '{{parseBool "true"}} {{parseBool "0"}} {{parseBool "T"}} {{if parseBool (getv "/app/flag")}}yes{{end}}')
c("parsebool-bad", '{{parseBool "yes"}}')
c("atoi", '{{atoi "42"}} {{atoi "-7"}} {{add (atoi (getv "/app/port")) 1}}')
c("atoi-bad", '{{atoi "4x"}}')
c("atoi-range", '{{atoi (getv "/big")}}')
c("arith", '{{add 1 2}} {{sub 1 2}} {{mul 3 4}} {{div 7 2}} {{mod 7 2}} {{div -7 2}} {{mod -7 2}}')
c("div-zero", '{{div 1 0}}')
c("mod-zero", '{{mod 1 0}}')
c("add-float", '{{add 1.5 2}}')
c("add-string", '{{add "1" 2}}')
c("add-pipe", '{{3 | add 1}}')
c("seq", '{{seq 1 5}} {{seq 5 1}} {{seq -2 2}} {{len (seq 1 1000)}}')
c("seq-range", '{{range $i := seq 1 3}}[{{$i}}]{{end}}')
# reverse / sort
c("reverse-strings", '{{reverse (split "a,b,c" ",")}}')
c("reverse-gets", '{{range reverse (gets "/app/upstream/*")}}{{.Key}};{{end}}', wconfd_differs={"reason": "reverse works on gets results (confd returns them unchanged)",
    "output": "/app/upstream/host2;/app/upstream/host10;/app/upstream/host1;"})
c("reverse-sorted-kvs", '{{range reverse (sortKVByLength (gets "/app/upstream/*"))}}{{.Key}};{{end}}')
c("reverse-other", '{{reverse 3}} {{reverse "abc"}}')
c("sortbylength", '{{sortByLength (split "ccc,a,bb,dddd" ",")}}')
c("sortbylength-ties", '{{sortByLength (split "bb,aa,c,dd" ",")}}')
c("sortkvbylength", '{{range sortKVByLength (gets "/app/upstream/*")}}{{.Key}};{{end}}')
c("sortkv-type", '{{printf "%T" (sortKVByLength (gets "/app/*"))}}')
# lookups (stubbed DNS in the oracle)
DNS = {"hosts": {"db.local": ["10.0.0.5", "fe80::1", "10.0.0.4"]},
       "srv": {"_http._tcp.example.com": [{"target": "b.example.com.", "port": 80, "priority": 10, "weight": 5},
                                         {"target": "a.example.com.", "port": 8080, "priority": 20, "weight": 1}]}}
c("lookupip", '{{lookupIP "db.local"}} {{lookupIPV4 "db.local"}} {{lookupIPV6 "db.local"}} {{lookupIP "nope.invalid"}}', dns=DNS)
c("lookupip-literal", '{{lookupIP "127.0.0.1"}}', dns=DNS)
c("lookupsrv", '{{range lookupSRV "http" "tcp" "example.com"}}{{.Target}}:{{.Port}} p{{.Priority}} w{{.Weight}};{{end}}', dns=DNS)
c("lookupsrv-empty", '{{len (lookupSRV "x" "tcp" "nope")}}', dns=DNS)
# fileExists
c("fileexists", '{{fileExists "/"}} {{fileExists "/definitely/not/here"}}')
# datetime (time-independent forms only)
c("datetime-type", '{{printf "%T" datetime}}')
c("datetime-year-positive", '{{if gt (datetime).Year 2000}}ok{{end}}')
# realistic confd templates
c("nginx-upstreams", '''{{range $dir := lsdir "/app"}}upstream {{$dir}} {
{{range gets (printf "/app/%s/*" $dir)}}    server {{.Value}};
{{end}}}
{{end}}''')
c("haproxy-backends", '''backend app
{{- range $i, $s := getvs "/app/upstream/*"}}
    server s{{$i}} {{$s}} check
{{- end}}
''')
c("kv-table", '''{{- range gets "/app/*"}}
{{printf "%-10s = %q" (base .Key) .Value}}
{{- end}}''')
c("conditional-blocks", '''{{if and (exists "/app/name") (ne (getv "/app/name") "")}}name set{{end}}
{{- if or (exists "/x") (exists "/y")}} never{{else}} none{{end}}''')
c("define-with-data", '''{{define "server"}}server {{.Value}}{{end}}{{range gets "/app/upstream/*"}}{{template "server" .}}
{{end}}''')
c("nested-range-vars", '''{{range $a := split "x,y" ","}}{{range $b := split "1,2" ","}}{{$a}}{{$b}} {{end}}{{end}}''')
c("whitespace-control", '''items:
{{- range split "a,b" ","}}
  - {{.}}
{{- end}}
''')
# large inputs
BIG = {f"/svc/{i:05d}": f"10.0.{i//256}.{i%256}:80" for i in range(3000)}
c("large-gets", '{{range gets "/svc/*"}}{{.Value}}\n{{end}}', kv=BIG)
c("large-len", '{{len (gets "/svc/*")}} {{len (ls "/svc")}} {{len (getvs "/svc/*")}}', kv=BIG)
c("large-printf", '{{range $i, $kv := gets "/svc/*"}}{{printf "%05d %-20s|" $i $kv.Value}}{{end}}', kv=BIG)
NEST = {f"/services/web/cust{c}/{h}": json.dumps({"IP": f"10.{c}.0.{h}"}) for c in range(50) for h in range(4)}
c("large-nginx", '''{{range $dir := lsdir "/services/web"}}
upstream {{base $dir}} {
    {{$custdir := printf "/services/web/%s/*" $dir}}{{range gets $custdir}}
    server {{$data := json .Value}}{{$data.IP}}:80;
    {{end}}
}
{{end}}''', kv=NEST)
c("large-seq-sum", '{{$s := 0}}{{range seq 1 2000}}{{$s = add $s .}}{{end}}{{$s}}')
# precision beyond what an f64 holds (the fuzzer found Rust's formatter panicking here)
c("printf-huge-precision", '{{printf "%.1200f|%.900e|%.1000g" 5e-324 0.1 0.1}}')
c("printf-huge-width", '{{len (printf "%1000000d" 1)}} {{printf "%10000000d" 1}}')
json.dump(cases, open(sys.argv[1], "w"), indent=1, ensure_ascii=False)
print(len(cases), "cases")
