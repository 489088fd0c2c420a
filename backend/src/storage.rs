//! Where document files live: behind [`DocumentStorage`], a local directory by default
//! ([`LocalStorage`]) or any `object_store` backend ([`ObjectStorage`]: S3-compatible in
//! production, in-memory in tests).
//!
//! Keys are document ids (UUIDs), never names a user chose. Uploads are first streamed to a
//! staging file (see [`DocumentStorage::staging_dir`]) and handed to [`DocumentStorage::put`]
//! once complete, so a store only ever sees whole files.

use std::future::Future;
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::SystemTime;

use bytes::{Bytes, BytesMut};
use futures_util::future::BoxFuture;
use futures_util::stream::{BoxStream, Stream};
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore, WriteMultipart};
use secrecy::ExposeSecret;
use tokio::io::AsyncReadExt;

use crate::config::{Settings, StorageSettings};

/// A stored file, opened for reading.
pub struct StoredFile {
    /// The length of the whole stored file.
    pub size: u64,
    /// The bytes `stream` yields: `0..size`, or the range that was asked for.
    pub range: Range<u64>,
    pub stream: BoxStream<'static, io::Result<Bytes>>,
}

/// A file in a store, as the orphan sweeper sees it.
#[derive(Debug, Clone)]
pub struct StoredObject {
    pub key: String,
    /// When it was last written.
    pub modified: SystemTime,
}

/// The storage contract. Implementations must make `put` atomic: a reader sees the whole file
/// or nothing, also after a crash half-way.
pub trait DocumentStorage: Send + Sync {
    /// A directory on this machine for staging uploads before `put`; on the same file system
    /// as the final files where that matters (local storage), so `put` can rename.
    fn staging_dir(&self) -> &Path;

    /// Stores the complete file at `staged` under `key`. The staged file is consumed (moved or
    /// copied); the caller still removes whatever is left of it.
    fn put<'a>(&'a self, key: &'a str, staged: &'a Path) -> BoxFuture<'a, io::Result<()>>;

    /// Opens the file under `key`, all of it or only `range` (which must be non-empty and end
    /// within the file, else an error); `Ok(None)` when there is no such file.
    fn get<'a>(
        &'a self,
        key: &'a str,
        range: Option<Range<u64>>,
    ) -> BoxFuture<'a, io::Result<Option<StoredFile>>>;

    /// Removes the file under `key`; removing a missing file is not an error.
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<()>>;

    /// Every stored file with the time it was written, in no particular order. Names that are
    /// not document keys (never written by [`DocumentStorage::put`]) are left out.
    fn list(&self) -> BoxStream<'static, io::Result<StoredObject>>;
}

/// Builds the storage the settings name.
pub fn from_settings(settings: &Settings) -> anyhow::Result<Arc<dyn DocumentStorage>> {
    match &settings.documents.storage {
        StorageSettings::Local => Ok(Arc::new(LocalStorage::new(
            settings.data_dir.join("documents"),
        )?)),
        StorageSettings::S3(s3) => {
            let mut builder = object_store::aws::AmazonS3Builder::new()
                .with_bucket_name(&s3.bucket)
                .with_region(&s3.region)
                .with_allow_http(s3.allow_http);
            if let Some(endpoint) = &s3.endpoint {
                builder = builder.with_endpoint(endpoint);
            }
            if let Some(key) = &s3.access_key_id {
                builder = builder.with_access_key_id(key.expose_secret());
            }
            if let Some(secret) = &s3.secret_access_key {
                builder = builder.with_secret_access_key(secret.expose_secret());
            }
            let store = builder
                .build()
                .map_err(|e| anyhow::anyhow!("S3 storage settings: {e}"))?;
            Ok(Arc::new(ObjectStorage::new(
                Arc::new(store),
                s3.prefix.clone(),
                settings.data_dir.join("upload-staging"),
            )?))
        }
    }
}

/// Only UUID-shaped keys reach a store: no path can be smuggled in.
fn checked_key(key: &str) -> io::Result<&str> {
    if !key.is_empty() && key.len() <= 64 && key.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
    {
        Ok(key)
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "storage key is not a document id",
        ))
    }
}

