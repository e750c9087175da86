//! The `file` backend: YAML and JSON files (several `-file` values, directories walked with
//! the `-filter` glob on base names), flattened into keys as confd does.
//!
//! Files are re-read on every `get_values`, so a onetime run, an interval pass and a watch
//! event all see the current contents. `watch` polls a fingerprint of the inputs. The one
//! exception is the first `get_values`: it takes a read started before the plugins load, by a
//! onetime run ([`read_ahead`]) or by the backend when it is created, on a blocking thread
//! (reading 125 KB of JSON takes half a millisecond of a onetime run of a few).

use super::{yaml, Backend, BackendError, Snapshot};
use crate::{info, warn};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// How often `watch` looks at the files. A file backend serves configuration written by
/// people or deploy tools; half a second is immediate for them and costs a few stat+reads.
const POLL: Duration = Duration::from_millis(500);

/// The file backend.
pub struct FileBackend {
    inputs: Arc<Inputs>,
    /// Revision counter, bumped whenever the inputs' contents change.
    revision: AtomicU64,
    last_fingerprint: Mutex<Option<u64>>,
    /// The error the watch last reported, so that a file that stays broken is reported once,
    /// not on every poll.
    last_watch_error: Mutex<Option<String>>,
    /// The read [`FileBackend::new`] started, for the first `get_values`. When it failed,
    /// `get_values` reads again and reports the error where confd does.
    first_read: Mutex<Option<oneshot::Receiver<Result<Contents, BackendError>>>>,
}

/// Every key of the inputs, and their fingerprint.
type Contents = (BTreeMap<String, String>, u64);

/// What the backend reads: the `-file` values and the `-filter` glob.
struct Inputs {
    paths: Vec<String>,
    filter: glob::Pattern,
}

impl Inputs {
    /// Every input file, in confd's order: each `-file` in turn, directories walked lexically.
    fn files(&self) -> Result<Vec<PathBuf>, BackendError> {
        let mut out = Vec::new();
        for input in &self.paths {
            walk(Path::new(input), &self.filter, &mut out).map_err(|e| BackendError::Io {
                path: input.clone(),
                source: e,
            })?;
        }
        Ok(out)
    }

    fn read_all(&self) -> Result<Contents, BackendError> {
        let mut kv = BTreeMap::new();
        // Only successive contents are compared (has anything changed since the last read?),
        // so a fast 64-bit hash does; md5 took a fifth of a 125 KB file's read.
        let mut fingerprint = std::hash::DefaultHasher::new();
        for path in self.files()? {
            let text = std::fs::read_to_string(&path).map_err(|e| BackendError::Io {
                path: path.display().to_string(),
                source: e,
            })?;
            std::hash::Hasher::write(&mut fingerprint, path.as_os_str().as_encoded_bytes());
            std::hash::Hasher::write(&mut fingerprint, text.as_bytes());
            yaml::flatten_into(&text, &mut kv).map_err(|(line, message)| BackendError::Parse {
                path: path.display().to_string(),
                line,
                message,
            })?;
        }
        Ok((kv, std::hash::Hasher::finish(&fingerprint)))
    }
}

/// Reads of the inputs started before their backend is made ([`read_ahead`]): the inputs and
/// filter read, and where the result arrives.
type ReadAhead = (Vec<String>, String, oneshot::Receiver<Result<Contents, BackendError>>);
static READ_AHEAD: Mutex<Option<ReadAhead>> = Mutex::new(None);

/// The first read of `inputs` with `filter`, to run on a thread of its own as soon as the
/// configuration is known: a onetime run starts it before it loads the plugins, and the
/// backend made next for the same inputs takes the result (0.25 ms sooner than a read the
/// backend starts itself). `None` for inputs or a filter the backend will refuse.
pub fn read_ahead(inputs: Vec<String>, filter: String) -> Option<impl FnOnce() + Send + 'static> {
    if inputs.is_empty() {
        return None;
    }
    let pattern = glob_of(&filter).ok()?;
    let (answer, result) = oneshot::channel();
    let read = Inputs {
        paths: inputs.clone(),
        filter: pattern,
    };
    *READ_AHEAD.lock().unwrap_or_else(|e| e.into_inner()) = Some((inputs, filter, result));
    Some(move || {
        let _ = answer.send(read.read_all());
    })
}

