//! Where document files live: behind [`DocumentStorage`], a local directory by default
//! ([`LocalStorage`]) or any `object_store` backend ([`ObjectStorage`]: S3-compatible in
//! production, in-memory in tests).
//!
//! Keys are document ids (UUIDs), never names a user chose. Uploads are first streamed to a
//! staging file (see [`DocumentStorage::staging_dir`]) and handed to [`DocumentStorage::put`]
//! once complete, so a store only ever sees whole files.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, WriteMultipart};
use secrecy::ExposeSecret;
use tokio::io::AsyncReadExt;

use crate::config::{Settings, StorageSettings};

/// A stored file, opened for reading: its length and its bytes as a stream.
pub struct StoredFile {
    pub size: u64,
    pub stream: BoxStream<'static, io::Result<Bytes>>,
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

    /// Opens the file under `key`; `Ok(None)` when there is none.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<Option<StoredFile>>>;

    /// Removes the file under `key`; removing a missing file is not an error.
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<()>>;
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

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<Option<StoredFile>>> {
        Box::pin(async move {
            let path = self.path(key)?;
            let file = match tokio::fs::File::open(&path).await {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e),
            };
            let size = file.metadata().await?.len();
            let stream = tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024);
            Ok(Some(StoredFile {
                size,
                stream: stream.boxed(),
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

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<Option<StoredFile>>> {
        Box::pin(async move {
            let path = self.path(key)?;
            let result = match self.store.get(&path).await {
                Ok(result) => result,
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(store_error(e)),
            };
            let size = result.meta.size;
            let stream = result.into_stream().map_err(store_error).boxed();
            Ok(Some(StoredFile { size, stream }))
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
            storage.get(&key).await.unwrap().is_none(),
            "missing is None"
        );

        // Larger than one multipart part and one read buffer.
        let bytes: Vec<u8> = (0..(6 * 1024 * 1024 + 123))
            .map(|i| (i % 251) as u8)
            .collect();
        let staged = stage(storage, &bytes).await;
        storage.put(&key, &staged).await.unwrap();
        let _ = tokio::fs::remove_file(&staged).await;
        let file = storage.get(&key).await.unwrap().expect("stored");
        assert_eq!(file.size, bytes.len() as u64);
        assert_eq!(read_all(file).await, bytes);

        // Overwrite is whole.
        let staged = stage(storage, b"second").await;
        storage.put(&key, &staged).await.unwrap();
        let file = storage.get(&key).await.unwrap().expect("stored");
        assert_eq!(read_all(file).await, b"second");

        storage.delete(&key).await.unwrap();
        assert!(storage.get(&key).await.unwrap().is_none(), "deleted");
        storage.delete(&key).await.unwrap();

        // Keys that are not ids never reach the store.
        for bad in ["../etc/passwd", "a/b", "", ".staging"] {
            assert!(storage.get(bad).await.is_err(), "{bad}");
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
