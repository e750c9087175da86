#!/usr/bin/env sh
# The target triple the scripts build wconfd for: on x86-64 Linux a static executable on musl
# (no dynamic loader, and none of glibc's start-up probing of the CPU, which costs a small
# onetime run most of a millisecond in a virtual machine; see the README's "Speed"); elsewhere
# the toolchain's own host target.
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) echo x86_64-unknown-linux-musl ;;
  *) rustc -vV | sed -n 's/^host: //p' ;;
esac
