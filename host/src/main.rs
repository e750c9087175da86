//! The `wconfd` binary: confd's command line over the wconfd library.

use std::process::ExitCode;

#[cfg(all(target_env = "musl", target_arch = "x86_64"))]
mod musl_copy;

/// The static musl build's allocator: with musl's own `malloc`, a printf run over 20,000 keys
/// was 10 to 15% slower than with glibc's, and with mimalloc it is not. mimalloc is built
/// without transparent huge pages (`no_thp`): a build with its default, which asks for them,
/// ran a small onetime run 0.6 ms slower than musl's `malloc` (a huge page is zeroed whole at
/// its first touch).
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    wconfd::cli::main_with_args(std::env::args().skip(1).collect())
}
