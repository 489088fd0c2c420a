//! What employees read most — "is this session still open?" and the first page of their own
//! absences — kept in memory, so the portal's hot reads need no trip to the database.
//!
//! A cached answer is only as good as its invalidation, which rests on three rules:
//! - Every change to what is cached names the employee, and the entry is forgotten *after*
//!   the change's transaction has ended ([`super::Db::run_changing`]), on the blocking thread,
//!   so a cancelled request cannot skip it.
//! - A read stores what it loaded only if nothing was forgotten since it began (the epoch in
//!   its [`ReadTicket`]). A read that raced a change therefore never puts the old state back.
//! - On PostgreSQL other instances change the database too. Triggers NOTIFY every committed
//!   change (migration 8) and [`super::change_listener`] forgets what they name. The cache
//!   answers only while that listener has proven its connection within the last
//!   [`TRUST_WINDOW`]; a listener that lost it answers nothing until it has reconnected and
//!   emptied the cache. SQLite is embedded, one serving process per file, so this process
//!   makes every change there is.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use prometheus::{IntCounter, IntCounterVec, Opts, Registry};

/// How long one proof of the listener's connection keeps the cache trusted. It bounds how
/// stale a read can be when the connection to PostgreSQL silently dies.
pub const TRUST_WINDOW: Duration = Duration::from_secs(2);

/// Sessions kept per employee (a phone and a desktop, with room to spare); older ones are
/// checked against the database again.
const SESSIONS_PER_EMPLOYEE: usize = 8;
/// First pages kept per employee, one per `limit` asked for.
const PAGES_PER_EMPLOYEE: usize = 4;

pub struct EmployeeReadCache {
    /// `None` when the cache is turned off (`VERZUIM_READ_CACHE_MIB=0`).
    entries: Option<quick_cache::sync::Cache<String, Arc<EmployeeReads>, ByBytes>>,
    /// Counts forgets. Stores compare it under this lock, so none slips between a forget and
    /// the check.
    epoch: Mutex<u64>,
    trust: Trust,
    /// Set when the counters are registered for `/metrics` (the server; not the CLI).
    counters: OnceLock<Counters>,
}

/// Hits and misses per kind of read, for `/metrics`: a hit rate near zero on a busy instance
/// means its change listener is down or the cache is too small.
struct Counters {
    by_read: [IntCounterVec; 2],
    session: HitsAndMisses,
    first_page: HitsAndMisses,
}

struct HitsAndMisses {
    hits: IntCounter,
    misses: IntCounter,
}

impl HitsAndMisses {
    fn count(&self, hit: bool) {
        if hit { &self.hits } else { &self.misses }.inc();
    }
}

impl Counters {
    fn new() -> prometheus::Result<Self> {
        let vec = |name: &str, help: &str| {
            IntCounterVec::new(Opts::new(name, help).namespace("verzuim"), &["read"])
        };
        let hits = vec(
            "read_cache_hits_total",
            "Employee reads answered from the read cache",
        )?;
        let misses = vec(
            "read_cache_misses_total",
            "Employee reads the read cache could not answer",
        )?;
        let of_read = |read: &str| HitsAndMisses {
            hits: hits.with_label_values(&[read]),
            misses: misses.with_label_values(&[read]),
        };
        Ok(Counters {
            session: of_read("session"),
            first_page: of_read("first_page"),
            by_read: [hits.clone(), misses.clone()],
        })
    }
}

enum Trust {
    /// This process makes every change (SQLite).
    Always,
    /// Other processes change the database too (PostgreSQL): trusted until `until_ms` after
    /// `since`, which the change listener keeps moving while its connection is alive.
    WhileListening { since: Instant, until_ms: AtomicU64 },
}

/// What is cached for one employee.
#[derive(Clone)]
struct EmployeeReads {
    employer_id: String,
    /// Session (refresh-token family) ids known to be open, newest last.
    open_sessions: Vec<String>,
    /// `(limit, JSON body)` of `GET /me/absences` without a cursor.
    first_pages: Vec<(i64, Bytes)>,
}

