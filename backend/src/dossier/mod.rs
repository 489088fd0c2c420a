//! The re-integration dossier: documents published by employer and arbodienst.
//!
//! Uploads stream through a size limit, a SHA-256 and a content sniffer into a staging file,
//! then into [`crate::storage::DocumentStorage`] (file first, then the row; a failed insert removes
//! the file again). Downloads stream from storage. Employees see only visible documents of
//! their own; everything else answers 404.
//!
//! - [`employer`] and [`employee`]: the handlers, one file per caller;
//! - [`upload`]: reading the multipart body; [`download`]: streaming a file or a byte range;
//! - [`changes`]: uploads, changes and deletions, each with its audit entry, event and e-mail;
//! - [`queries`]: reads; [`models`]: rows, requests and responses;
//! - [`content`]: what a file is; [`range`]: `Range` requests; [`sweeper`]: orphaned files.

pub mod changes;
pub mod content;
pub mod download;
pub mod employee;
pub mod employer;
pub mod models;
pub mod queries;
pub mod range;
pub mod sweeper;
pub mod upload;

use utoipa_actix_web::service_config::ServiceConfig;

pub use crate::storage::DocumentStorage;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(employer::upload)
        .service(employer::list_for_employee)
        .service(employer::get_one)
        .service(employer::patch_one)
        .service(employer::delete_one)
        .service(employer::content)
        .service(employee::list_mine)
        .service(employee::get_mine)
        .service(employer::responses)
        .service(employee::content_mine)
        .service(employee::respond);
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use crate::config::{Settings, StorageSettings};
    use crate::domain::Language;
    use crate::events::email::{EmailMessage, Templates};

    #[test]
    fn dossier_notification_renders_in_both_languages_without_document_details() {
        let templates = Templates::new().unwrap();
        for (language, phrase) in [
            (Language::Nl, "Er staat een nieuw document in je dossier"),
            (Language::En, "There is a new document in your dossier"),
        ] {
            let rendered = templates
                .render(&EmailMessage::DocumentPublished {
                    to: "jan@example.test".into(),
                    language,
                    first_name: "Jan".into(),
                    portal_url: "https://verzuim.test/dossier".into(),
                })
                .unwrap();
            assert!(rendered.text.contains(phrase), "{}", rendered.text);
            assert!(rendered.text.contains("https://verzuim.test/dossier"));
            assert!(rendered
                .html
                .contains("<a href=\"https://verzuim.test/dossier\""));
        }
    }

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned()).unwrap()
    }

    #[test]
    fn dossier_settings_default_to_25_mib_local_and_read_s3() {
        let s = settings(&[]);
        assert_eq!(s.documents.max_upload_bytes, 25 * 1024 * 1024);
        assert!(matches!(s.documents.storage, StorageSettings::Local));
        let s = settings(&[
            ("VERZUIM_STORAGE", "s3"),
            ("VERZUIM_S3_BUCKET", "dossiers"),
            ("VERZUIM_S3_ENDPOINT", "http://127.0.0.1:9000"),
            ("VERZUIM_S3_SECRET_ACCESS_KEY", "very-secret-key"),
        ]);
        let StorageSettings::S3(s3) = &s.documents.storage else {
            panic!("s3 expected");
        };
        assert_eq!(s3.bucket, "dossiers");
        assert!(!format!("{s:?}").contains("very-secret-key"));
        let map: HashMap<String, String> =
            [("VERZUIM_STORAGE".to_string(), "s3".to_string())].into();
        let err = Settings::from_lookup(|k| map.get(k).cloned()).unwrap_err();
        assert_eq!(err.variable, "VERZUIM_S3_BUCKET");
    }
}
