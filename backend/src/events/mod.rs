//! Everything the outside world must hear about leaves through the outbox, written in the same
//! transaction as the change that causes it, and delivered by a background worker.

pub mod email;
pub mod mailer;
pub mod outbox;
pub mod worker;