/// Taken before a read from the database: the state of the cache the read started from.
#[derive(Debug, Clone, Copy)]
pub struct ReadTicket(u64);

/// Weighs an entry by the bytes it holds, so the limit is a memory limit.
#[derive(Clone)]
struct ByBytes;

impl quick_cache::Weighter<String, Arc<EmployeeReads>> for ByBytes {
    fn weight(&self, key: &String, reads: &Arc<EmployeeReads>) -> u64 {
        let sessions: usize = reads.open_sessions.iter().map(|s| s.len() + 24).sum();
        let pages: usize = reads
            .first_pages
            .iter()
            .map(|(_, body)| body.len() + 40)
            .sum();
        (128 + key.len() + reads.employer_id.len() + sessions + pages) as u64
    }
}

impl EmployeeReadCache {
    /// `capacity_bytes` 0 turns the cache off. `shared_database`: other processes may change
    /// the database, so answers wait for the change listener.
    pub fn new(capacity_bytes: u64, shared_database: bool) -> Self {
        let entries = (capacity_bytes > 0).then(|| {
            // About 8 KiB per employee with a session and a 20-row page.
            let estimated_employees = (capacity_bytes / 8192).clamp(16, 1 << 20) as usize;
            quick_cache::sync::Cache::with_weighter(estimated_employees, capacity_bytes, ByBytes)
        });
        let trust = if shared_database {
            Trust::WhileListening {
                since: Instant::now(),
                until_ms: AtomicU64::new(0),
            }
        } else {
            Trust::Always
        };
        EmployeeReadCache {
            entries,
            epoch: Mutex::new(0),
            trust,
            counters: OnceLock::new(),
        }
    }

    /// Adds the hit and miss counters to the registry `/metrics` serves.
    pub fn register_metrics(&self, registry: &Registry) -> prometheus::Result<()> {
        let counters = Counters::new()?;
        for counter in &counters.by_read {
            registry.register(Box::new(counter.clone()))?;
        }
        // A second registration keeps counting into the first registry's counters.
        let _ = self.counters.set(counters);
        Ok(())
    }

    /// False when `VERZUIM_READ_CACHE_MIB=0` turned the cache off.
    pub fn is_on(&self) -> bool {
        self.entries.is_some()
    }

    /// True when `session_id` of this employee was seen open and nothing changed since.
    pub fn session_is_open(&self, employee_id: &str, employer_id: &str, session_id: &str) -> bool {
        let open = self
            .cached(employee_id, employer_id)
            .is_some_and(|reads| reads.open_sessions.iter().any(|s| s == session_id));
        if let Some(counters) = self.counters.get() {
            counters.session.count(open);
        }
        open
    }

    /// The JSON body of the employee's first page of absences with this `limit`.
    pub fn first_page(&self, employee_id: &str, employer_id: &str, limit: i64) -> Option<Bytes> {
        let page = self.cached(employee_id, employer_id).and_then(|reads| {
            reads
                .first_pages
                .iter()
                .find(|(l, _)| *l == limit)
                .map(|(_, body)| body.clone())
        });
        if let Some(counters) = self.counters.get() {
            counters.first_page.count(page.is_some());
        }
        page
    }

    /// Take before reading from the database; `None` when what is read may not be stored.
    pub fn ticket(&self) -> Option<ReadTicket> {
        (self.is_on() && self.trusted()).then(|| ReadTicket(*self.lock_epoch()))
    }

    pub fn remember_session(
        &self,
        ticket: Option<ReadTicket>,
        employee_id: &str,
        employer_id: &str,
        session_id: &str,
    ) {
        self.update(ticket, employee_id, employer_id, |reads| {
            if !reads.open_sessions.iter().any(|s| s == session_id) {
                if reads.open_sessions.len() == SESSIONS_PER_EMPLOYEE {
                    reads.open_sessions.remove(0);
                }
                reads.open_sessions.push(session_id.to_string());
            }
        });
    }