/// confd's `-filter` glob (`*` when empty).
fn glob_of(filter: &str) -> Result<glob::Pattern, BackendError> {
    glob::Pattern::new(if filter.is_empty() { "*" } else { filter })
        .map_err(|e| BackendError::Unsupported(format!("invalid -filter {filter:?}: {e}")))
}

impl FileBackend {
    /// A backend over `inputs` (files or directories) with confd's `-filter` glob. Its first
    /// read is one [`read_ahead`] started for the same inputs, else (inside a tokio runtime) one
    /// it starts at once on a blocking thread.
    pub fn new(inputs: Vec<String>, filter: String) -> Result<Self, BackendError> {
        if inputs.is_empty() {
            return Err(BackendError::Unsupported(
                "the file backend needs at least one -file".into(),
            ));
        }
        let ahead = READ_AHEAD
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take_if(|(paths, glob, _)| *paths == inputs && *glob == filter)
            .map(|(_, _, result)| result);
        let inputs = Arc::new(Inputs {
            paths: inputs,
            filter: glob_of(&filter)?,
        });
        let first_read = ahead.or_else(|| {
            let runtime = tokio::runtime::Handle::try_current().ok()?;
            let (answer, result) = oneshot::channel();
            let inputs = inputs.clone();
            runtime.spawn_blocking(move || answer.send(inputs.read_all()));
            Some(result)
        });
        Ok(FileBackend {
            inputs,
            revision: AtomicU64::new(1),
            last_fingerprint: Mutex::new(None),
            last_watch_error: Mutex::new(None),
            first_read: Mutex::new(first_read),
        })
    }

    /// The inputs' contents: the first read's if it has not been used and succeeded, else a
    /// new read.
    async fn contents(&self) -> Result<Contents, BackendError> {
        let first = self.first_read.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(read) = first {
            if let Ok(Ok(contents)) = read.await {
                return Ok(contents);
            }
        }
        self.inputs.read_all()
    }

    /// Bump the revision if the contents changed since the last look.
    fn observe(&self, fingerprint: u64) -> u64 {
        let mut last = self.last_fingerprint.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_some_and(|l| l != fingerprint) {
            self.revision.fetch_add(1, Ordering::SeqCst);
        }
        *last = Some(fingerprint);
        self.revision.load(Ordering::SeqCst)
    }
}

fn walk(path: &Path, filter: &glob::Pattern, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            walk(&e.path(), filter, out)?;
        }
    } else if path.file_name().is_some_and(|n| filter.matches(&n.to_string_lossy())) {
        out.push(path.to_path_buf());
    }
    Ok(())
}

#[async_trait]
impl Backend for FileBackend {
    fn sources(&self) -> String {
        self.inputs.paths.join(", ")
    }

    async fn get_values(&self, keys: &[String]) -> Result<Snapshot, BackendError> {
        let (kv, fp) = self.contents().await?;
        let revision = self.observe(fp);
        Ok(Snapshot {
            revision,
            // One pass: the keys asked for, their values as bytes (the map is bulk-built
            // from the sorted pairs).
            kv: kv
                .into_iter()
                .filter(|(k, _)| keys.iter().any(|p| super::under(k, p)))
                .map(|(k, v)| (k, v.into_bytes()))
                .collect(),
        })
    }

