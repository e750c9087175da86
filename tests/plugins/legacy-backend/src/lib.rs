//! A backend built against `wconfd:plugin@0.2.0` (snapshots as a list of text pairs): it
//! answers every key `K` with the pair `K/legacy` = the value of option `answer`, and its watch
//! never sees a change. wconfd must keep loading backends like it.

wit_bindgen::generate!({
    path: "../../../wit/v0.2.0",
    world: "backend-plugin",
});

use exports::wconfd::plugin::backend::{BackendError, Client, Config, Guest, GuestClient, Snapshot};
use wconfd::plugin::types::Kv;

struct Legacy;

impl Guest for Legacy {
    type Client = Fixed;
    fn describe() -> String {
        "legacy-backend 0.2.0 (test only)".into()
    }
}

struct Fixed {
    answer: String,
}

impl GuestClient for Fixed {
    fn open(config: Config) -> Result<Client, BackendError> {
        let answer = config
            .options
            .iter()
            .rev()
            .find(|(k, _)| k == "answer")
            .map(|(_, v)| v.clone())
            .ok_or_else(|| BackendError::BadConfig("option answer is missing".into()))?;
        Ok(Client::new(Fixed { answer }))
    }

    fn get_values(&self, keys: Vec<String>) -> Result<Snapshot, BackendError> {
        let kvs = keys
            .into_iter()
            .map(|k| Kv {
                key: format!("{}/legacy", k.trim_end_matches('/')),
                value: self.answer.clone(),
            })
            .collect();
        Ok(Snapshot { revision: 1, kvs })
    }

    fn watch(&self, _prefix: String, _keys: Vec<String>, since: u64) -> Result<Option<u64>, BackendError> {
        Ok((since == 0).then_some(1))
    }
}

export!(Legacy);