/// `range`, or the whole file when none was asked for, checked against the file's `size`.
fn checked_range(range: Option<Range<u64>>, size: u64) -> io::Result<Range<u64>> {
    match range {
        None => Ok(0..size),
        Some(range) if range.start < range.end && range.end <= size => Ok(range),
        Some(range) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "range {}..{} is not within the stored file of {size} bytes",
                range.start, range.end
            ),
        )),
    }
}

/// Files in one directory, named by key. Writes go to a temporary file in the same directory,
/// are fsynced and then renamed, so a crash never leaves a half file under a real key.
pub struct LocalStorage {
    root: PathBuf,
    staging: PathBuf,
}

impl LocalStorage {
    pub fn new(root: PathBuf) -> io::Result<Self> {
        let staging = root.join(".staging");
        std::fs::create_dir_all(&staging)?;
        Ok(LocalStorage { root, staging })
    }

    fn path(&self, key: &str) -> io::Result<PathBuf> {
        Ok(self.root.join(checked_key(key)?))
    }
}

impl DocumentStorage for LocalStorage {
    fn staging_dir(&self) -> &Path {
        &self.staging
    }

    fn put<'a>(&'a self, key: &'a str, staged: &'a Path) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let target = self.path(key)?;
            let staged = staged.to_path_buf();
            let root = self.root.clone();
            tokio::task::spawn_blocking(move || -> io::Result<()> {
                // The staged file is in `<root>/.staging`: same file system, so rename is atomic.
                std::fs::File::open(&staged)?.sync_all()?;
                std::fs::rename(&staged, &target)?;
                // Make the rename itself durable.
                std::fs::File::open(&root)?.sync_all()?;
                Ok(())
            })
            .await
            .map_err(io::Error::other)?
        })
    }

    fn get<'a>(
        &'a self,
        key: &'a str,
        range: Option<Range<u64>>,
    ) -> BoxFuture<'a, io::Result<Option<StoredFile>>> {
        Box::pin(async move {
            let path = self.path(key)?;
            // Open, measure and seek in one trip to the blocking pool.
            let opened = tokio::task::spawn_blocking(move || {
                let mut file = match std::fs::File::open(&path) {
                    Ok(file) => file,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(e),
                };
                let size = file.metadata()?.len();
                let range = checked_range(range, size)?;
                if range.start > 0 {
                    file.seek(SeekFrom::Start(range.start))?;
                }
                Ok(Some((file, size, range)))
            })
            .await
            .map_err(io::Error::other)??;
            Ok(opened.map(|(file, size, range)| StoredFile {
                size,
                stream: ChunkedFileStream::new(file, range.end - range.start).boxed(),
                range,
            }))
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            match tokio::fs::remove_file(self.path(key)?).await {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            }
        })
    }

    fn list(&self) -> BoxStream<'static, io::Result<StoredObject>> {
        let root = self.root.clone();
        // The directory is read on the blocking pool and handed over in small batches through a
        // bounded channel, so a large store is never held in memory at once.
        let (sender, receiver) = tokio::sync::mpsc::channel(256);
        tokio::task::spawn_blocking(move || {
            let entries = match std::fs::read_dir(&root) {
                Ok(entries) => entries,
                Err(e) => {
                    let _ = sender.blocking_send(Err(e));
                    return;
                }
            };
            for entry in entries {
                let item = entry.and_then(|entry| {
                    let name = entry.file_name();
                    let Some(key) = name.to_str().filter(|k| checked_key(k).is_ok()) else {
                        return Ok(None);
                    };
                    let metadata = entry.metadata()?;
                    if !metadata.is_file() {
                        return Ok(None);
                    }
                    Ok(Some(StoredObject {
                        key: key.to_string(),
                        modified: metadata.modified()?,
                    }))
                });
                let item = match item {
                    Ok(None) => continue,
                    Ok(Some(object)) => Ok(object),
                    Err(e) => Err(e),
                };
                if sender.blocking_send(item).is_err() {
                    return; // the listing was dropped
                }
            }
        });
        futures_util::stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|item| (item, receiver))
        })
        .boxed()
    }
}

/// Bytes per read of a local file. Each read is one trip to the blocking pool and a wake-up of
/// the worker; at 64 KiB those trips, not the disk or the socket, capped a download.
const READ_CHUNK: usize = 256 * 1024;

