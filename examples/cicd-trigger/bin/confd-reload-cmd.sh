#!/bin/bash
# Seed 003's reload script, reduced to what can run here: it logs each generated command file
# (the seed then runs it against Kubernetes with `sh`).
f_dest="$1"
mkdir -p logs
{
  echo "[+] op=do_confd_reload_cmd $(date +%Y%m%d_%H%M%S)"
  grep -v '^$' "${f_dest}"
} >> "logs/$(basename "${f_dest}").log"
