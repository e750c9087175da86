# Case inputs: parse errors, sort tie orders, rare printf verbs, whitespace and scoping edges.
import json, sys, random
KV = {"/a": "1", "/b": "two", "/c/d": "x"}
cases = []
def c(id, template, kv=KV, **kw):
    d = {"id": id, "template": template, "kv": kv}
    d.update(kw)
    cases.append(d)

# parse errors, each a different message in Go's parser or lexer
for i, t in enumerate([
    "{{", "{{.", "{{ .a", "{{/* x", "{{/* x */ y}}", "{{'a", "{{\"a", "{{`a", "{{(1}}", "{{1)}}", "{{$x :}}",
    "{{#}}", "{{.a#}}", "{{$x.a#}}", "{{1x}}", "{{0x}}", "{{1e}}", "{{--1}}", "{{'ab'}}", "{{'\\q'}}", "{{\"\\q\"}}",
    "{{range}}{{end}}", "{{with}}{{end}}", "{{if 1}}", "{{if 1}}{{else}}{{else}}{{end}}", "{{define}}{{end}}",
    "{{define \"a\" 1}}{{end}}", "{{define \"a\"}}{{else}}{{end}}", "{{template}}", "{{template 1}}", "{{block}}{{end}}",
    "{{block \"b\"}}{{end}}", "{{end}}", "{{else}}", "{{nil.x}}", "{{\"s\".x}}", "{{1.x}}", "{{.|}}", "{{|.}}",
    "{{$x := 1 := 2}}", "{{$x, $y := 1}}", "{{range $a, $b, $c := .}}{{end}}", "{{with $x, $y := 1}}{{end}}",
    "{{ 1 | 2 }}", "{{printf \"%d\" 1 | .}}", "{{break 1}}", "{{range .}}{{continue 1}}{{end}}", "{{if .}}{{break}}{{end}}",
    "{{else with .}}", "{{if .}}{{else with .}}{{end}}", "{{$}}{{$.}}", "{{.a.}}", "{{ .a .b}}", "line1\nline2 {{\n.}}\n{{ nope }}",
    "{{define \"x\"}}{{define \"y\"}}{{end}}{{end}}", "{{(}}", "{{()}}", "{{$x := }}", "{{range $i := }}{{end}}",
    "{{1 2}}", "{{\"a\" \"b\"}}", "\n\n{{if}}", "{{/*\nmulti\n*/}}{{bad", "{{- -}}", "{{-3}} {{- 3}}", "{{ -3 }}",
]):
    c(f"parse-{i:02d}", t)

# sortByLength / sortKVByLength tie orders (Go 1.19's pdqsort; ties are where sorts differ)
rnd = random.Random(19)
for n in [13, 20, 50, 120]:
    words = [("".join(rnd.choice("abcdefgh") for _ in range(rnd.choice([1, 2, 3]))) + str(i)) for i in range(n)]
    c(f"sortbylength-ties-{n}", '{{range sortByLength (split "%s" ",")}}{{.}} {{end}}' % ",".join(words))
kvs = {f"/k/{'x' * rnd.choice([1, 2, 3])}{i:03d}": str(i) for i in range(60)}
c("sortkvbylength-ties-60", '{{range sortKVByLength (gets "/k/*")}}{{.Key}} {{end}}', kv=kvs)
c("sortbylength-sorted-desc", '{{sortByLength (split "eeeee,dddd,ccc,bb,a,eeeee,dddd,ccc,bb,a,eeeee,dddd,ccc,bb,a" ",")}}')

# rarer printf verbs and forms
c("printf-float-x", '{{printf "%x %X %b %.3x %#x" 1.5 -2.25 8.0 3.14159 0.1}}')
c("printf-float-x-special", '{{printf "%x %x" 0.0 1e300}}')
c("printf-int-x-neg", '{{printf "%x %X %o %b %#b %#o %O" -255 -255 -8 -5 5 8 8}}')
c("printf-c-q-u", '{{printf "%c|%q|%U|%#U|%+q" 0x1F600 0x1F600 0x1F600 0x1F600 233}}')
c("printf-space-flags", '{{printf "% d|% x|% X|%+ d|% 5d|%-+5d|" 5 "hi" "hi" 5 5 5}}')
c("printf-zero-neg", '{{printf "%05d|%-05d|%05.1f|%+05d" -42 -42 -1.5 42}}')
c("printf-str-prec", '{{printf "%.0s|%.1q|%5.2s|%-5.1x|" "abc" "abc" "abc" "abc"}}')
c("printf-bad-verb", '{{printf "%z %!d %y" 1 "s" true}}')
c("printf-index-reuse", '{{printf "%[1]d %[1]q %[1]x" 65}}')
c("printf-index-star", '{{printf "%[2]*[1]d|%[3]*.[2]*[1]f" 12 5 10}}')
c("printf-badindex-forms", '{{printf "%[0]d %[x]d %[1d" 1}}')
c("printf-nil-verbs", '{{printf "%s|%d|%v|%T" nil nil nil nil}}')
c("printf-kv-verbs", '{{printf "%s|%q|%x|%d" (get "/a") (get "/a") (get "/a") (get "/a")}}')
c("printf-map-verbs", '{{printf "%s|%q|%d" (map "k" "v" "n" 1) (map "k" "v") (map "n" 1)}}')
c("printf-list-verbs", '{{printf "%s|%q|%d|%x" (jsonArray "[\\"a\\",1,null]") (split "a,b" ",") (seq 1 3) (split "ab,c" ",")}}')
c("printf-bool-verbs", '{{printf "%t|%v|%s|%d|%5t|%-6t|" true false true false true false}}')
c("printf-wide-unicode-pad", '{{printf "%-4s|%4s|%04s" "é" "日" "ab"}}')
c("printf-pct-width", '{{printf "%5%|%-5%|%.2%"}}')
c("printf-missing-star", '{{printf "%*d"}}')
c("println-types", '{{println nil 1 "a" (seq 1 2) true 1.5}}')
c("print-nil-strings", '{{print nil "a" nil 1 nil}}')