    pub fn remember_first_page(
        &self,
        ticket: Option<ReadTicket>,
        employee_id: &str,
        employer_id: &str,
        limit: i64,
        body: Bytes,
    ) {
        self.update(ticket, employee_id, employer_id, |reads| {
            reads.first_pages.retain(|(l, _)| *l != limit);
            if reads.first_pages.len() == PAGES_PER_EMPLOYEE {
                reads.first_pages.remove(0);
            }
            reads.first_pages.push((limit, body));
        });
    }

    /// Drops what is cached for this employee; reads in flight will not store theirs.
    pub fn forget(&self, employee_id: &str) {
        let mut epoch = self.lock_epoch();
        *epoch += 1;
        if let Some(entries) = &self.entries {
            entries.remove(employee_id);
        }
    }

    pub fn forget_everyone(&self) {
        let mut epoch = self.lock_epoch();
        *epoch += 1;
        if let Some(entries) = &self.entries {
            entries.clear();
        }
    }

    /// The change listener proved its connection: answers are good for `window` from now.
    pub fn trust_for(&self, window: Duration) {
        if let Trust::WhileListening { since, until_ms } = &self.trust {
            let until = since.elapsed() + window;
            until_ms.store(until.as_millis() as u64, Ordering::Release);
        }
    }

    /// The change listener lost its connection: changes may go unheard from now on.
    pub fn distrust(&self) {
        if let Trust::WhileListening { until_ms, .. } = &self.trust {
            until_ms.store(0, Ordering::Release);
        }
        self.forget_everyone();
    }

    fn trusted(&self) -> bool {
        match &self.trust {
            Trust::Always => true,
            Trust::WhileListening { since, until_ms } => {
                (since.elapsed().as_millis() as u64) < until_ms.load(Ordering::Acquire)
            }
        }
    }

    fn cached(&self, employee_id: &str, employer_id: &str) -> Option<Arc<EmployeeReads>> {
        if !self.trusted() {
            return None;
        }
        self.entries
            .as_ref()?
            .get(employee_id)
            .filter(|reads| reads.employer_id == employer_id)
    }

    /// Stores a changed copy of the employee's entry, unless something was forgotten since
    /// `ticket` was taken.
    fn update(
        &self,
        ticket: Option<ReadTicket>,
        employee_id: &str,
        employer_id: &str,
        change: impl FnOnce(&mut EmployeeReads),
    ) {
        let (Some(ReadTicket(read_at)), Some(entries)) = (ticket, &self.entries) else {
            return;
        };
        let epoch = self.lock_epoch();
        if *epoch != read_at || !self.trusted() {
            return;
        }
        let mut reads = match entries.get(employee_id) {
            Some(cached) if cached.employer_id == employer_id => (*cached).clone(),
            _ => EmployeeReads {
                employer_id: employer_id.to_string(),
                open_sessions: Vec::new(),
                first_pages: Vec::new(),
            },
        };
        change(&mut reads);
        entries.insert(employee_id.to_string(), Arc::new(reads));
        drop(epoch);
    }

    fn lock_epoch(&self) -> MutexGuard<'_, u64> {
        self.epoch.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPLOYEE: &str = "employee-1";
    const EMPLOYER: &str = "employer-1";

    fn cache() -> EmployeeReadCache {
        EmployeeReadCache::new(1 << 20, false)
    }

    #[test]
    fn a_remembered_session_and_page_are_answered() {
        let cache = cache();
        let ticket = cache.ticket();
        cache.remember_session(ticket, EMPLOYEE, EMPLOYER, "session-1");
        cache.remember_first_page(ticket, EMPLOYEE, EMPLOYER, 20, Bytes::from_static(b"[]"));
        assert!(cache.session_is_open(EMPLOYEE, EMPLOYER, "session-1"));
        assert!(!cache.session_is_open(EMPLOYEE, EMPLOYER, "session-2"));
        assert_eq!(
            cache.first_page(EMPLOYEE, EMPLOYER, 20).as_deref(),
            Some(&b"[]"[..])
        );
        assert_eq!(cache.first_page(EMPLOYEE, EMPLOYER, 5), None);
    }

