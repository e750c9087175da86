//! A backend plugin for the host's sandbox tests (built by the tests, never shipped). It reads
//! `GET <first node><key>` for each key and answers `<key>/status` and `<key>/body`, except:
//!
//! - a key under `/elsewhere` is fetched from the `elsewhere` option's URL instead (a host the
//!   operator did not configure);
//! - a key under `/forged` is fetched with a `Host` header naming the `forged_host` option;
//! - a key under `/malformed` is answered with a snapshot whose lengths run past its bytes;
//! - a 3xx answer is followed to its `Location` (a new request, checked like any other);
//! - option `trap` = `get` or `watch` panics in that call (`watch` only after the first call);
//! - option `spin` = `get` loops forever in `get-values`;
//! - option `synthetic` = N answers every `get-values` with N pairs made once in `open` and
//!   no I/O (what crossing the WebAssembly boundary costs, for the benchmarks); with
//!   `synthetic_copies` = C it makes C copies up front and hands one over per call without
//!   copying it, so a benchmark of C calls times the crossing alone.

use wconfd_plugin_sdk::backend::{snapshot, BackendError, Client, Config, Guest, GuestClient, Kv, Snapshot};
use wconfd_plugin_sdk::http;

struct Probe;

impl Guest for Probe {
    type Client = ProbeClient;

    fn describe() -> String {
        "probe (test plugin)".into()
    }
}

struct ProbeClient {
    config: Config,
    synthetic: Option<Snapshot>,
    /// Ready-made answers, moved out one per call (then `synthetic` is cloned).
    copies: std::cell::RefCell<Vec<Snapshot>>,
}

impl ProbeClient {
    fn option(&self, name: &str) -> Option<&str> {
        wconfd_plugin_sdk::backend::option(&self.config, name)
    }

    fn fetch(&self, key: &str) -> Result<http::Response, BackendError> {
        let base = self
            .config
            .nodes
            .first()
            .map(|n| format!("http://{n}"))
            .unwrap_or_default();
        let (mut url, mut headers) = (format!("{base}{key}"), Vec::new());
        if key.starts_with("/elsewhere") {
            url = self
                .option("elsewhere")
                .unwrap_or("http://example.invalid/")
                .to_string();
        }
        if key.starts_with("/forged") {
            headers.push(("Host", self.option("forged_host").unwrap_or("evil.example")));
        }
        for _ in 0..5 {
            let answer = http::get(&url, &headers)?;
            match answer.header("location") {
                Some(to) if (300..400).contains(&answer.status) => url = to.to_string(),
                _ => return Ok(answer),
            }
        }
        Err(BackendError::Other("too many redirects".into()))
    }
}

impl GuestClient for ProbeClient {
    fn open(config: Config) -> Result<Client, BackendError> {
        let n: usize = wconfd_plugin_sdk::backend::option_or(&config, "synthetic", 0)?;
        let synthetic = (n > 0).then(|| {
            snapshot(
                1,
                (0..n).map(|i| Kv {
                    key: format!("/big/k{i:05}"),
                    value: format!("value-{i}"),
                }),
            )
        });
        let copies: usize = wconfd_plugin_sdk::backend::option_or(&config, "synthetic_copies", 0)?;
        let copies = std::cell::RefCell::new(
            synthetic
                .iter()
                .flat_map(|s| std::iter::repeat_n(s, copies))
                .cloned()
                .collect(),
        );
        Ok(Client::new(ProbeClient {
            config,
            synthetic,
            copies,
        }))
    }

    fn get_values(&self, keys: Vec<String>) -> Result<Snapshot, BackendError> {
        if self.option("trap") == Some("get") {
            panic!("the probe traps in get-values, as asked");
        }
        if self.option("spin") == Some("get") {
            #[allow(clippy::empty_loop)]
            loop {}
        }
        if keys.iter().any(|k| k.starts_with("/malformed")) {
            return Ok(Snapshot {
                revision: 1,
                keys: b"/malformed".to_vec(),
                values: Vec::new(),
                lengths: vec![10, 5],
            });
        }
        if let Some(synthetic) = &self.synthetic {
            return Ok(self.copies.borrow_mut().pop().unwrap_or_else(|| synthetic.clone()));
        }
        let mut kvs = Vec::new();
        for key in &keys {
            let answer = self.fetch(key)?;
            kvs.push(Kv {
                key: format!("{key}/status"),
                value: answer.status.to_string(),
            });
            kvs.push(Kv {
                key: format!("{key}/body"),
                value: answer.text(),
            });
        }
        Ok(snapshot(1, kvs))
    }

    fn watch(&self, _prefix: String, _keys: Vec<String>, since: u64) -> Result<Option<u64>, BackendError> {
        if since == 0 {
            return Ok(Some(1));
        }
        if self.option("trap") == Some("watch") {
            panic!("the probe traps in watch, as asked");
        }
        wconfd_plugin_sdk::sleep(std::time::Duration::from_millis(200));
        Ok(None)
    }
}

wconfd_plugin_sdk::export_backend!(Probe);