/// Streams `remaining` bytes of a local file from its current position. Reads happen on the
/// blocking pool, one chunk ahead: the next read starts as soon as the previous one is in, so
/// the disk is read while the socket is written. No blocking thread is held between reads, so
/// a slow client cannot tie up the pool the database calls also need.
///
/// Two buffers take turns: one is read into while the other's chunk is being sent. By the time
/// a buffer's turn comes again actix has copied its chunk into the connection's write buffer
/// and dropped it, so `reserve` finds the memory unshared and reuses it. A download therefore
/// allocates two chunks in all, not one per read (allocating per read, on the many blocking
/// threads, showed up as tens of MiB of RSS under ten concurrent downloads).
struct ChunkedFileStream {
    /// Bytes still to be read from the file.
    remaining: u64,
    /// The buffer to read into next: its chunk went out two reads ago.
    next_buffer: Option<BytesMut>,
    /// The buffer whose chunk went out last.
    sent_buffer: Option<BytesMut>,
    state: ReadState,
}

type ChunkRead = (std::fs::File, BytesMut, io::Result<()>);

enum ReadState {
    Idle(std::fs::File),
    Reading(tokio::task::JoinHandle<ChunkRead>),
    Done,
}

impl ChunkedFileStream {
    fn new(file: std::fs::File, remaining: u64) -> Self {
        ChunkedFileStream {
            remaining,
            next_buffer: None,
            sent_buffer: None,
            state: ReadState::Idle(file),
        }
    }

    fn read_next(&mut self, mut file: std::fs::File) -> ReadState {
        if self.remaining == 0 {
            return ReadState::Done;
        }
        let len = usize::try_from(self.remaining.min(READ_CHUNK as u64)).unwrap_or(READ_CHUNK);
        let mut buffer = self.next_buffer.take().unwrap_or_default();
        buffer.clear();
        buffer.resize(len, 0);
        ReadState::Reading(tokio::task::spawn_blocking(move || {
            let read = file.read_exact(&mut buffer);
            (file, buffer, read)
        }))
    }
}

impl Stream for ChunkedFileStream {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let ReadState::Idle(_) = this.state {
            if let ReadState::Idle(file) = std::mem::replace(&mut this.state, ReadState::Done) {
                this.state = this.read_next(file);
            }
        }
        let ReadState::Reading(task) = &mut this.state else {
            return Poll::Ready(None);
        };
        let (file, mut buffer, read) = match Pin::new(task).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Err(e)) => {
                this.state = ReadState::Done;
                return Poll::Ready(Some(Err(io::Error::other(e))));
            }
            Poll::Ready(Ok(done)) => done,
        };
        if let Err(e) = read {
            // Also when the file turned out shorter than it was when opened.
            this.state = ReadState::Done;
            return Poll::Ready(Some(Err(e)));
        }
        let chunk = buffer.split().freeze();
        this.remaining = this.remaining.saturating_sub(chunk.len() as u64);
        // The buffer just filled waits a turn; the one before it is read into next.
        this.next_buffer = this.sent_buffer.replace(buffer);
        this.state = this.read_next(file);
        Poll::Ready(Some(Ok(chunk)))
    }
}

/// Any `object_store` backend: S3-compatible storage in production, `InMemory` in tests.
/// Object stores make a put visible only once it completes, which gives the atomicity.
pub struct ObjectStorage {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    staging: PathBuf,
}

impl ObjectStorage {
    pub fn new(store: Arc<dyn ObjectStore>, prefix: String, staging: PathBuf) -> io::Result<Self> {
        std::fs::create_dir_all(&staging)?;
        Ok(ObjectStorage {
            store,
            prefix,
            staging,
        })
    }

    fn path(&self, key: &str) -> io::Result<ObjectPath> {
        let key = checked_key(key)?;
        ObjectPath::parse(format!("{}documents/{key}", self.prefix))
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))
    }
}

fn store_error(error: object_store::Error) -> io::Error {
    match error {
        object_store::Error::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, error),
        other => io::Error::other(other),
    }
}

impl DocumentStorage for ObjectStorage {
    fn staging_dir(&self) -> &Path {
        &self.staging
    }

