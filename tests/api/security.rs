//! Security rules that attackers test in parallel and at the edges (SPEC §7, §8): credential
//! checks counted before they run, input bounded at the door, replays only to a caller who
//! may make the request now.

mod bounded_input;
mod concurrent_guesses;
mod idempotent_replays;
