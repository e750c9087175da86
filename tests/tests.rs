//! End-to-end tests: every test runs the real `wconfd` binary on temporary confdirs, with the
//! real WebAssembly renderer, and checks files, modes, owners, command runs and exit codes.

// Shared harness: temporary directories and a runner for the real binary.
mod util;
// Real etcd and redis servers on loopback ports.
mod servers;

// confd's own integration suite and template unit cases, against the real confd's outputs.
mod conformance;
// The seeds' examples (examples/), against outputs from Go's text/template.
mod examples;
// Flags, CONFD_* and confd.toml: precedence, errors, exit codes.
mod cli;
// Staging, comparison, commands, modes, owners, noop, sync-only.
mod sync;
// Broken resources fail alone; errors name file, line and key.
mod resources;
// The plugin directory, manifests, the compiled-code cache, traps.
mod plugins;
// 200,000 keys through the whole process (guards the complexity of every stage).
mod scale;
// The interval daemon and signals.
mod daemon;
// Prometheus metrics and health over HTTP.
mod metrics;
// The etcd v3 backend and its watch, against a real etcd.
mod etcd;
// The redis backend and its keyspace-notification watch, against a real redis-server.
mod redis;
// The zookeeper backend and its watch, against a real ZooKeeper server.
mod zookeeper;
// The dynamodb backend plugin against moto (AWS's APIs, implemented for real, on loopback).
mod dynamodb;
// The ssm backend plugin against moto.
mod ssm;
// AWS credentials from the instance metadata service, a container endpoint and profiles.
mod aws_credentials;
// The HTTP plumbing of the API emulators below.
mod http_emulator;
// A Rancher metadata service on loopback (emulated: none can be installed here).
mod rancher_metadata;
// The rancher backend plugin against it.
mod rancher;
// The sandbox around backend plugins, with a plugin that misbehaves on request.
mod backend_plugins;
// A Consul KV API on loopback (emulated: none can be installed here).
mod consul_kv;
// The consul backend plugin against it.
mod consul;
// A Vault API on loopback (emulated: none can be installed here).
mod vault_api;
// The vault backend plugin against it.
mod vault;
// The template-engine limits and the refusal of plugins importing what the host lacks.
mod limits;
// Helper libraries: json, sprig, one in Python, misbehaving ones, name clashes.
mod helpers;
// DNS SRV: node discovery and lookupSRV against a DNS server on loopback.
mod srv;
// Tenants: keys, roots and commands confined.
mod tenants;
// Hostile plugin code: what it tries to reach, it does not.
mod sandbox;
// Go strings are bytes: templates and backend values that are not UTF-8.
mod go_strings;
// `wconfd plugin new` and `wconfd plugin inspect`.
mod plugin_tools;