# whitespace, comments, trimming
c("trim-comment-both", "a \n {{- /* c */ -}} \n b")
c("trim-comment-left-only", "a \n {{- /* c */}} \n b")
c("trim-newlines-only", "x\n\n\n{{- 1 -}}\n\n\ny")
c("trim-tabs-cr", "x\t\r\n{{- 1 -}}\r\n\ty")
c("trim-in-range", "{{range split \"a,b\" \",\" -}}\n  {{.}}\n{{- end}}")
c("comment-only", "{{/* just a comment */}}")
c("comment-with-braces", "{{/* {{ not an action }} */}}ok")
c("minus-not-trim", "{{-1}}|{{ - 1}}")
c("empty-template", "")
c("text-with-braces", "a { b } c {{\"{{\"}} d }}")

# variables and scoping
c("var-shadow-range", '{{$x := "out"}}{{range split "a,b" ","}}{{$x := .}}{{$x}}{{end}}{{$x}}')
c("var-assign-range", '{{$x := "out"}}{{range split "a,b" ","}}{{$x = .}}{{end}}{{$x}}')
c("var-in-with-else", '{{with $v := ""}}t{{else}}[{{$v}}]{{end}}')
c("var-dollar-in-define", '{{define "T"}}{{$}}|{{.}}{{end}}{{template "T" "arg"}}')
c("var-range-else-scope", '{{range $i, $e := ls "/none"}}{{$i}}{{else}}none{{end}}')
c("range-map-index-var", '{{range $k, $v := json "{\\"b\\":2,\\"a\\":1,\\"B\\":3}"}}{{$k}}{{$v}};{{end}}')
c("range-break-nested", '{{range $a := seq 1 3}}{{range $b := seq 1 3}}{{if eq $b 2}}{{break}}{{end}}{{$a}}{{$b}} {{end}}{{end}}')
c("range-continue-else", '{{range seq 1 3}}{{continue}}{{.}}{{else}}e{{end}}x')
c("if-else-if-no-else", '{{if eq 1 2}}a{{else if eq 1 3}}b{{end}}|')
c("with-else-if", '{{with ""}}a{{else}}{{if true}}b{{end}}{{end}}')
c("block-redefined", '{{define "B"}}new{{end}}{{block "B" .}}old{{end}}')
c("template-dot-nil", '{{define "T"}}[{{.}}]{{end}}{{template "T" .}}')
c("define-only", '{{define "T"}}unused{{end}}')
c("define-whitespace-only-redefine", '{{define "T"}}  {{end}}{{define "T"}}real{{end}}{{template "T"}}')
c("nested-template-vars", '{{define "T"}}{{$x := .}}{{$x}}{{end}}{{$x := "outer"}}{{template "T" "inner"}}{{$x}}')

# comparisons and logic
c("eq-int-float", '{{eq 1 1.0}}')
c("eq-uint8-int", '{{eq (index "a" 0) 97}} {{lt (index "a" 0) 98}}')
c("lt-strings-bytes", '{{lt "B" "a"}} {{lt "é" "z"}} {{le "" ""}}')
c("and-or-values", '{{and "a" "" "b"}}|{{or "" 0 nil "x"}}|{{and}}')
c("not-values", '{{not ""}} {{not (seq 1 0)}} {{not (map)}} {{not nil}}')
c("ne-multi", '{{ne 1 1 2}}')
c("len-map-kvs", '{{len (map "a" 1)}} {{len (gets "/*")}} {{len ""}}')
c("index-multi-map", '{{index (json "{\\"a\\":{\\"b\\":[10,20]}}") "a" "b" 1}}')
c("index-nil-map-key", '{{index (map "a" 1) nil}}')
c("index-wrong-key-type", '{{index (map "a" 1) 1}}')
c("slice-kvs", '{{range slice (gets "/*") 1 2}}{{.Key}}{{end}}')
c("slice-three", '{{slice (split "a,b,c,d" ",") 0 2 3}} {{slice "abc" 0 1 2}}')
c("slice-oob", '{{slice "abc" 1 9}}')
# Known differences: wconfd's strings are UTF-8, and its lists are values, not shared slices.
c("string-x-escape-and-mid-rune-slice", '{{"\\xff"}}|{{slice "héllo" 1 2}}', kv={})
c("reverse-and-sort-do-not-mutate", '{{$a := split "a,b,c" ","}}{{reverse $a}}{{$a}}|{{$s := split "ccc,a,bb" ","}}{{sortByLength $s}}{{$s}}', kv={},
  wconfd_differs={"reason": "reverse and sortByLength return a new list; confd also rearranges the variable passed in",
                  "output": "[c b a][a b c]|[a bb ccc][ccc a bb]"})
json.dump(cases, open(sys.argv[1], "w"), indent=1, ensure_ascii=False)
print(len(cases), "cases")
