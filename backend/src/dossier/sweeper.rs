//! Keeps storage and database in agreement. An upload stores the file first and then writes
//! the row, removing the file again if the row fails; a delete removes the row and then the
//! file. A crash, or a storage error in that second step, can still leave a file nobody can
//! reach — an orphan. The sweeper removes those, and staging files an upload cut off by a crash
//! left behind.
//!
//! Only files older than a grace period are touched: an upload in flight has a fresh staging
//! file, and its stored file exists for a moment before its row is committed.

use std::collections::HashSet;
use std::future::Future;
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use diesel::prelude::*;
use futures_util::StreamExt;
use serde::Serialize;

use crate::config::Settings;
use crate::db::schema::documents;
use crate::db::{Db, DbConnection};
use crate::error::ApiError;
use crate::storage::{self, DocumentStorage};

/// How old a file must be before the sweeper may remove it. An upload stores its file and
/// commits its row within seconds; an hour leaves room for a database that is slow for a while.
pub const GRACE: Duration = Duration::from_secs(60 * 60);
/// The first sweep waits a little so it does not compete with start-up (migrations, a burst of
/// reconnecting clients), but not so long that frequent restarts would skip it.
const FIRST_SWEEP_AFTER: Duration = Duration::from_secs(5 * 60);
const SWEEP_EVERY: Duration = Duration::from_secs(60 * 60);
/// Keys checked against the database per query.
const BATCH: usize = 500;

/// What one sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Stored files older than the grace period without a document row, removed.
    pub orphans_removed: u64,
    /// Staging files older than the grace period, removed.
    pub staging_removed: u64,
    /// Files that should have gone but could not be removed (logged; the next sweep retries).
    pub failed: u64,
}

/// One sweep over `storage`, asking `db` which stored files still have a document row.
pub async fn sweep(
    db: &Db,
    storage: &dyn DocumentStorage,
    grace: Duration,
) -> anyhow::Result<SweepReport> {
    let db = db.clone();
    sweep_with(storage, grace, move |keys| {
        let db = db.clone();
        async move { db.run(move |conn| keys_with_rows(conn, &keys)).await }
    })
    .await
}

/// The sweep itself; `with_rows` answers which of the given keys have a document row.
pub async fn sweep_with<F, Fut>(
    storage: &dyn DocumentStorage,
    grace: Duration,
    mut with_rows: F,
) -> anyhow::Result<SweepReport>
where
    F: FnMut(Vec<String>) -> Fut,
    Fut: Future<Output = Result<HashSet<String>, ApiError>>,
{
    let cutoff = SystemTime::now()
        .checked_sub(grace)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let mut report = SweepReport::default();
    let mut listing = storage.list();
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let next = listing.next().await;
        let done = next.is_none();
        if let Some(object) = next {
            let object =
                object.map_err(|e| anyhow::anyhow!("cannot list stored documents: {e}"))?;
            if object.modified <= cutoff {
                batch.push(object.key);
            }
        }
        if batch.len() >= BATCH || (done && !batch.is_empty()) {
            let keys = std::mem::take(&mut batch);
            let known = with_rows(keys.clone())
                .await
                .map_err(|e| anyhow::anyhow!("cannot look up document rows: {e}"))?;
            for key in keys.iter().filter(|key| !known.contains(*key)) {
                match storage.delete(key).await {
                    Ok(()) => {
                        tracing::info!(storage_key = %key, "removed an orphaned document file");
                        report.orphans_removed += 1;
                    }
                    Err(e) => {
                        tracing::warn!(storage_key = %key, error = %e, "cannot remove an orphaned document file");
                        report.failed += 1;
                    }
                }
            }
        }
        if done {
            break;
        }
    }
    let staging = storage.staging_dir().to_path_buf();
    let (removed, failed) = tokio::task::spawn_blocking(move || sweep_staging(&staging, cutoff))
        .await
        .map_err(|e| anyhow::anyhow!("staging sweep failed: {e}"))?
        .map_err(|e| anyhow::anyhow!("cannot read the staging directory: {e}"))?;
    report.staging_removed = removed;
    report.failed += failed;
    Ok(report)
}

fn keys_with_rows(conn: &mut DbConnection, keys: &[String]) -> Result<HashSet<String>, ApiError> {
    Ok(documents::table
        .filter(documents::storage_key.eq_any(keys))
        .select(documents::storage_key)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// Removes the files in the staging directory last written before `cutoff`; (removed, failed).
/// An upload in progress writes its staging file continuously, so it is never that old.
fn sweep_staging(dir: &Path, cutoff: SystemTime) -> io::Result<(u64, u64)> {
    let (mut removed, mut failed) = (0, 0);
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let metadata = entry.metadata()?;
        if !metadata.is_file() || metadata.modified()? > cutoff {
            continue;
        }
        match std::fs::remove_file(entry.path()) {
            Ok(()) => removed += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(file = %entry.path().display(), error = %e, "cannot remove a staging file");
                failed += 1;
            }
        }
    }
    if removed > 0 {
        tracing::info!(removed, "removed leftover upload staging files");
    }
    Ok((removed, failed))
}

