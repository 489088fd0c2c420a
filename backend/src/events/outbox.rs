//! The outbox table: one row per delivery, written in the transaction of the change that causes
//! it, then claimed with a lease, delivered and marked by the worker.
//!
//! It is channel-agnostic: `channel` says who delivers a row (`email` now; `webhook` later),
//! `kind` what it is (an e-mail template now; an event type such as `absence.reported` later),
//! and `payload` is that channel's JSON. A later channel adds a constant here and a deliverer in
//! the worker; the claiming, leasing, retrying and scrubbing stay the same.
//!
//! Claiming is a conditional `UPDATE` that only one instance can win (both databases serialise
//! writers to a row and re-check the `WHERE`), so several instances sharing one database never
//! send the same row at the same time. A crash mid-send leaves the lease to run out, after which
//! any instance retries the row: delivery is at least once, with the same `delivery_id` (the
//! e-mail's Message-ID) on every try.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::outbox;
use crate::db::{now, DbConnection};

/// The channel of e-mail deliveries.
pub const EMAIL: &str = "email";
/// The channel of webhook deliveries; `delivery_id` is the Standard Webhooks `webhook-id`.
pub const WEBHOOK: &str = "webhook";

/// One delivery, as stored.
#[derive(Debug, Clone, Queryable)]
pub struct OutboxRow {
    pub id: i64,
    pub delivery_id: String,
    pub channel: String,
    pub kind: String,
    pub payload: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub locked_by: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub failed_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = outbox)]
struct NewOutboxRow<'a> {
    delivery_id: &'a str,
    channel: &'a str,
    kind: &'a str,
    payload: &'a str,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    created_at: NaiveDateTime,
}

/// Adds a delivery that is due at once; returns its `delivery_id`.
pub fn enqueue(
    conn: &mut DbConnection,
    channel: &str,
    kind: &str,
    payload: &str,
) -> QueryResult<String> {
    let delivery_id = uuid::Uuid::new_v4().to_string();
    let now = now();
    diesel::insert_into(outbox::table)
        .values(NewOutboxRow {
            delivery_id: &delivery_id,
            channel,
            kind,
            payload,
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
        })
        .execute(conn)?;
    Ok(delivery_id)
}

/// Ids of rows of `channel` that are due and not leased by anyone, oldest due first.
pub fn due_ids(
    conn: &mut DbConnection,
    channel: &str,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    outbox::table
        .select(outbox::id)
        .filter(outbox::channel.eq(channel))
        .filter(outbox::sent_at.is_null())
        .filter(outbox::failed_at.is_null())
        .filter(outbox::next_attempt_at.le(now))
        .filter(
            outbox::locked_until
                .is_null()
                .or(outbox::locked_until.lt(now)),
        )
        .order((outbox::next_attempt_at.asc(), outbox::id.asc()))
        .limit(limit)
        .load(conn)
}

/// Takes the lease on row `id` for `instance` if nobody holds it and it is still due; the
/// attempt is counted now, so one that dies mid-send counts too. `None` when someone else won.
pub fn claim(
    conn: &mut DbConnection,
    id: i64,
    instance: &str,
    now: NaiveDateTime,
    lease: chrono::TimeDelta,
) -> QueryResult<Option<OutboxRow>> {
    let claimed = diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::sent_at.is_null())
            .filter(outbox::failed_at.is_null())
            .filter(outbox::next_attempt_at.le(now))
            .filter(
                outbox::locked_until
                    .is_null()
                    .or(outbox::locked_until.lt(now)),
            ),
    )
    .set((
        outbox::locked_until.eq(now + lease),
        outbox::locked_by.eq(instance),
        outbox::attempts.eq(outbox::attempts + 1),
    ))
    .execute(conn)?;
    if claimed != 1 {
        return Ok(None);
    }
    outbox::table.find(id).first(conn).optional()
}

/// Marks row `id` delivered, exactly once, and replaces its payload by `scrubbed_payload`;
/// `locked_by` is left naming the instance that sent it.
/// False when it was already marked (another instance sent it after our lease ran out).
pub fn mark_sent(
    conn: &mut DbConnection,
    id: i64,
    scrubbed_payload: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::sent_at.is_null()),
    )
    .set((
        outbox::sent_at.eq(Some(now)),
        outbox::payload.eq(scrubbed_payload),
        outbox::locked_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Records a failed attempt by `instance` and when to try again; releases the lease.
pub fn mark_retry(
    conn: &mut DbConnection,
    id: i64,
    instance: &str,
    error: &str,
    next_attempt_at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::sent_at.is_null())
            .filter(outbox::locked_by.eq(instance)),
    )
    .set((
        outbox::last_error.eq(Some(truncate(error))),
        outbox::next_attempt_at.eq(next_attempt_at),
        outbox::locked_until.eq(None::<NaiveDateTime>),
        outbox::locked_by.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Gives row `id` up for good (a message that can never be delivered, or one past the give-up
/// age); its payload is scrubbed as after a delivery.
pub fn mark_failed(
    conn: &mut DbConnection,
    id: i64,
    error: &str,
    scrubbed_payload: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::sent_at.is_null()),
    )
    .set((
        outbox::failed_at.eq(Some(now)),
        outbox::last_error.eq(Some(truncate(error))),
        outbox::payload.eq(scrubbed_payload),
        outbox::locked_until.eq(None::<NaiveDateTime>),
        outbox::locked_by.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Every row, oldest first (for tests and operators).
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<OutboxRow>> {
    outbox::table.order(outbox::id.asc()).load(conn)
}

fn truncate(error: &str) -> String {
    error.chars().take(1000).collect()
}