    #[test]
    fn another_employers_token_is_never_answered_from_the_cache() {
        let cache = cache();
        cache.remember_session(cache.ticket(), EMPLOYEE, EMPLOYER, "session-1");
        assert!(!cache.session_is_open(EMPLOYEE, "employer-2", "session-1"));
    }

    #[test]
    fn forgetting_an_employee_drops_their_sessions_and_pages() {
        let cache = cache();
        let ticket = cache.ticket();
        cache.remember_session(ticket, EMPLOYEE, EMPLOYER, "session-1");
        cache.remember_first_page(ticket, EMPLOYEE, EMPLOYER, 20, Bytes::from_static(b"[]"));
        cache.remember_session(ticket, "employee-2", EMPLOYER, "session-9");
        cache.forget(EMPLOYEE);
        assert!(!cache.session_is_open(EMPLOYEE, EMPLOYER, "session-1"));
        assert_eq!(cache.first_page(EMPLOYEE, EMPLOYER, 20), None);
        assert!(cache.session_is_open("employee-2", EMPLOYER, "session-9"));
    }

    #[test]
    fn a_read_that_began_before_a_change_does_not_store_the_old_state() {
        let cache = cache();
        let before_change = cache.ticket();
        cache.forget(EMPLOYEE);
        cache.remember_first_page(
            before_change,
            EMPLOYEE,
            EMPLOYER,
            20,
            Bytes::from_static(b"old"),
        );
        assert_eq!(cache.first_page(EMPLOYEE, EMPLOYER, 20), None);
        let after_change = cache.ticket();
        cache.remember_first_page(
            after_change,
            EMPLOYEE,
            EMPLOYER,
            20,
            Bytes::from_static(b"new"),
        );
        assert_eq!(
            cache.first_page(EMPLOYEE, EMPLOYER, 20).as_deref(),
            Some(&b"new"[..])
        );
    }

    #[test]
    fn a_shared_database_is_answered_only_while_the_listener_is_trusted() {
        let cache = EmployeeReadCache::new(1 << 20, true);
        assert!(
            cache.ticket().is_none(),
            "nothing is stored before the listener connects"
        );
        cache.trust_for(Duration::from_secs(60));
        cache.remember_session(cache.ticket(), EMPLOYEE, EMPLOYER, "session-1");
        assert!(cache.session_is_open(EMPLOYEE, EMPLOYER, "session-1"));
        cache.distrust();
        assert!(!cache.session_is_open(EMPLOYEE, EMPLOYER, "session-1"));
        cache.trust_for(Duration::from_secs(60));
        assert!(
            !cache.session_is_open(EMPLOYEE, EMPLOYER, "session-1"),
            "a lost connection empties the cache"
        );
    }

    #[test]
    fn trust_runs_out_when_the_listener_stops_proving_its_connection() {
        let cache = EmployeeReadCache::new(1 << 20, true);
        cache.trust_for(Duration::from_secs(60));
        cache.remember_session(cache.ticket(), EMPLOYEE, EMPLOYER, "session-1");
        cache.trust_for(Duration::ZERO);
        assert!(!cache.session_is_open(EMPLOYEE, EMPLOYER, "session-1"));
        assert!(cache.ticket().is_none());
    }

    #[test]
    fn a_cache_of_zero_bytes_stores_nothing() {
        let cache = EmployeeReadCache::new(0, false);
        cache.remember_session(cache.ticket(), EMPLOYEE, EMPLOYER, "session-1");
        assert!(!cache.session_is_open(EMPLOYEE, EMPLOYER, "session-1"));
    }

    #[test]
    fn an_employee_keeps_at_most_eight_sessions_dropping_the_oldest() {
        let cache = cache();
        for n in 0..=SESSIONS_PER_EMPLOYEE {
            cache.remember_session(cache.ticket(), EMPLOYEE, EMPLOYER, &format!("session-{n}"));
        }
        assert!(!cache.session_is_open(EMPLOYEE, EMPLOYER, "session-0"));
        assert!(cache.session_is_open(
            EMPLOYEE,
            EMPLOYER,
            &format!("session-{SESSIONS_PER_EMPLOYEE}")
        ));
    }
}
