//! wconfd's `dynamodb` backend: AWS DynamoDB with confd's rules, as a WebAssembly plugin.
//!
//! The table comes from `-table`; items have a string attribute `key` (the hash key, a confd
//! key such as `/database/host`) and a string attribute `value`. A key is read exactly with
//! `GetItem`; if there is no such item, every item whose `key` begins with it is read with
//! `Scan`, page after page (confd read only the first page). Items whose `value` is not a
//! string are skipped and said once. Credentials, region and endpoint: see `wconfd-plugin-aws`.
//!
//! Option `page_size`: items per `Scan` page (DynamoDB's `Limit`; default: as many as fit in
//! DynamoDB's 1 MB page), to bound the read capacity one call spends.
//!
//! DynamoDB has no change notification (confd refused `-watch` for it): in watch mode wconfd
//! re-reads it every `-interval` seconds and says so at start.

use serde_json::{json, Value};
use wconfd_plugin_aws::Api;
use wconfd_plugin_sdk::backend::{option, BackendError, Client, Config, Guest, GuestClient, Snapshot, SnapshotBuilder};
use wconfd_plugin_sdk::log;

struct DynamoDb;

impl Guest for DynamoDb {
    type Client = TableClient;

    fn describe() -> String {
        "dynamodb (AWS DynamoDB, confd's rules)".into()
    }
}

struct TableClient {
    api: Api,
    table: String,
    page_size: Option<u32>,
}

impl TableClient {
    fn call(&self, action: &str, body: &Value) -> Result<Value, BackendError> {
        self.api.call(&format!("DynamoDB_20120810.{action}"), body)
    }

    /// Add an item's `key` and string `value` to `out` (saying once if the value is not a string).
    fn add_item(item: &Value, out: &mut SnapshotBuilder) {
        let Some(key) = item["key"]["S"].as_str() else { return };
        match item["value"]["S"].as_str() {
            Some(value) => out.push(key, value.as_bytes()),
            None => log::warn_once(&format!("item {key}: its value is not a string; skipped")),
        }
    }

    fn read(&self, key: &str, out: &mut SnapshotBuilder) -> Result<(), BackendError> {
        let item = self.call(
            "GetItem",
            &json!({"TableName": self.table, "Key": {"key": {"S": key}}, "ConsistentRead": true}),
        )?;
        if item["Item"].is_object() {
            Self::add_item(&item["Item"], out);
            return Ok(());
        }
        let mut start: Option<Value> = None;
        loop {
            let mut scan = json!({
                "TableName": self.table,
                "ScanFilter": {"key": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": key}]}},
                "AttributesToGet": ["key", "value"],
                "Select": "SPECIFIC_ATTRIBUTES",
            });
            if let Some(s) = start.take() {
                scan["ExclusiveStartKey"] = s;
            }
            if let Some(n) = self.page_size {
                scan["Limit"] = json!(n);
            }
            let page = self.call("Scan", &scan)?;
            for item in page["Items"].as_array().into_iter().flatten() {
                Self::add_item(item, out);
            }
            match &page["LastEvaluatedKey"] {
                Value::Object(k) if !k.is_empty() => start = Some(page["LastEvaluatedKey"].clone()),
                _ => return Ok(()),
            }
        }
    }
}

impl GuestClient for TableClient {
    fn open(config: Config) -> Result<Client, BackendError> {
        if config.table.is_empty() {
            return Err(BackendError::BadConfig("no DynamoDB table configured (-table)".into()));
        }
        let page_size = match option(&config, "page_size") {
            None => None,
            Some(n) => Some(n.parse().ok().filter(|&n: &u32| n > 0).ok_or_else(|| {
                BackendError::BadConfig(format!("option page_size = {n:?} is not a positive number"))
            })?),
        };
        let client = TableClient {
            api: Api::new("dynamodb", "application/x-amz-json-1.0", &config)?,
            table: config.table.clone(),
            page_size,
        };
        // As confd: the table must exist before anything is served.
        client.call("DescribeTable", &json!({"TableName": client.table}))?;
        wconfd_plugin_aws::say_polling(&config, "dynamodb");
        Ok(Client::new(client))
    }

    fn get_values(&self, keys: Vec<String>) -> Result<Snapshot, BackendError> {
        wconfd_plugin_aws::read_keys(&keys, |key, out| self.read(key, out))
    }

    fn watch(&self, _prefix: String, _keys: Vec<String>, since: u64) -> Result<Option<u64>, BackendError> {
        Ok(wconfd_plugin_aws::poll_watch(since))
    }
}

wconfd_plugin_sdk::export_backend!(DynamoDb);
