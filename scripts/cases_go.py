# Case inputs where a Rust engine drifts from Go most easily: deep template recursion, nil
# values, time.Time methods, complex constants, Unicode case mapping, Go strings as bytes.
import json, sys
KV = {"/a": "1", "/b": "two", "/n": "null", "/obj": "{\"a\": null, \"b\": {\"c\": 1}}"}
cases = []
def c(id, template, kv=KV, **kw):
    d = {"id": id, "template": template, "kv": kv}
    d.update(kw)
    cases.append(d)

# template recursion as deep as Go allows (maxExecDepth is 100000)
rec = '{{define "r"}}{{if lt . %d}}{{template "r" (add . 1)}}{{else}}{{.}}{{end}}{{end}}{{template "r" 0}}'
for n in [1000, 5000, 20000, 99990]:
    c(f"recursion-depth-{n}", rec % n)
c("recursion-over-go-limit", rec % 100005)
c("recursion-nested-range", '{{define "r"}}{{if lt . 3000}}{{range $i := seq 1 1}}{{template "r" (add $ 1)}}{{end}}{{else}}{{.}}{{end}}{{end}}{{template "r" 0}}')

# nil values
c("nil-field-of-json-null", '{{$m := json (getv "/obj")}}{{$m.a.b}}')
c("nil-field-of-missing-key", '{{$m := json (getv "/obj")}}{{$m.zz.b}}')
c("nil-index-result-field", '{{(index (json (getv "/obj")) "a").x}}')
c("nil-data-field", '{{.x.y}}')
c("nil-map-missing-field", '{{$x := index (map "a" 1) "zz"}}{{$x.b}}')
c("nil-method-on-nil", '{{$m := json (getv "/obj")}}{{$m.a.Method 1}}')
c("nil-variable-field", '{{$n := json (getv "/n")}}{{$n.x}}')
c("nil-chain-ok", '{{$m := json (getv "/obj")}}{{$m.b.c}} {{$m.b.zz}}')

# time.Time as templates reach it (outputs that do not depend on the clock)
c("time-types", '{{$t := datetime}}{{printf "%T %T %T %T %T %T %T" $t $t.Year $t.Month $t.Weekday $t.Unix $t.YearDay $t.Nanosecond}}')
c("time-methods-self", '{{$t := datetime}}{{$t.Equal $t}} {{$t.Before $t}} {{$t.After $t}} {{$t.IsZero}} {{$t.Sub $t}}')
c("time-add-sub", '{{$t := datetime}}{{($t.Add 3600000000000).Sub $t}} {{($t.Add -90000000000).Sub $t}} {{printf "%T" ($t.Add 1)}}')
c("time-utc", '{{$t := datetime}}{{$t.UTC.Location}} {{$t.UTC.Format "MST -0700"}} {{$t.In $t.UTC.Location | printf "%T"}}')
c("time-truncate-round", '{{$t := datetime}}{{($t.Truncate 3600000000000).Minute}} {{($t.Truncate 3600000000000).Second}} {{printf "%T" ($t.Round 1000)}}')
c("time-adddate", '{{$t := datetime}}{{printf "%T" ($t.AddDate 1 0 0)}} {{(($t.AddDate 0 0 7).Sub $t)}}')
c("time-unixmilli", '{{$t := datetime}}{{printf "%T %T %T" $t.UnixMilli $t.UnixMicro $t.UnixNano}}')
c("time-two-results", '{{datetime.ISOWeek}}')
c("time-date-clock", '{{datetime.Date}}')
c("time-zone-call", '{{datetime.Zone}}')
c("time-month-string", '{{$t := datetime}}{{printf "%T" $t.Month.String}} {{printf "%d" ($t.Sub $t)}}')
c("time-format-layouts", '{{$t := (datetime.UTC.Truncate 86400000000000)}}{{$t.Format "15:04:05.000"}} {{$t.Hour}}')
c("time-field-access", '{{datetime.wall}}')
c("time-duration-print", '{{$t := datetime}}{{($t.Add 1500000).Sub $t}} {{($t.Add 1234567890123).Sub $t}} {{($t.Add 999).Sub $t}} {{($t.Add 1500).Sub $t}} {{($t.Add -7200000000000).Sub $t}}')
c("time-duration-methods", '{{$t := datetime}}{{$d := (($t.Add 90061000000000).Sub $t.Local)}}{{printf "%T %T" $d.Hours $d.Nanoseconds}} {{$d}} {{$d.Hours}} {{$d.Milliseconds}}')
c("time-duration-fixed", '{{$t := datetime}}{{$d := (($t.Add 5400000000000).Sub $t)}}{{$d.Hours}} {{$d.Minutes}} {{$d.Seconds}} {{$d.Round 3600000000000}} {{$d.Truncate 3600000000000}} {{$d.String}} {{printf "%v|%d|%s|%q" $d $d $d $d}}')
c("time-truncate-utc-days", '{{$t := datetime.UTC}}{{$d := ($t.Truncate 86400000000000)}}{{$d.Hour}}:{{$d.Minute}}:{{$d.Second}}.{{$d.Nanosecond}} {{($d.AddDate 0 0 1).Sub $d}} {{(($d.Round 86400000000000).Sub $d) | printf "%T"}}')
c("time-method-wrong-arg", '{{datetime.Add "x"}}')
c("time-method-arg-count", '{{datetime.Equal}}')

