//! Documents as stored and as the employer and the employee see them.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::schema::{document_responses, documents};
use crate::error::{ApiError, FieldError};

/// The longest title, in characters, of an upload and of a change.
pub const MAX_TITLE_CHARS: usize = 200;

/// One row of `documents`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = documents)]
pub struct Document {
    pub id: String,
    pub employer_id: String,
    pub employee_id: String,
    pub absence_id: Option<String>,
    pub title: String,
    pub category: String,
    pub document_date: NaiveDate,
    pub visible_to_employee: bool,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub file_name: String,
    pub storage_key: String,
    pub published_by_role: String,
    pub published_by_client_id: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub response_requested: bool,
}

impl Document {
    /// The content never changes after the upload, so its SHA-256 is a strong validator: what
    /// a client resuming a download sends back in `If-Range`.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.sha256)
    }
}

/// The categories of SPEC §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    ProblemAnalysis,
    PlanOfAction,
    Evaluation,
    FirstYearEvaluation,
    ReintegrationReport,
    MedicalAdvice,
    Correspondence,
    Other,
}

impl Category {
    pub const ALL: [Category; 8] = [
        Category::ProblemAnalysis,
        Category::PlanOfAction,
        Category::Evaluation,
        Category::FirstYearEvaluation,
        Category::ReintegrationReport,
        Category::MedicalAdvice,
        Category::Correspondence,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::ProblemAnalysis => "problem_analysis",
            Category::PlanOfAction => "plan_of_action",
            Category::Evaluation => "evaluation",
            Category::FirstYearEvaluation => "first_year_evaluation",
            Category::ReintegrationReport => "reintegration_report",
            Category::MedicalAdvice => "medical_advice",
            Category::Correspondence => "correspondence",
            Category::Other => "other",
        }
    }

    /// The documents the employee is asked to answer (agree, or give their own view).
    pub fn asks_for_a_response(self) -> bool {
        matches!(
            self,
            Category::PlanOfAction
                | Category::Evaluation
                | Category::FirstYearEvaluation
                | Category::ReintegrationReport
        )
    }

    pub fn parse(text: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == text)
    }

    fn from_stored(text: &str) -> Category {
        Category::parse(text).unwrap_or(Category::Other)
    }
}

/// Who published a document. A client whose scopes include `employees:write` acts for the
/// employer itself; a client without it (the narrower set an arbodienst gets, e.g.
/// `absences:read documents:read documents:write`) is the arbodienst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthorRole {
    Employer,
    Arbodienst,
}

