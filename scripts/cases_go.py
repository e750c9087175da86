# Case inputs where a Rust engine drifts from Go most easily: deep template recursion, nil
# values, time.Time methods, complex constants, Unicode case mapping. (Go strings as bytes:
# scripts/cases_bytes_pending.py, not in the corpus until the engine keeps bytes.)
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

json.dump(cases, open(sys.argv[1], "w"), indent=1, ensure_ascii=False)