# complex constants
c("complex-print", '{{1i}} {{0i}} {{1+2i}} {{-1.5-2i}} {{printf "%T" 2i}}')
c("complex-printf", '{{printf "%v|%.1f|%g|%e" 1.5i (complex128 1) 3i 2i}}')
c("complex-printf2", '{{printf "%v|%.1f|%g|%e|%+v" 1.5i 1+2i 3i 2i 1-1i}}')
c("complex-eq", '{{eq 1i 1i}} {{eq 1i 2i}} {{ne 0i 1i}}')
c("complex-lt", '{{lt 1i 2i}}')
c("complex-to-int-arg", '{{add 1+0i 2}}')
c("complex-to-int-arg-bad", '{{add 1i 2}}')
c("complex-in-range", '{{range $i, $v := seq 1 2}}{{$v}}{{end}}{{if 0i}}t{{else}}f{{end}}{{if 1i}}t{{end}}')
c("complex-parse-err", '{{1+2}}')
c("complex-hex", '{{0x1p-2i}} {{1e3i}} {{0o7i}}')

# Unicode case mapping: Go maps rune by rune (unicode.ToUpper/ToLower), with no special casing
c("case-sharp-s", '{{toUpper "stra\u00dfe"}}|{{toLower "STRASSE \u1e9e"}}')
c("case-ligatures", '{{toUpper "\ufb01 \ufb00 \u0149"}}')
c("case-dotted-i", '{{toLower "\u0130stanbul"}}|{{toUpper "\u0131i"}}')
c("case-final-sigma", '{{toLower "\u039f\u0394\u039f\u03a3 \u03a3"}}')
c("case-titlecase-digraphs", '{{toUpper "\u01c5 \u01c8 \u01cb"}}|{{toLower "\u01c5 \u01c4"}}')
c("case-long-s-kelvin", '{{toUpper "\u017f"}}|{{toLower "\u212a \u2126"}}|{{toUpper "\u00b5"}}')
c("case-greek-iota", '{{toUpper "\u0390 \u1f80 \u0345"}}|{{toLower "\u1f88"}}')
c("case-armenian", '{{toUpper "\u0587"}}|{{toUpper "\u1e96 \u1e97"}}')
c("case-cherokee", '{{toLower "\u13a0"}}|{{toUpper "\uab70"}}')