impl AuthorRole {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorRole::Employer => "employer",
            AuthorRole::Arbodienst => "arbodienst",
        }
    }

    fn from_stored(text: &str) -> AuthorRole {
        if text == "arbodienst" {
            AuthorRole::Arbodienst
        } else {
            AuthorRole::Employer
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedBy {
    pub role: AuthorRole,
    /// The API client that uploaded the document.
    pub client_id: String,
}

/// A document as the employer API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentResponse {
    pub id: String,
    /// The employer whose dossier holds it (an arbodienst's client sees several).
    #[schema(format = Uuid)]
    pub employer_id: String,
    pub employee_id: String,
    pub absence_id: Option<String>,
    pub title: String,
    pub category: Category,
    pub document_date: NaiveDate,
    pub visible_to_employee: bool,
    /// Sniffed from the bytes, never taken from the upload.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// Sanitised display name used for downloads.
    pub file_name: String,
    pub published_by: PublishedBy,
    /// The employee is asked to answer it (`GET /documents/{id}/responses`).
    pub response_requested: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Document> for DocumentResponse {
    fn from(d: Document) -> Self {
        DocumentResponse {
            category: Category::from_stored(&d.category),
            published_by: PublishedBy {
                role: AuthorRole::from_stored(&d.published_by_role),
                client_id: d.published_by_client_id,
            },
            id: d.id,
            employer_id: d.employer_id,
            employee_id: d.employee_id,
            absence_id: d.absence_id,
            title: d.title,
            document_date: d.document_date,
            visible_to_employee: d.visible_to_employee,
            content_type: d.content_type,
            size: d.size,
            sha256: d.sha256,
            file_name: d.file_name,
            response_requested: d.response_requested,
            created_at: d.created_at.and_utc(),
            updated_at: d.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentPage {
    pub items: Vec<DocumentResponse>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Author {
    pub role: AuthorRole,
}

/// A document as the employee sees it in their dossier.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyDocument {
    pub id: String,
    pub title: String,
    pub category: Category,
    pub document_date: NaiveDate,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub file_name: String,
    pub published_by: Author,
    /// You are asked to answer it: agree, or give your own view (`POST …/response`).
    pub response_requested: bool,
    /// Your answer, once given; it cannot be changed.
    pub response: Option<ResponseView>,
    pub created_at: DateTime<Utc>,
}

impl From<Document> for MyDocument {
    fn from(d: Document) -> Self {
        MyDocument {
            category: Category::from_stored(&d.category),
            published_by: Author {
                role: AuthorRole::from_stored(&d.published_by_role),
            },
            id: d.id,
            title: d.title,
            document_date: d.document_date,
            content_type: d.content_type,
            size: d.size,
            sha256: d.sha256,
            file_name: d.file_name,
            response_requested: d.response_requested,
            response: None,
            created_at: d.created_at.and_utc(),
        }
    }
}

/// The employee's answer to a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Agreement {
    Agree,
    Disagree,
}

impl Agreement {
    pub fn as_str(self) -> &'static str {
        match self {
            Agreement::Agree => "agree",
            Agreement::Disagree => "disagree",
        }
    }

    fn from_stored(text: &str) -> Agreement {
        if text == "agree" {
            Agreement::Agree
        } else {
            Agreement::Disagree
        }
    }
}

/// The longest own view, in characters.
pub const OWN_VIEW_MAX_CHARS: usize = 4000;

/// `{agreement, own_view?}`: the employee's answer to a plan of action or report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseRequest {
    pub agreement: Agreement,
    /// Your own view, in your words: at most 4,000 characters.
    pub own_view: Option<String>,
}

/// One row of `document_responses`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = document_responses)]
pub struct ResponseRow {
    pub id: String,
    pub document_id: String,
    pub employer_id: String,
    pub employee_id: String,
    pub agreement: String,
    pub own_view: Option<String>,
    pub document_sha256: String,
    pub created_at: NaiveDateTime,
}

/// An answer as the employee, the employer and the arbodienst see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResponseView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub document_id: String,
    pub agreement: Agreement,
    pub own_view: Option<String>,
    /// The SHA-256 of the document as it was answered.
    pub document_sha256: String,
    pub created_at: DateTime<Utc>,
}

impl From<ResponseRow> for ResponseView {
    fn from(r: ResponseRow) -> Self {
        ResponseView {
            agreement: Agreement::from_stored(&r.agreement),
            id: r.id,
            document_id: r.document_id,
            own_view: r.own_view,
            document_sha256: r.document_sha256,
            created_at: r.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResponseList {
    /// The answers to this document: none yet, or the one given.
    pub items: Vec<ResponseView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyDocumentPage {
    pub items: Vec<MyDocument>,
    pub next_cursor: Option<String>,
}

/// The multipart form of an upload (documentation only; the handler streams the parts).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DocumentUpload {
    /// The file: PDF, PNG, JPEG or plain UTF-8 text, at most `VERZUIM_MAX_UPLOAD_BYTES`.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// 1–200 characters.
    pub title: String,
    pub category: Category,
    pub document_date: NaiveDate,
    /// `true` or `false`; `True`, `False`, `1` and `0` are accepted too.
    pub visible_to_employee: bool,
    /// An absence of the same employee this document belongs to.
    pub absence_id: Option<String>,
    /// Ask the employee to answer (agree, or give their own view): a plan of action, an
    /// evaluation or a re-integration report visible to them. `false` when left out.
    pub response_requested: Option<bool>,
}

/// Changes to a document's metadata; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentPatch {
    pub title: Option<String>,
    pub category: Option<Category>,
    pub document_date: Option<NaiveDate>,
    pub visible_to_employee: Option<bool>,
}

/// A [`DocumentPatch`] checked: the title, if sent, trimmed and valid.
#[derive(Debug)]
pub struct DocumentChange {
    pub title: Option<String>,
    pub category: Option<Category>,
    pub document_date: Option<NaiveDate>,
    pub visible_to_employee: Option<bool>,
}

impl TryFrom<DocumentPatch> for DocumentChange {
    type Error = ApiError;

    fn try_from(patch: DocumentPatch) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        let title = patch.title.map(|t| t.trim().to_string());
        if let Some(title) = &title {
            if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
                errors.push(FieldError::new(
                    "title",
                    format!("must be 1 to {MAX_TITLE_CHARS} characters"),
                ));
            } else if title.chars().any(char::is_control) {
                errors.push(FieldError::new(
                    "title",
                    "must not contain control characters",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        Ok(DocumentChange {
            title,
            category: patch.category,
            document_date: patch.document_date,
            visible_to_employee: patch.visible_to_employee,
        })
    }
}

/// The filters of the employer's list of one employee's documents.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DocumentFilter {
    /// Only documents of this category.
    #[param(inline)]
    pub category: Option<Category>,
    /// Only documents the employee can (`true`) or cannot (`false`) see.
    pub visible: Option<bool>,
}

impl crate::web::page::FilterRules for DocumentFilter {}