    async fn watch(&self, _prefix: &str, _keys: &[String], since: u64) -> Result<u64, BackendError> {
        if since == 0 {
            return Ok(self.revision.load(Ordering::SeqCst));
        }
        loop {
            // A file mid-write may not parse: keep polling rather than failing the watch, but
            // say (once per distinct error) why changes are not being picked up.
            let read = self.inputs.read_all();
            let error = read.as_ref().err().map(|e| e.to_string());
            {
                let mut last = self.last_watch_error.lock().unwrap_or_else(|e| e.into_inner());
                if *last != error {
                    match &error {
                        Some(e) => warn!("File backend: {e}; keeping the last good data until it reads again"),
                        None => info!("File backend: {} reads again", self.sources()),
                    }
                    *last = error;
                }
            }
            if let Ok((_, fp)) = read {
                let rev = self.observe(fp);
                if rev > since {
                    return Ok(rev);
                }
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No read thread is started for inputs or a filter the backend then refuses.
    #[test]
    fn no_read_ahead_for_inputs_or_a_filter_the_backend_refuses() {
        assert!(read_ahead(Vec::new(), String::new()).is_none());
        assert!(read_ahead(vec!["/nonexistent".into()], "[".into()).is_none());
        assert!(FileBackend::new(Vec::new(), String::new()).is_err());
        assert!(FileBackend::new(vec!["/nonexistent".into()], "[".into()).is_err());
    }

    /// The read started at creation serves the first request only: a change made after that
    /// request is seen by the next one, as a new revision; inputs that did not change keep it.
    #[tokio::test]
    async fn first_read_serves_once() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("data.yaml");
        std::fs::write(&file, "app: one\n").unwrap();
        let b = FileBackend::new(vec![file.display().to_string()], String::new()).unwrap();
        let first = b.get_values(&["/app".into()]).await.unwrap();
        std::fs::write(&file, "app: two\n").unwrap();
        let second = b.get_values(&["/app".into()]).await.unwrap();
        assert_eq!(first.kv.get("/app").map(Vec::as_slice), Some(&b"one"[..]));
        assert_eq!(second.kv.get("/app").map(Vec::as_slice), Some(&b"two"[..]));
        assert!(second.revision > first.revision);
        let third = b.get_values(&["/app".into()]).await.unwrap();
        assert_eq!(third.revision, second.revision);
    }

    /// A first read that failed is not the answer: the request reads again.
    #[tokio::test]
    async fn a_failed_first_read_is_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("data.yaml");
        let b = FileBackend::new(vec![file.display().to_string()], String::new()).unwrap();
        // Let the read-ahead fail on the missing file.
        for _ in 0..10_000 {
            if b.first_read.lock().unwrap().as_ref().is_some_and(|r| !r.is_empty()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert!(b.first_read.lock().unwrap().as_ref().is_some_and(|r| !r.is_empty()));
        std::fs::write(&file, "app: late\n").unwrap();
        let s = b.get_values(&["/app".into()]).await.unwrap();
        assert_eq!(s.kv.get("/app").map(Vec::as_slice), Some(&b"late"[..]));
    }

    #[tokio::test]
    async fn reads_merges_filters_and_respects_boundaries() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yaml"), "app:\n  port: 80\napples: red\n").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/b.yaml"), "app:\n  port: 81\n").unwrap();
        std::fs::write(dir.path().join("sub/skip.txt"), "not: yaml: at all: [").unwrap();
        let b = FileBackend::new(vec![dir.path().display().to_string()], "*.yaml".into()).unwrap();
        let s = b.get_values(&["/app".into()]).await.unwrap();
        assert_eq!(
            s.kv.into_iter().collect::<Vec<_>>(),
            vec![("/app/port".to_string(), b"81".to_vec())]
        );
    }

    #[tokio::test]
    async fn watch_sees_changes() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("d.yaml");
        std::fs::write(&f, "k: 1\n").unwrap();
        let b = FileBackend::new(vec![f.display().to_string()], "*".into()).unwrap();
        let s = b.get_values(&["/k".into()]).await.unwrap();
        let keys = vec!["/k".to_string()];
        let w = b.watch("/", &keys, s.revision);
        std::fs::write(&f, "k: 2\n").unwrap();
        let rev = tokio::time::timeout(Duration::from_secs(5), w)
            .await
            .expect("watch fired")
            .unwrap();
        assert!(rev > s.revision);
    }
}
