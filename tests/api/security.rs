//! Security rules that attackers test in parallel and at the edges (SPEC §7, §8): credential
//! checks counted before they run, input bounded at the door, replays only to a caller who
//! may make the request now, webhooks that cannot reach inward, metrics off the API listener.

mod bounded_input;
mod concurrent_guesses;
mod idempotent_replays;
mod metrics;
mod ssrf;
