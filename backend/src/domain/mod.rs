//! Values that cannot hold a bad value once they exist ("parse, don't validate").

pub mod calendar;
mod email_address;
mod language;
pub mod password;
pub mod text;

pub use email_address::EmailAddress;
pub use language::Language;
