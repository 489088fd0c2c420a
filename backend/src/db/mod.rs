//! One connection type over SQLite and PostgreSQL, a pool, and the only way handlers touch it:
//! [`Db::run`], which moves the work (pool checkout included) off the async workers; and the
//! cache of employees' hot reads, which changes keep honest through [`Db::run_changing`].

pub mod change_listener;
pub mod read_cache;
pub mod schema;

use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use secrecy::ExposeSecret;

use crate::config::{sqlite_path, DatabaseKind, DatabaseSettings};
use crate::error::ApiError;
use read_cache::EmployeeReadCache;

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Opens one connection, naming the real cause on failure (the derived `establish` hides it),
/// and applies the SQLite pragmas every connection needs.
pub fn connect(url: &str, kind: DatabaseKind) -> Result<DbConnection, diesel::ConnectionError> {
    match kind {
        DatabaseKind::Postgres => PgConnection::establish(url).map(DbConnection::Postgres),
        DatabaseKind::Sqlite => {
            let path = sqlite_path(url);
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| {
                    diesel::ConnectionError::BadConnection(format!(
                        "cannot create {}: {e}",
                        parent.display()
                    ))
                })?;
            }
            let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
            conn.batch_execute(
                "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
            )
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(DbConnection::Sqlite(conn))
        }
    }
}

pub struct ConnectionManager {
    url: String,
    kind: DatabaseKind,
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        connect(&self.url, self.kind).map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

pub type Pool = r2d2::Pool<ConnectionManager>;

/// The database handle every part of the app shares through `AppState`.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    kind: DatabaseKind,
    url: secrecy::SecretString,
    reads: Arc<EmployeeReadCache>,
}

/// The employees whose cached reads a change makes stale, named by the change's work and
/// forgotten when it has ended — on drop, so a panic after a commit forgets them too.
pub struct ChangedEmployees {
    reads: Arc<EmployeeReadCache>,
    employee_ids: Vec<String>,
}

impl ChangedEmployees {
    pub fn employee(&mut self, employee_id: impl Into<String>) {
        self.employee_ids.push(employee_id.into());
    }
}

impl Drop for ChangedEmployees {
    fn drop(&mut self) {
        for employee_id in &self.employee_ids {
            self.reads.forget(employee_id);
        }
    }
}

impl Db {
    /// Builds the pool without opening a connection, so the server can start (and `/ready`
    /// can say 503) while the database is still coming up.
    pub fn new(settings: &DatabaseSettings) -> Self {
        let manager = ConnectionManager {
            url: settings.url.expose_secret().to_string(),
            kind: settings.kind,
        };
        let pool = r2d2::Pool::builder()
            .max_size(settings.pool_size)
            // A PostgreSQL connection can die with the server or the network, so it is pinged
            // before use; an SQLite file cannot disconnect, and the ping would be a statement
            // on every request.
            .test_on_check_out(settings.kind == DatabaseKind::Postgres)
            .connection_timeout(Duration::from_secs(5))
            .build_unchecked(manager);
        Db {
            pool,
            kind: settings.kind,
            url: settings.url.clone(),
            reads: Arc::new(EmployeeReadCache::new(
                settings.read_cache_bytes,
                settings.kind == DatabaseKind::Postgres,
            )),
        }
    }

    /// Employees' hot reads: open sessions and the first page of their absences.
    pub fn reads(&self) -> &EmployeeReadCache {
        &self.reads
    }

    /// On PostgreSQL, starts hearing other instances' changes; until it has connected the
    /// read cache answers nothing. `None` for SQLite, where this process makes every change,
    /// and when the cache is off.
    pub fn listen_for_changes(&self) -> std::io::Result<Option<change_listener::ChangeListener>> {
        match self.kind {
            DatabaseKind::Sqlite => Ok(None),
            DatabaseKind::Postgres if !self.reads.is_on() => Ok(None),
            DatabaseKind::Postgres => {
                change_listener::ChangeListener::start(self.url.clone(), self.reads.clone())
                    .map(Some)
            }
        }
    }

    pub fn kind(&self) -> DatabaseKind {
        self.kind
    }