# Go strings are byte sequences
c("bytes-escape-ff", '{{"\\xff"}}|{{len "\\xff\\xfe"}}')
c("bytes-slice-mid-rune", '{{slice "h\u00e9llo" 0 2}}|{{len (slice "h\u00e9llo" 0 2)}}|{{slice "h\u00e9llo" 2}}')
c("bytes-index", '{{index "\u00e9" 0}} {{index "\u00e9" 1}} {{index "\\xff" 0}}')
c("bytes-base64", '{{base64Encode "\\xff\\x00"}} {{base64Encode (slice "\u00e9" 0 1)}} {{base64Decode "/wA=" | len}}')
c("bytes-base64-decode-raw", '{{base64Decode "/w=="}}|{{base64Decode "w6k="}}')
c("bytes-printf", '{{printf "%q %x %X % x %s %v" "\\xff" "\\xff\\xfe" "\\xe9" "\\xc3\\xa9" "\\xe2\\x82" "\\xe2\\x82"}}')
c("bytes-printf-c", '{{printf "%c|%q|%U" 0xff 0xd800 0x110000}}')
c("bytes-toupper-invalid", '{{toUpper "a\\xffb"}}|{{toLower "A\\xffB"}}')
c("bytes-split-join", '{{join (split "a\\xffb\\xffc" "\\xff") "|"}}')
c("bytes-contains-replace", '{{contains "a\\xffb" "\\xff"}} {{replace "a\\xffb" "\\xff" "-" -1}} {{trimSuffix "ab\\xff" "\\xff"}}')
c("bytes-compare", '{{lt "\\xff" "\\xfe"}} {{eq "\\xc3\\xa9" "\u00e9"}} {{lt "\u00e9" "\\xff"}}')
c("bytes-octal-escape", '{{"\\101\\377"}}|{{len "\\377"}}')
c("bytes-range-bytes", '{{range $i, $e := split (slice "\u00e9\u00e9" 1 3) ""}}{{$i}}={{$e}};{{end}}')
c("bytes-html-js-urlquery", '{{html "\\xff<"}}|{{js "\\xff\'"}}|{{urlquery "\\xff "}}')
c("bytes-print-len", '{{print "\\xff" 1}}|{{len (print "\\xff")}}|{{printf "%5s|%-4q|" "\\xff" "\\xff"}}')
c("bytes-json-invalid", '{{json "{\\"a\\": \\"\\xff\\"}"}}', )
c("bytes-sortbylength", '{{sortByLength (split "\u00e9,ab,\\xff" ",")}}')


# Templates that are not UTF-8 (the oracle reads these from a file: `-template`)
import base64
def cb(id, template_bytes, kv=KV):
    c(id, template_bytes.decode("utf-8", "replace"), kv, template_base64=base64.b64encode(template_bytes).decode())
cb("bytes-template-text", b"a\xffb {{getv \"/a\"}} \xe2\x82\n")
cb("bytes-template-quoted", b'{{"x\xffy"}}|{{len "\xff"}}|{{`r\xffw`}}|{{len `\xff`}}')
cb("bytes-template-comment", b"{{/* \xff */}}ok{{- /* \xfe */ -}} !")
cb("bytes-template-action", b"{{\xff}}")
cb("bytes-template-error-position", b"\xff\xff\n\xff{{getv \"/zz\"}}")
cb("bytes-template-define", b'{{define "t\xff"}}T{{end}}{{template "t\xff"}}')
cb("bytes-template-printf", b'{{printf "\xff%s\xfe" "\xfd"}}|{{printf `%q` `\xff`}}')

# The same template with backend data: tests/go_strings.rs stores these bytes in etcd, redis
# and the environment as /a and expects Go's output for the literal.
c("bytes-data-literal", '{{"\\xff\\xfeok"}}|{{len "\\xff\\xfeok"}}|{{printf "%q %x" "\\xff\\xfeok" "\\xff\\xfeok"}}|{{toUpper "\\xff\\xfeok"}}|{{slice "\\xff\\xfeok" 1 3}}')

json.dump(cases, open(sys.argv[1], "w"), indent=1, ensure_ascii=False)