    fn put<'a>(&'a self, key: &'a str, staged: &'a Path) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let path = self.path(key)?;
            let upload = self.store.put_multipart(&path).await.map_err(store_error)?;
            // Parts of 5 MiB (the S3 minimum), at most two in flight: memory stays bounded.
            let mut writer = WriteMultipart::new_with_chunk_size(upload, 5 * 1024 * 1024);
            let mut file = tokio::fs::File::open(staged).await?;
            let mut buffer = vec![0u8; 256 * 1024];
            let result: io::Result<()> = async {
                loop {
                    let read = file.read(&mut buffer).await?;
                    if read == 0 {
                        return Ok(());
                    }
                    writer.wait_for_capacity(2).await.map_err(store_error)?;
                    writer.write(&buffer[..read]);
                }
            }
            .await;
            match result {
                Ok(()) => writer.finish().await.map(drop).map_err(store_error),
                Err(e) => {
                    let _ = writer.abort().await;
                    Err(e)
                }
            }
        })
    }

    fn get<'a>(
        &'a self,
        key: &'a str,
        range: Option<Range<u64>>,
    ) -> BoxFuture<'a, io::Result<Option<StoredFile>>> {
        Box::pin(async move {
            let path = self.path(key)?;
            if let Some(range) = &range {
                // Checked here too: a store would answer an empty range with an error and one
                // past the end with less than was asked for.
                checked_range(Some(range.clone()), u64::MAX)?;
            }
            let options = GetOptions {
                range: range.clone().map(GetRange::Bounded),
                ..GetOptions::default()
            };
            let result = match self.store.get_opts(&path, options).await {
                Ok(result) => result,
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(store_error(e)),
            };
            let size = result.meta.size;
            let wanted = checked_range(range, size)?;
            if result.range != wanted {
                return Err(io::Error::other(format!(
                    "the store returned bytes {}..{} for {}..{}",
                    result.range.start, result.range.end, wanted.start, wanted.end
                )));
            }
            let stream = result.into_stream().map_err(store_error).boxed();
            Ok(Some(StoredFile {
                size,
                range: wanted,
                stream,
            }))
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            match self.store.delete(&self.path(key)?).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(store_error(e)),
            }
        })
    }

    fn list(&self) -> BoxStream<'static, io::Result<StoredObject>> {
        let prefix = match ObjectPath::parse(format!("{}documents", self.prefix)) {
            Ok(prefix) => prefix,
            Err(e) => {
                let error = io::Error::new(io::ErrorKind::InvalidInput, e.to_string());
                return futures_util::stream::once(async move { Err(error) }).boxed();
            }
        };
        self.store
            .list(Some(&prefix))
            .map_err(store_error)
            .try_filter_map(move |meta| {
                // Only direct children named like a key: what `put` wrote.
                let key = meta
                    .location
                    .prefix_match(&prefix)
                    .map(|parts| {
                        parts
                            .map(|part| part.as_ref().to_string())
                            .collect::<Vec<_>>()
                    })
                    .and_then(|parts| match parts.as_slice() {
                        [key] if checked_key(key).is_ok() => Some(key.clone()),
                        _ => None,
                    });
                futures_util::future::ready(Ok(key.map(|key| StoredObject {
                    key,
                    modified: meta.last_modified.into(),
                })))
            })
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn stage(storage: &dyn DocumentStorage, bytes: &[u8]) -> PathBuf {
        let path = storage.staging_dir().join(uuid::Uuid::new_v4().to_string());
        tokio::fs::write(&path, bytes).await.unwrap();
        path
    }

    async fn read_all(file: StoredFile) -> Vec<u8> {
        let chunks: Vec<Bytes> = file.stream.try_collect().await.unwrap();
        chunks.concat()
    }

    /// The contract every backend must meet.
    async fn storage_contract(storage: &dyn DocumentStorage) {
        let key = uuid::Uuid::new_v4().to_string();
        assert!(
            storage.get(&key, None).await.unwrap().is_none(),
            "missing is None"
        );
        assert!(
            storage.get(&key, Some(0..1)).await.unwrap().is_none(),
            "missing is None, also for a range"
        );

        // Larger than one multipart part and one read buffer.
        let bytes: Vec<u8> = (0..(6 * 1024 * 1024 + 123))
            .map(|i| (i % 251) as u8)
            .collect();
        let size = bytes.len() as u64;
        let staged = stage(storage, &bytes).await;
        storage.put(&key, &staged).await.unwrap();
        let _ = tokio::fs::remove_file(&staged).await;
        let file = storage.get(&key, None).await.unwrap().expect("stored");
        assert_eq!(file.size, size);
        assert_eq!(file.range, 0..size);
        assert!(read_all(file).await == bytes, "the whole file comes back");

        // Ranges: the first byte, one across read-chunk and part boundaries, the tail, all.
        for range in [0..1, 100..(5 * 1024 * 1024 + 7), (size - 10)..size, 0..size] {
            let file = storage
                .get(&key, Some(range.clone()))
                .await
                .unwrap()
                .expect("stored");
            assert_eq!(file.size, size, "{range:?}");
            assert_eq!(file.range, range);
            let (start, end) = (range.start as usize, range.end as usize);
            assert!(read_all(file).await == bytes[start..end], "{range:?}");
        }
        // Empty ranges and ranges past the end are errors, never cut short.
        #[allow(clippy::reversed_empty_ranges)]
        for bad in [5..5, 6..5, 0..(size + 1), size..(size + 10)] {
            assert!(
                storage.get(&key, Some(bad.clone())).await.is_err(),
                "{bad:?} was accepted"
            );
        }

        // Overwrite is whole.
        let staged = stage(storage, b"second").await;
        storage.put(&key, &staged).await.unwrap();
        let file = storage.get(&key, None).await.unwrap().expect("stored");
        assert_eq!(read_all(file).await, b"second");

        // The listing names what was stored, with a plausible time.
        let listed: Vec<StoredObject> = storage.list().try_collect().await.unwrap();
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(listed[0].key, key);
        let age = SystemTime::now()
            .duration_since(listed[0].modified)
            .unwrap_or_default();
        assert!(age.as_secs() < 60, "{age:?}");

        storage.delete(&key).await.unwrap();
        assert!(storage.get(&key, None).await.unwrap().is_none(), "deleted");
        storage.delete(&key).await.unwrap();
        let listed: Vec<StoredObject> = storage.list().try_collect().await.unwrap();
        assert!(listed.is_empty(), "{listed:?}");

        // Keys that are not ids never reach the store.
        for bad in ["../etc/passwd", "a/b", "", ".staging"] {
            assert!(storage.get(bad, None).await.is_err(), "{bad}");
            assert!(storage.put(bad, &staged).await.is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn dossier_local_storage_meets_the_contract() {
        let dir = tempfile::tempdir().unwrap();
        let storage = LocalStorage::new(dir.path().join("documents")).unwrap();
        storage_contract(&storage).await;
        // Nothing left in staging or as temporary files.
        let left: Vec<_> = std::fs::read_dir(storage.staging_dir()).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[tokio::test]
    async fn dossier_local_downloads_reuse_their_two_buffers() {
        let dir = tempfile::tempdir().unwrap();
        let storage = LocalStorage::new(dir.path().join("documents")).unwrap();
        let key = uuid::Uuid::new_v4().to_string();
        let bytes: Vec<u8> = (0..(4 * READ_CHUNK + 10))
            .map(|i| (i % 253) as u8)
            .collect();
        let staged = stage(&storage, &bytes).await;
        storage.put(&key, &staged).await.unwrap();
        let mut stream = storage
            .get(&key, None)
            .await
            .unwrap()
            .expect("stored")
            .stream;
        let mut addresses = Vec::new();
        let mut received = Vec::new();
        while let Some(chunk) = stream.next().await {
            // Dropped before the next poll, as actix drops a chunk once it has copied it.
            let chunk = chunk.unwrap();
            addresses.push(chunk.as_ptr() as usize);
            received.extend_from_slice(&chunk);
        }
        assert!(received == bytes);
        assert_eq!(addresses.len(), 5);
        assert_eq!(
            addresses[2], addresses[0],
            "the first buffer is read into again"
        );
        assert_eq!(addresses[3], addresses[1], "and the second");
        assert_ne!(addresses[0], addresses[1]);
    }

    #[tokio::test]
    async fn dossier_object_storage_meets_the_contract() {
        let dir = tempfile::tempdir().unwrap();
        let storage = ObjectStorage::new(
            Arc::new(object_store::memory::InMemory::new()),
            "tenant/".into(),
            dir.path().join("staging"),
        )
        .unwrap();
        storage_contract(&storage).await;
    }
}