    /// Runs blocking diesel work on the blocking pool. Pool exhaustion or an unreachable
    /// database becomes 503; whatever the closure returns is passed through.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(ApiError::database_unavailable)?;
            work(&mut conn)
        })
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("blocking task failed: {e}")))?
    }

    /// [`Db::run`] for work that changes what employees' cached reads show: the work names
    /// each employee it changes in `changed`, and their cached reads are forgotten after the
    /// work has ended (its transactions committed or rolled back), whatever it returned. This
    /// happens on the blocking thread, so a request cancelled while waiting cannot skip it.
    pub async fn run_changing<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection, &mut ChangedEmployees) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let mut changed = ChangedEmployees {
            reads: self.reads.clone(),
            employee_ids: Vec::new(),
        };
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(ApiError::database_unavailable)?;
            work(&mut conn, &mut changed)
        })
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("blocking task failed: {e}")))?
    }

    /// Same as [`Db::run`] for callers outside a request (CLI, workers) that are already on a
    /// thread where blocking is fine.
    pub fn run_blocking<T>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut conn = self.pool.get().map_err(ApiError::database_unavailable)?;
        work(&mut conn)
    }

    /// True when a query succeeds and, for SQLite, the database file is still where the
    /// settings say: an open connection to a deleted file would keep answering while every
    /// write went to a ghost.
    pub async fn is_ready(&self) -> bool {
        let sqlite_file = match self.kind {
            DatabaseKind::Sqlite => {
                Some(sqlite_path(secrecy::ExposeSecret::expose_secret(&self.url)).to_path_buf())
            }
            DatabaseKind::Postgres => None,
        };
        let query_ok = self
            .run(|conn| {
                conn.batch_execute("SELECT 1")
                    .map_err(|e| ApiError::internal(e.into()))
            })
            .await
            .is_ok();
        query_ok && sqlite_file.is_none_or(|path| path.exists())
    }

    pub fn migrate(&self) -> Result<(), ApiError> {
        self.run_blocking(|conn| run_migrations(conn).map_err(ApiError::internal))
    }
}

pub fn run_migrations(conn: &mut DbConnection) -> anyhow::Result<()> {
    match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(drop),
        DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(drop),
    }
    .map_err(|e| anyhow::anyhow!("migration failed: {e}"))
}

/// Reverts the newest migration only (the migration tests use it to build an older schema).
/// Reverts the newest applied migration; answers its version (e.g. `20261201000010`).
pub fn revert_last_migration(conn: &mut DbConnection) -> anyhow::Result<String> {
    match conn {
        DbConnection::Sqlite(c) => c
            .revert_last_migration(SQLITE_MIGRATIONS)
            .map(|v| v.to_string()),
        DbConnection::Postgres(c) => c
            .revert_last_migration(POSTGRES_MIGRATIONS)
            .map(|v| v.to_string()),
    }
    .map_err(|e| anyhow::anyhow!("migration revert failed: {e}"))
}

pub fn revert_all_migrations(conn: &mut DbConnection) -> anyhow::Result<()> {
    match conn {
        DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map(drop),
        DbConnection::Postgres(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS).map(drop),
    }
    .map_err(|e| anyhow::anyhow!("migration revert failed: {e}"))
}

/// Now, truncated to microseconds: SQLite would keep nanoseconds and PostgreSQL would not,
/// so a value read back would differ between the two.
pub fn now() -> chrono::NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    chrono::DurationRound::duration_trunc(now, chrono::TimeDelta::microseconds(1)).unwrap_or(now)
}

/// A transaction that will write. On SQLite its first statement takes the write lock, so a
/// concurrent writer makes it wait (busy_timeout) instead of failing: a deferred transaction
/// that reads first and writes later cannot wait in WAL mode and answers "database is locked"
/// when another connection committed in between. PostgreSQL needs nothing extra.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    conn.transaction(|conn| {
        if let DbConnection::Sqlite(sqlite) = conn {
            // Matches no row, but an UPDATE starts a write transaction all the same.
            sqlite.batch_execute("UPDATE employers SET id = id WHERE 0")?;
        }
        work(conn)
    })
}

/// Whether a diesel error is a unique-constraint violation (SQLite carries no constraint name).
pub fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