/// The sweeper running in the server: first after a few minutes, then every hour. Dropping it
/// (as `Application` does when the server has stopped) ends the task. Several instances
/// sharing one object store may all sweep; removing a file twice is harmless.
pub struct DocumentSweeper {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for DocumentSweeper {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl DocumentSweeper {
    /// Starts the sweeper on the current tokio runtime.
    pub fn start(db: Db, storage: Arc<dyn DocumentStorage>) -> DocumentSweeper {
        let task = tokio::spawn(async move {
            let first = tokio::time::Instant::now() + FIRST_SWEEP_AFTER;
            let mut ticker = tokio::time::interval_at(first, SWEEP_EVERY);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                match sweep(&db, storage.as_ref(), GRACE).await {
                    Ok(report) => tracing::debug!(?report, "document sweep done"),
                    Err(e) => tracing::warn!(error = %format!("{e:#}"), "document sweep failed"),
                }
            }
        });
        DocumentSweeper { task }
    }
}

/// `verzuim documents sweep`: one sweep from the command line, on its own runtime (on a thread
/// of its own, so it also works when the caller is inside a runtime, as tests are).
pub fn sweep_once(db: &Db, settings: &Settings, grace: Duration) -> anyhow::Result<SweepReport> {
    let storage = storage::from_settings(settings)?;
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?
                    .block_on(sweep(db, storage.as_ref(), grace))
            })
            .join()
            .map_err(|_| anyhow::anyhow!("the sweep panicked"))?
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{LocalStorage, ObjectStorage};

    async fn store(storage: &dyn DocumentStorage, key: &str) {
        let staged = storage.staging_dir().join(format!("stage-{key}"));
        tokio::fs::write(&staged, b"%PDF-1.4\n").await.unwrap();
        storage.put(key, &staged).await.unwrap();
        let _ = tokio::fs::remove_file(&staged).await;
    }

    async fn exists(storage: &dyn DocumentStorage, key: &str) -> bool {
        storage.get(key, None).await.unwrap().is_some()
    }

    /// The sweep every backend must support: orphans go, files with rows stay, young files stay.
    async fn sweeper_contract(storage: &dyn DocumentStorage) {
        let kept = uuid::Uuid::new_v4().to_string();
        let orphan = uuid::Uuid::new_v4().to_string();
        store(storage, &kept).await;
        store(storage, &orphan).await;
        let rows: HashSet<String> = [kept.clone()].into();
        let lookup = |keys: Vec<String>| {
            let rows = rows.clone();
            async move { Ok(keys.into_iter().filter(|k| rows.contains(k)).collect()) }
        };

        // Within the grace period nothing is touched.
        let report = sweep_with(storage, Duration::from_secs(3600), lookup)
            .await
            .unwrap();
        assert_eq!(report, SweepReport::default());
        assert!(exists(storage, &orphan).await);

        tokio::time::sleep(Duration::from_millis(20)).await;
        let report = sweep_with(storage, Duration::ZERO, lookup).await.unwrap();
        assert_eq!(report.orphans_removed, 1, "{report:?}");
        assert_eq!(report.failed, 0);
        assert!(exists(storage, &kept).await, "a file with a row stays");
        assert!(!exists(storage, &orphan).await, "the orphan is gone");
    }

    #[tokio::test]
    async fn dossier_sweeper_cleans_local_storage() {
        let dir = tempfile::tempdir().unwrap();
        let storage = LocalStorage::new(dir.path().join("documents")).unwrap();
        // Not ours: a file whose name is not a key is left alone.
        std::fs::write(dir.path().join("documents").join("README"), b"x").unwrap();
        sweeper_contract(&storage).await;
        assert!(dir.path().join("documents").join("README").exists());
    }

    #[tokio::test]
    async fn dossier_sweeper_cleans_object_storage() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(object_store::memory::InMemory::new());
        let storage =
            ObjectStorage::new(store.clone(), "tenant/".into(), dir.path().join("staging"))
                .unwrap();
        // Not ours: an object beside the documents and one nested below them.
        for other in ["tenant/other/x", "tenant/documents/nested/x"] {
            object_store::ObjectStore::put(
                store.as_ref(),
                &object_store::path::Path::from(other),
                bytes::Bytes::from_static(b"x").into(),
            )
            .await
            .unwrap();
        }
        sweeper_contract(&storage).await;
        for other in ["tenant/other/x", "tenant/documents/nested/x"] {
            let path = object_store::path::Path::from(other);
            assert!(object_store::ObjectStore::head(store.as_ref(), &path)
                .await
                .is_ok());
        }
    }

    #[tokio::test]
    async fn dossier_sweeper_removes_only_old_staging_files() {
        let dir = tempfile::tempdir().unwrap();
        let storage = LocalStorage::new(dir.path().join("documents")).unwrap();
        let old = storage.staging_dir().join(".upload-old");
        let fresh = storage.staging_dir().join(".upload-fresh");
        std::fs::write(&old, b"half an upload").unwrap();
        std::fs::write(&fresh, b"an upload in flight").unwrap();
        let two_hours_ago = SystemTime::now() - Duration::from_secs(2 * 3600);
        std::fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();
        let none = |_: Vec<String>| async { Ok(HashSet::new()) };
        let report = sweep_with(&storage, GRACE, none).await.unwrap();
        assert_eq!(report.staging_removed, 1, "{report:?}");
        assert!(!old.exists());
        assert!(fresh.exists(), "an upload in flight is not touched");
    }
}
