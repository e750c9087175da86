//! wconfd's `ssm` backend: AWS SSM Parameter Store with confd's rules, as a WebAssembly plugin.
//!
//! Each key is read with `GetParametersByPath` (recursive, decrypted), every page; if that
//! finds nothing, with `GetParameter` (decrypted), where a parameter that does not exist reads
//! as nothing. Every other error is the read's error (confd dropped the errors of
//! `GetParametersByPath`). Parameter names are the keys. Credentials, region and endpoint: see
//! `wconfd-plugin-aws`.
//!
//! SSM has no change notification (confd refused `-watch` for it): in watch mode wconfd
//! re-reads it every `-interval` seconds and says so at start.

use serde_json::{json, Value};
use wconfd_plugin_aws::Api;
use wconfd_plugin_sdk::backend::{BackendError, Client, Config, Guest, GuestClient, Snapshot, SnapshotBuilder};

struct Ssm;

impl Guest for Ssm {
    type Client = ParameterClient;

    fn describe() -> String {
        "ssm (AWS SSM Parameter Store, confd's rules)".into()
    }
}

struct ParameterClient {
    api: Api,
}

/// Add a parameter (`Name`, `Value`) to `out`.
fn add(parameter: &Value, out: &mut SnapshotBuilder) -> bool {
    match (parameter["Name"].as_str(), parameter["Value"].as_str()) {
        (Some(name), Some(value)) => {
            out.push(name, value.as_bytes());
            true
        }
        _ => false,
    }
}

impl ParameterClient {
    fn read(&self, key: &str, out: &mut SnapshotBuilder) -> Result<(), BackendError> {
        let mut found = false;
        let mut token: Option<String> = None;
        loop {
            let mut request = json!({"Path": key, "Recursive": true, "WithDecryption": true});
            if let Some(t) = token.take() {
                request["NextToken"] = json!(t);
            }
            let page = self.api.call("AmazonSSM.GetParametersByPath", &request)?;
            for p in page["Parameters"].as_array().into_iter().flatten() {
                found |= add(p, out);
            }
            match page["NextToken"].as_str() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        if found {
            return Ok(());
        }
        match self
            .api
            .call("AmazonSSM.GetParameter", &json!({"Name": key, "WithDecryption": true}))
        {
            Ok(answer) => {
                add(&answer["Parameter"], out);
                Ok(())
            }
            Err(BackendError::Other(m)) if m.contains("ParameterNotFound") => Ok(()),
            Err(e) => Err(e),
        }
    }
}

impl GuestClient for ParameterClient {
    fn open(config: Config) -> Result<Client, BackendError> {
        let client = ParameterClient {
            api: Api::new("ssm", "application/x-amz-json-1.1", &config)?,
        };
        wconfd_plugin_aws::say_polling(&config, "ssm");
        Ok(Client::new(client))
    }

    fn get_values(&self, keys: Vec<String>) -> Result<Snapshot, BackendError> {
        wconfd_plugin_aws::read_keys(&keys, |key, out| self.read(key, out))
    }

    fn watch(&self, _prefix: String, _keys: Vec<String>, since: u64) -> Result<Option<u64>, BackendError> {
        Ok(wconfd_plugin_aws::poll_watch(since))
    }
}

wconfd_plugin_sdk::export_backend!(Ssm);
