//! WASI 0.2 for a plugin: only the interfaces its component imports.
//!
//! `wasmtime_wasi::p2::add_to_linker_sync` defines all 27 WASI 0.2 interfaces whatever the
//! plugin uses: 0.15-0.25 ms per plugin load here, most of the time it took to link a renderer.
//! The same interfaces, with the same host implementations, are linked here one by one when the
//! component imports them; one it imports that WASI 0.2 does not define is left for
//! `instantiate_pre` to refuse, as before.

use wasmtime::component::{Component, HasData, Linker, ResourceTable};
use wasmtime::Engine;
use wasmtime_wasi::cli::{WasiCli, WasiCliView};
use wasmtime_wasi::clocks::{WasiClocks, WasiClocksView};
use wasmtime_wasi::filesystem::{WasiFilesystem, WasiFilesystemView};
use wasmtime_wasi::p2::bindings::sync as wasi_sync;
use wasmtime_wasi::p2::bindings::{cli, clocks, filesystem, random, sockets};
use wasmtime_wasi::random::{WasiRandom, WasiRandomView};
use wasmtime_wasi::sockets::{WasiSockets, WasiSocketsView};
use wasmtime_wasi::WasiView;

/// `wasi:io`'s state: the resource table.
struct Io;

impl HasData for Io {
    type Data<'a> = &'a mut ResourceTable;
}

/// Add to `linker` the WASI interfaces `component` imports (synchronous implementations).
pub fn add_imported<S: WasiView + 'static>(
    linker: &mut Linker<S>,
    component: &Component,
    engine: &Engine,
) -> wasmtime::Result<()> {
    let imports: Vec<String> = component
        .component_type()
        .imports(engine)
        .map(|(name, _)| name.split('@').next().unwrap_or(name).to_string())
        .collect();
    let wants = |interface: &str| imports.iter().any(|i| i == interface);
    let l = linker;
    fn table<S: WasiView>(t: &mut S) -> &mut ResourceTable {
        t.ctx().table
    }
    let network = sockets::network::LinkOptions::default();
    // Each line: an interface, and how wasmtime-wasi adds it (what `add_to_linker_sync` does).
    macro_rules! link {
        ($($interface:literal => $add:expr;)*) => {
            $(if wants($interface) {
                $add?;
            })*
        };
    }
    link! {
        "wasi:io/error" => wasmtime_wasi_io::bindings::wasi::io::error::add_to_linker::<S, Io>(l, table::<S>);
        "wasi:io/poll" => wasi_sync::io::poll::add_to_linker::<S, Io>(l, table::<S>);
        "wasi:io/streams" => wasi_sync::io::streams::add_to_linker::<S, Io>(l, table::<S>);
        "wasi:clocks/wall-clock" => clocks::wall_clock::add_to_linker::<S, WasiClocks>(l, S::clocks);
        "wasi:clocks/monotonic-clock" => clocks::monotonic_clock::add_to_linker::<S, WasiClocks>(l, S::clocks);
        "wasi:filesystem/preopens" => filesystem::preopens::add_to_linker::<S, WasiFilesystem>(l, S::filesystem);
        "wasi:filesystem/types" => wasi_sync::filesystem::types::add_to_linker::<S, WasiFilesystem>(l, S::filesystem);
        "wasi:random/random" => random::random::add_to_linker::<S, WasiRandom>(l, S::random);
        "wasi:random/insecure" => random::insecure::add_to_linker::<S, WasiRandom>(l, S::random);
        "wasi:random/insecure-seed" => random::insecure_seed::add_to_linker::<S, WasiRandom>(l, S::random);
        "wasi:cli/exit" => cli::exit::add_to_linker::<S, WasiCli>(l, S::cli);
        "wasi:cli/environment" => cli::environment::add_to_linker::<S, WasiCli>(l, S::cli);
        "wasi:cli/stdin" => cli::stdin::add_to_linker::<S, WasiCli>(l, S::cli);
        "wasi:cli/stdout" => cli::stdout::add_to_linker::<S, WasiCli>(l, S::cli);
        "wasi:cli/stderr" => cli::stderr::add_to_linker::<S, WasiCli>(l, S::cli);
        "wasi:cli/terminal-input" => cli::terminal_input::add_to_linker::<S, WasiCli>(l, S::cli);
        "wasi:cli/terminal-output" => cli::terminal_output::add_to_linker::<S, WasiCli>(l, S::cli);
        "wasi:cli/terminal-stdin" => cli::terminal_stdin::add_to_linker::<S, WasiCli>(l, S::cli);
        "wasi:cli/terminal-stdout" => cli::terminal_stdout::add_to_linker::<S, WasiCli>(l, S::cli);
        "wasi:cli/terminal-stderr" => cli::terminal_stderr::add_to_linker::<S, WasiCli>(l, S::cli);
        "wasi:sockets/tcp-create-socket" => sockets::tcp_create_socket::add_to_linker::<S, WasiSockets>(l, S::sockets);
        "wasi:sockets/instance-network" => sockets::instance_network::add_to_linker::<S, WasiSockets>(l, S::sockets);
        "wasi:sockets/network" => sockets::network::add_to_linker::<S, WasiSockets>(l, &network, S::sockets);
        "wasi:sockets/ip-name-lookup" => sockets::ip_name_lookup::add_to_linker::<S, WasiSockets>(l, S::sockets);
        "wasi:sockets/tcp" => wasi_sync::sockets::tcp::add_to_linker::<S, WasiSockets>(l, S::sockets);
        "wasi:sockets/udp" => wasi_sync::sockets::udp::add_to_linker::<S, WasiSockets>(l, S::sockets);
        "wasi:sockets/udp-create-socket" =>
            wasi_sync::sockets::udp_create_socket::add_to_linker::<S, WasiSockets>(l, S::sockets);
    }
    Ok(())
}
