//! The re-integration dossier (SPEC §2.8, §2.9, §3 documents, §4): uploads that cannot hurt,
//! tenancy and visibility (404 for hidden and foreign documents on every route), streamed
//! downloads with safe headers, and the e-mail when a document becomes visible.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use diesel::prelude::*;
use serde_json::{json, Value};
use sha2::Digest;
use verzuim_tests::smtp::SmtpCapture;
use verzuim_tests::{
    assert_problem, on_both_databases, Backend, EmployerSession, NewEmployee, TestApp,
};

const PASSWORD: &str = "paarse fiets op de dijk";
const DATE_OF_BIRTH: &str = "1985-04-12";
const EMPLOYEE: NewEmployee = NewEmployee {
    email: "jan.jansen@bakkerij.nl",
    date_of_birth: DATE_OF_BIRTH,
    language: "nl",
    password: PASSWORD,
};
const BOUNDARY: &str = "verzuim-test-boundary-7d1f";

/// A minimal but well-formed PDF.
fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n\
trailer<</Root 1 0 R>>\n%%EOF\n"
        .to_vec()
}

/// A 1×1 PNG.
fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(b"\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89");
    bytes.extend_from_slice(b"\0\0\0\rIDATx\x9cc\xf8\x0f\0\0\x01\x01\0\x05\x18\xd8N");
    bytes.extend_from_slice(b"\0\0\0\0IEND\xaeB`\x82");
    bytes
}

/// The start of a JFIF JPEG.
fn jpeg() -> Vec<u8> {
    let mut bytes = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0".to_vec();
    bytes.extend_from_slice(&[0xff, 0xd9]);
    bytes
}

/// A Windows executable: "MZ" DOS header pointing at a "PE\0\0" header.
fn windows_executable() -> Vec<u8> {
    let mut bytes = vec![0u8; 256];
    bytes[0] = b'M';
    bytes[1] = b'Z';
    bytes[0x3c] = 0x80;
    bytes[0x80..0x84].copy_from_slice(b"PE\0\0");
    bytes
}

struct Part<'a> {
    name: &'a str,
    file_name: Option<&'a str>,
    content_type: Option<&'a str>,
    body: Vec<u8>,
}

fn text(name: &str, value: &str) -> Part<'static> {
    Part {
        name: Box::leak(name.to_string().into_boxed_str()),
        file_name: None,
        content_type: None,
        body: value.as_bytes().to_vec(),
    }
}

/// Written by hand, so a test can send any file name (quotes, newlines) and declared type.
fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", part.name);
        if let Some(file_name) = part.file_name {
            disposition.push_str(&format!("; filename=\"{file_name}\""));
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        if let Some(content_type) = part.content_type {
            body.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(&part.body);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

struct World {
    app: TestApp,
    smtp: SmtpCapture,
    employer: EmployerSession,
    employee_id: String,
    email: String,
}

impl World {
    async fn new(backend: Backend) -> World {
        Self::with(backend, |_| {}).await
    }

    async fn with(backend: Backend, adjust: impl FnOnce(&mut HashMap<String, String>)) -> World {
        let smtp = SmtpCapture::start().await;
        let url = smtp.url();
        let app = TestApp::spawn_with(backend, |env| {
            env.insert("SMTP_URL".into(), url);
            verzuim_tests::quick_outbox(env);
            adjust(env);
        })
        .await;
        let employer = app.employer_session().await;
        let email = EMPLOYEE.email.to_string();
        let employee_id = create_employee(&app, &employer.token, &email).await;
        World {
            app,
            smtp,
            employer,
            employee_id,
            email,
        }
    }

    /// Invites and activates the employee, logs in and returns the access token.
    async fn employee_token(&self) -> String {
        let invitation = self
            .app
            .invitation_token(
                &self.smtp,
                &self.employer.token,
                &self.employee_id,
                &self.email,
            )
            .await;
        let activated = self.app.activate(&invitation, &EMPLOYEE).await;
        assert_eq!(activated.status(), 201);
        let login: Value = self
            .app
            .login(&self.email, PASSWORD)
            .await
            .json()
            .await
            .unwrap();
        login["access_token"].as_str().unwrap().to_string()
    }

    async fn upload_raw(&self, token: &str, employee_id: &str, body: Vec<u8>) -> reqwest::Response {
        self.app
            .http
            .post(
                self.app
                    .url(&format!("/api/v1/employees/{employee_id}/documents")),
            )
            .bearer_auth(token)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body)
            .send()
            .await
            .unwrap()
    }

    async fn upload_file(
        &self,
        bytes: Vec<u8>,
        file_name: &str,
        declared: &str,
        visible: bool,
    ) -> reqwest::Response {
        let body = multipart(&[
            text("title", "Plan van aanpak"),
            text("category", "plan_of_action"),
            text("document_date", "2026-11-20"),
            text(
                "visible_to_employee",
                if visible { "true" } else { "false" },
            ),
            Part {
                name: "file",
                file_name: Some(file_name),
                content_type: Some(declared),
                body: bytes,
            },
        ]);
        self.upload_raw(&self.employer.token, &self.employee_id, body)
            .await
    }

    /// Uploads and returns the created document.
    async fn upload(&self, bytes: Vec<u8>, visible: bool) -> Value {
        let response = self
            .upload_file(bytes, "plan.pdf", "application/pdf", visible)
            .await;
        assert_eq!(response.status(), 201);
        response.json().await.unwrap()
    }

    async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        self.app
            .http
            .get(self.app.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// A download with the given `Range` (and optionally `If-Range`) header.
    async fn ranged(
        &self,
        token: &str,
        path: &str,
        range: &str,
        if_range: Option<&str>,
    ) -> reqwest::Response {
        let mut request = self
            .app
            .http
            .get(self.app.url(path))
            .bearer_auth(token)
            .header("range", range);
        if let Some(tag) = if_range {
            request = request.header("if-range", tag);
        }
        request.send().await.unwrap()
    }

    async fn delete_employee(&self) {
        let deleted = self
            .app
            .http
            .delete(
                self.app
                    .url(&format!("/api/v1/employees/{}", self.employee_id)),
            )
            .bearer_auth(&self.employer.token)
            .send()
            .await
            .unwrap();
        assert_eq!(deleted.status(), 204, "employee deleted");
    }

    fn documents_dir(&self) -> std::path::PathBuf {
        self.app.data_dir.path().join("documents")
    }

    /// Every file under the documents directory, staging included.
    fn stored_files(&self) -> Vec<std::path::PathBuf> {
        fn walk(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, found);
                } else {
                    found.push(path);
                }
            }
        }
        let mut found = Vec::new();
        walk(&self.documents_dir(), &mut found);
        found
    }

    fn document_rows(&self) -> i64 {
        use verzuim::db::schema::documents;
        documents::table
            .count()
            .get_result(&mut self.app.db())
            .unwrap()
    }

    fn set_employee_flag_off(&self) {
        use verzuim::db::schema::employees;
        diesel::update(employees::table.find(&self.employee_id))
            .set(employees::notify_new_documents.eq(false))
            .execute(&mut self.app.db())
            .unwrap();
    }
}

async fn create_employee(app: &TestApp, token: &str, email: &str) -> String {
    app.create_employee(token, &NewEmployee { email, ..EMPLOYEE })
        .await
}

fn id(document: &Value) -> String {
    document["id"].as_str().unwrap().to_string()
}

/// A PDF of `len` bytes whose every byte says where it is, so a wrong range shows.
fn numbered_pdf(len: usize) -> Vec<u8> {
    let mut bytes = pdf();
    bytes.extend((bytes.len()..len).map(|i| b'a' + (i % 26) as u8));
    bytes
}

/// The employer's and the employee's download path of a document.
fn content_paths(document: &Value) -> [String; 2] {
    [
        format!("/api/v1/documents/{}/content", id(document)),
        format!("/api/v1/me/documents/{}/content", id(document)),
    ]
}

/// Pretends `path` was last written `age` ago.
fn age_file(path: &Path, age: Duration) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - age)
        .unwrap();
}

const SIZE: usize = 300_000;

on_both_databases! {
    async fn documents_upload_visible_and_hidden(backend) {
        let world = World::new(backend).await;
        let visible = world.upload(pdf(), true).await;
        assert_eq!(visible["visible_to_employee"], true);
        assert_eq!(visible["content_type"], "application/pdf");
        assert_eq!(visible["size"], pdf().len());
        assert_eq!(visible["sha256"], sha256_hex(&pdf()));
        assert_eq!(visible["category"], "plan_of_action");
        assert_eq!(visible["document_date"], "2026-11-20");
        assert_eq!(visible["employee_id"], world.employee_id.as_str());
        assert_eq!(visible["published_by"]["role"], "employer");
        assert_eq!(visible["published_by"]["client_id"], world.employer.credentials.client_id.as_str());
        let hidden = world.upload(png(), false).await;
        assert_eq!(hidden["visible_to_employee"], false);
        assert_eq!(hidden["content_type"], "image/png");
        assert_eq!(hidden["file_name"], "plan.pdf.png", "the name gets the real extension");
        let jpg = world.upload(jpeg(), false).await;
        assert_eq!(jpg["content_type"], "image/jpeg");
        let txt = world.upload("Verslag van het gesprek.\r\nAfspraken: één.\n".as_bytes().to_vec(), false).await;
        assert_eq!(txt["content_type"], "text/plain; charset=utf-8");

        let list: Value = world
            .get(&world.employer.token, &format!("/api/v1/employees/{}/documents", world.employee_id))
            .await.json().await.unwrap();
        assert_eq!(list["items"].as_array().unwrap().len(), 4);
        let only_visible: Value = world
            .get(&world.employer.token, &format!("/api/v1/employees/{}/documents?visible=true", world.employee_id))
            .await.json().await.unwrap();
        assert_eq!(only_visible["items"].as_array().unwrap().len(), 1);
        let one: Value = world.get(&world.employer.token, &format!("/api/v1/documents/{}", id(&hidden))).await.json().await.unwrap();
        assert_eq!(one["id"], hidden["id"]);
    }

    async fn documents_an_arbodienst_client_publishes_as_arbodienst(backend) {
        let world = World::new(backend).await;
        let arbodienst = world.app.cli(&["arbodienst", "create", "--name", "Arbo", "--email", "a@arbo.test"]).unwrap();
        let arbodienst_id = arbodienst["id"].as_str().unwrap();
        let linked = world.app.http.patch(world.app.url("/api/v1/employer")).bearer_auth(&world.employer.token)
            .json(&serde_json::json!({"arbodienst_id": arbodienst_id})).send().await.unwrap();
        assert_eq!(linked.status(), 200);
        let arbo = world.app.cli(&["client", "create", "--arbodienst", arbodienst_id, "--name", "arbo",
            "--scopes", "absences:read documents:read documents:write"]).unwrap();
        let arbo = verzuim_tests::Credentials {
            client_id: arbo["client_id"].as_str().unwrap().into(),
            client_secret: arbo["client_secret"].as_str().unwrap().into(),
        };
        let token = world.app.token(&arbo).await;
        let body = multipart(&[
            text("title", "Advies"), text("category", "medical_advice"),
            text("document_date", "2026-11-21"), text("visible_to_employee", "false"),
            Part { name: "file", file_name: Some("advies.pdf"), content_type: Some("application/pdf"), body: pdf() },
        ]);
        let response = world.upload_raw(&token, &world.employee_id, body).await;
        assert_eq!(response.status(), 201);
        let document: Value = response.json().await.unwrap();
        assert_eq!(document["published_by"]["role"], "arbodienst");
    }

    async fn documents_employee_sees_only_visible_ones(backend) {
        let world = World::new(backend).await;
        let access = world.employee_token().await;
        let visible = world.upload(pdf(), true).await;
        let hidden = world.upload(png(), false).await;
        let list: Value = world.get(&access, "/api/v1/me/documents").await.json().await.unwrap();
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "the count excludes the hidden one: {list}");
        assert_eq!(items[0]["id"], visible["id"]);
        assert_eq!(items[0]["title"], "Plan van aanpak");
        assert_eq!(items[0]["published_by"]["role"], "employer");
        assert!(items[0]["published_by"].get("client_id").is_none());
        assert!(items[0].get("visible_to_employee").is_none());
        assert_eq!(world.get(&access, &format!("/api/v1/me/documents/{}", id(&visible))).await.status(), 200);
        assert_problem(world.get(&access, &format!("/api/v1/me/documents/{}", id(&hidden))).await, 404).await;
        assert_problem(world.get(&access, &format!("/api/v1/me/documents/{}/content", id(&hidden))).await, 404).await;
    }

    async fn documents_employee_list_is_newest_first_and_paginated(backend) {
        let world = World::new(backend).await;
        let access = world.employee_token().await;
        let mut ids = Vec::new();
        for date in ["2026-01-05", "2026-03-01", "2026-02-10"] {
            let body = multipart(&[
                text("title", "Evaluatie"), text("category", "evaluation"),
                text("document_date", date), text("visible_to_employee", "true"),
                Part { name: "file", file_name: Some("e.pdf"), content_type: None, body: pdf() },
            ]);
            let response = world.upload_raw(&world.employer.token, &world.employee_id, body).await;
            assert_eq!(response.status(), 201);
            ids.push(id(&response.json().await.unwrap()));
        }
        let first: Value = world.get(&access, "/api/v1/me/documents?limit=2").await.json().await.unwrap();
        let dates: Vec<&str> = first["items"].as_array().unwrap().iter().map(|d| d["document_date"].as_str().unwrap()).collect();
        assert_eq!(dates, ["2026-03-01", "2026-02-10"]);
        let cursor = first["next_cursor"].as_str().unwrap();
        let second: Value = world.get(&access, &format!("/api/v1/me/documents?limit=2&cursor={cursor}")).await.json().await.unwrap();
        assert_eq!(second["items"].as_array().unwrap().len(), 1);
        assert_eq!(second["items"][0]["id"], ids[0].as_str());
        assert!(second["next_cursor"].is_null());
    }

    async fn documents_of_other_employees_and_employers_answer_404_everywhere(backend) {
        let world = World::new(backend).await;
        let access = world.employee_token().await;
        // Another employee of the same employer, and another employer with its own employee.
        let colleague = create_employee(&world.app, &world.employer.token, "piet@bakkerij.nl").await;
        let other = world.app.employer_session().await;
        let stranger = create_employee(&world.app, &other.token, "kees@elders.nl").await;
        let mut foreign = Vec::new();
        for (token, employee) in [(&world.employer.token, &colleague), (&other.token, &stranger)] {
            let body = multipart(&[
                text("title", "Brief"), text("category", "correspondence"),
                text("document_date", "2026-11-01"), text("visible_to_employee", "true"),
                Part { name: "file", file_name: Some("brief.pdf"), content_type: None, body: pdf() },
            ]);
            let response = world.upload_raw(token, employee, body).await;
            assert_eq!(response.status(), 201);
            foreign.push(id(&response.json().await.unwrap()));
        }
        let missing = uuid::Uuid::new_v4().to_string();
        // The employee: neither the colleague's nor the other employer's document exists.
        for document in foreign.iter().chain([&missing]) {
            for path in [format!("/api/v1/me/documents/{document}"), format!("/api/v1/me/documents/{document}/content")] {
                assert_problem(world.get(&access, &path).await, 404).await;
            }
        }
        let mine: Value = world.get(&access, "/api/v1/me/documents").await.json().await.unwrap();
        assert_eq!(mine["items"].as_array().unwrap().len(), 0);
        // The employer: the other employer's document and employee do not exist.
        let theirs = &foreign[1];
        for document in [theirs, &missing] {
            for path in [format!("/api/v1/documents/{document}"), format!("/api/v1/documents/{document}/content")] {
                assert_problem(world.get(&world.employer.token, &path).await, 404).await;
            }
            let patched = world.app.http.patch(world.app.url(&format!("/api/v1/documents/{document}")))
                .bearer_auth(&world.employer.token).json(&json!({"visible_to_employee": false})).send().await.unwrap();
            assert_problem(patched, 404).await;
            let deleted = world.app.http.delete(world.app.url(&format!("/api/v1/documents/{document}")))
                .bearer_auth(&world.employer.token).send().await.unwrap();
            assert_problem(deleted, 404).await;
        }
        assert_problem(world.get(&world.employer.token, &format!("/api/v1/employees/{stranger}/documents")).await, 404).await;
        let body = multipart(&[
            text("title", "x"), text("category", "other"), text("document_date", "2026-11-01"),
            text("visible_to_employee", "true"),
            Part { name: "file", file_name: Some("x.pdf"), content_type: None, body: pdf() },
        ]);
        assert_problem(world.upload_raw(&world.employer.token, &stranger, body).await, 404).await;
        // The other employer's document is untouched.
        assert_eq!(world.get(&other.token, &format!("/api/v1/documents/{theirs}")).await.status(), 200);
    }

    async fn documents_employees_cannot_upload(backend) {
        let world = World::new(backend).await;
        let access = world.employee_token().await;
        let body = multipart(&[
            text("title", "x"), text("category", "other"), text("document_date", "2026-11-01"),
            text("visible_to_employee", "true"),
            Part { name: "file", file_name: Some("x.pdf"), content_type: None, body: pdf() },
        ]);
        let response = world.upload_raw(&access, &world.employee_id, body).await;
        assert_problem(response, 401).await;
        assert_eq!(world.document_rows(), 0);
    }

    async fn documents_a_windows_executable_declared_as_pdf_is_refused_and_nothing_stored(backend) {
        let world = World::new(backend).await;
        let response = world.upload_file(windows_executable(), "rapport.pdf", "application/pdf", true).await;
        assert_problem(response, 415).await;
        assert_eq!(world.document_rows(), 0);
        assert_eq!(world.stored_files(), Vec::<std::path::PathBuf>::new(), "no file, no temp file");
    }

    async fn documents_html_svg_and_zip_are_refused(backend) {
        let world = World::new(backend).await;
        let cases: [(&[u8], &str, &str); 4] = [
            (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "a.txt", "text/plain"),
            (b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>", "a.png", "image/png"),
            (b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>", "a.pdf", "application/pdf"),
            (b"PK\x03\x04\x14\0\0\0\x08\0", "a.pdf", "application/pdf"),
        ];
        for (bytes, name, declared) in cases {
            let response = world.upload_file(bytes.to_vec(), name, declared, true).await;
            assert_problem(response, 415).await;
        }
        assert_eq!(world.document_rows(), 0);
        assert!(world.stored_files().is_empty());
    }

    async fn documents_over_the_size_limit_are_refused_while_streaming(backend) {
        let world = World::with(backend, |env| {
            env.insert("VERZUIM_MAX_UPLOAD_BYTES".into(), "1024".into());
        }).await;
        let mut big = pdf();
        big.resize(4096, b' ');
        let response = world.upload_file(big, "big.pdf", "application/pdf", true).await;
        assert_problem(response, 413).await;
        assert_eq!(world.document_rows(), 0);
        assert!(world.stored_files().is_empty(), "{:?}", world.stored_files());
        // Exactly at the limit is fine.
        let mut fits = pdf();
        fits.resize(1024, b' ');
        assert_eq!(world.upload_file(fits, "fits.pdf", "application/pdf", true).await.status(), 201);
    }

    async fn documents_download_returns_the_same_bytes_with_safe_headers(backend) {
        let world = World::new(backend).await;
        let access = world.employee_token().await;
        let mut bytes = pdf();
        // Bigger than one read buffer, so the body arrives in several chunks.
        bytes.extend((0..300_000u32).map(|i| b'a' + (i % 26) as u8));
        let document = world.upload(bytes.clone(), true).await;
        for (token, path) in [
            (&world.employer.token, format!("/api/v1/documents/{}/content", id(&document))),
            (&access, format!("/api/v1/me/documents/{}/content", id(&document))),
        ] {
            let response = world.get(token, &path).await;
            assert_eq!(response.status(), 200);
            let headers = response.headers().clone();
            assert_eq!(headers["content-type"], "application/pdf");
            assert_eq!(headers["content-length"], bytes.len().to_string().as_str());
            assert_eq!(headers["x-content-type-options"], "nosniff");
            assert_eq!(headers["cache-control"], "no-store");
            assert_eq!(headers["content-disposition"], "attachment; filename=\"plan.pdf\"; filename*=UTF-8''plan.pdf");
            let body = response.bytes().await.unwrap();
            assert_eq!(body.as_ref(), bytes.as_slice());
            assert_eq!(sha256_hex(&body), document["sha256"].as_str().unwrap());
        }
    }

    async fn documents_hostile_file_names_are_safe_in_storage_and_headers(backend) {
        let world = World::new(backend).await;
        // A quoted filename with an escaped quote, and an RFC 5987 `filename*` (which wins)
        // carrying a path, a quote, CR LF, a fake header and non-ASCII.
        let hostile = "../../etc/passwd\\\"; x=y.txt\"; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd%22%0D%0AX-Evil%3A%201%20Zo%C3%AB.txt";
        let body = multipart(&[
            text("title", "Notitie"), text("category", "other"),
            text("document_date", "2026-11-01"), text("visible_to_employee", "false"),
            Part { name: "file", file_name: Some(hostile), content_type: Some("text/html"), body: b"gewoon tekst\n".to_vec() },
        ]);
        let response = world.upload_raw(&world.employer.token, &world.employee_id, body).await;
        assert_eq!(response.status(), 201);
        let document: Value = response.json().await.unwrap();
        let name = document["file_name"].as_str().unwrap();
        assert!(!name.contains('/') && !name.contains('\\') && !name.contains('"'), "{name}");
        assert!(!name.chars().any(char::is_control), "{name}");
        assert!(name.ends_with(".txt"), "{name}");
        // Stored under the document id only.
        let files = world.stored_files();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0], world.documents_dir().join(id(&document)));
        assert!(!world.app.data_dir.path().join("etc").exists());
        let response = world.get(&world.employer.token, &format!("/api/v1/documents/{}/content", id(&document))).await;
        assert_eq!(response.status(), 200);
        assert!(response.headers().get("x-evil").is_none());
        assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
        let disposition = response.headers()["content-disposition"].to_str().unwrap().to_string();
        assert!(disposition.starts_with("attachment; filename=\""), "{disposition}");
        let ascii = &disposition["attachment; filename=\"".len()..];
        let ascii = &ascii[..ascii.find('"').unwrap()];
        assert!(ascii.is_ascii() && !ascii.contains('/'), "{disposition}");
        assert!(disposition.contains("filename*=UTF-8''"), "{disposition}");
        assert!(disposition.contains("Zo%C3%AB.txt"), "{disposition}");

        // A plain non-ASCII name, too.
        let body = multipart(&[
            text("title", "Notitie"), text("category", "other"),
            text("document_date", "2026-11-01"), text("visible_to_employee", "false"),
            Part { name: "file", file_name: Some("..\\..\\Verslag één.pdf"), content_type: None, body: pdf() },
        ]);
        let document: Value = world.upload_raw(&world.employer.token, &world.employee_id, body).await.json().await.unwrap();
        assert_eq!(document["file_name"], "Verslag één.pdf");
        let response = world.get(&world.employer.token, &format!("/api/v1/documents/{}/content", id(&document))).await;
        assert_eq!(
            response.headers()["content-disposition"],
            "attachment; filename=\"Verslag __n.pdf\"; filename*=UTF-8''Verslag%20%C3%A9%C3%A9n.pdf"
        );
    }

    async fn documents_making_a_hidden_document_visible_sends_one_email(backend) {
        let world = World::new(backend).await;
        let _access = world.employee_token().await;
        let before = world.smtp.received().len();
        let hidden = world.upload(pdf(), false).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(world.smtp.received().len(), before, "a hidden document sends nothing");
        let patch = |visible: bool| {
            world.app.http.patch(world.app.url(&format!("/api/v1/documents/{}", id(&hidden))))
                .bearer_auth(&world.employer.token)
                .json(&json!({"visible_to_employee": visible, "title": "Probleemanalyse"}))
                .send()
        };
        let patched: Value = patch(true).await.unwrap().json().await.unwrap();
        assert_eq!(patched["visible_to_employee"], true);
        assert_eq!(patched["title"], "Probleemanalyse");
        // Visible again while already visible: no second e-mail.
        assert_eq!(patch(true).await.unwrap().status(), 200);
        let mails = world.smtp.wait_for(before + 1, Duration::from_secs(20)).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mails_after = world.smtp.received();
        assert_eq!(mails_after.len(), before + 1, "exactly one e-mail");
        let mail = &mails[before];
        assert_eq!(mail.rcpt_to, vec![world.email.clone()]);
        let parsed = mail.parsed();
        assert_eq!(parsed.subject(), Some("Nieuw document in je dossier"));
        let text = parsed.body_text(0).unwrap().to_string();
        assert!(text.contains("Er staat een nieuw document in je dossier"), "{text}");
        assert!(text.contains("http://verzuim.test/dossier"), "{text}");
        assert!(!text.contains("Probleemanalyse") && !text.contains("Plan van aanpak"), "no title in the e-mail");
        assert!(parsed.attachments().next().is_none(), "never the document itself");
    }

    async fn documents_uploading_a_visible_document_notifies_unless_the_preference_is_off(backend) {
        let world = World::new(backend).await;
        let _access = world.employee_token().await;
        let before = world.smtp.received().len();
        world.upload(pdf(), true).await;
        let mails = world.smtp.wait_for(before + 1, Duration::from_secs(20)).await;
        assert_eq!(mails.len(), before + 1);

        world.set_employee_flag_off();
        world.upload(pdf(), true).await;
        let hidden = world.upload(pdf(), false).await;
        let made_visible = world.app.http.patch(world.app.url(&format!("/api/v1/documents/{}", id(&hidden))))
            .bearer_auth(&world.employer.token).json(&json!({"visible_to_employee": true})).send().await.unwrap();
        assert_eq!(made_visible.status(), 200);
        tokio::time::sleep(Duration::from_millis(1000)).await;
        assert_eq!(world.smtp.received().len(), before + 1, "preference off: no e-mail");
    }

    async fn documents_delete_removes_row_and_file(backend) {
        let world = World::new(backend).await;
        let document = world.upload(pdf(), true).await;
        let file = world.documents_dir().join(id(&document));
        assert!(file.exists());
        let deleted = world.app.http.delete(world.app.url(&format!("/api/v1/documents/{}", id(&document))))
            .bearer_auth(&world.employer.token).send().await.unwrap();
        assert_eq!(deleted.status(), 204);
        assert!(!file.exists());
        assert_eq!(world.document_rows(), 0);
        assert_problem(world.get(&world.employer.token, &format!("/api/v1/documents/{}", id(&document))).await, 404).await;
    }

    async fn documents_visibility_accepts_the_spellings_generated_clients_send(backend) {
        // Generated Python clients send a form boolean as `True`/`False`; others send 1/0.
        let world = World::new(backend).await;
        for (sent, visible) in [("True", true), ("0", false)] {
            let body = multipart(&[
                text("title", "Plan van aanpak"), text("category", "plan_of_action"),
                text("document_date", "2026-11-20"), text("visible_to_employee", sent),
                Part { name: "file", file_name: Some("plan.pdf"), content_type: None, body: pdf() },
            ]);
            let response = world.upload_raw(&world.employer.token, &world.employee_id, body).await;
            assert_eq!(response.status(), 201, "visible_to_employee={sent}");
            let document: Value = response.json().await.unwrap();
            assert_eq!(document["visible_to_employee"], visible, "visible_to_employee={sent}");
        }
        assert_eq!(world.document_rows(), 2);
    }

    async fn documents_bad_metadata_is_listed_and_nothing_stored(backend) {
        let world = World::new(backend).await;
        let body = multipart(&[
            text("title", ""), text("category", "diagnosis"),
            text("document_date", "20-11-2026"), text("visible_to_employee", "yes"),
            Part { name: "file", file_name: Some("x.pdf"), content_type: None, body: pdf() },
        ]);
        let problem = assert_problem(world.upload_raw(&world.employer.token, &world.employee_id, body).await, 400).await;
        let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        for field in ["title", "category", "document_date", "visible_to_employee"] {
            assert!(fields.contains(&field), "{problem}");
        }
        let no_file = multipart(&[text("title", "x"), text("category", "other"), text("document_date", "2026-11-01"), text("visible_to_employee", "true")]);
        assert_problem(world.upload_raw(&world.employer.token, &world.employee_id, no_file).await, 400).await;
        let not_multipart = world.app.http.post(world.app.url(&format!("/api/v1/employees/{}/documents", world.employee_id)))
            .bearer_auth(&world.employer.token).json(&json!({"title": "x"})).send().await.unwrap();
        assert_problem(not_multipart, 415).await;
        assert_eq!(world.document_rows(), 0);
        assert!(world.stored_files().is_empty());
    }

    async fn documents_need_the_documents_scopes(backend) {
        let world = World::new(backend).await;
        let reader = world.app.create_client(&world.employer.employer_id, Some("documents:read"));
        let token = world.app.token(&reader).await;
        let body = multipart(&[
            text("title", "x"), text("category", "other"), text("document_date", "2026-11-01"),
            text("visible_to_employee", "true"),
            Part { name: "file", file_name: Some("x.pdf"), content_type: None, body: pdf() },
        ]);
        assert_problem(world.upload_raw(&token, &world.employee_id, body).await, 403).await;
        let none = world.app.create_client(&world.employer.employer_id, Some("employees:read"));
        let token = world.app.token(&none).await;
        assert_problem(world.get(&token, &format!("/api/v1/employees/{}/documents", world.employee_id)).await, 403).await;
    }

    async fn documents_range_a_single_bounded_range_answers_206_with_content_range(backend) {
        let world = World::new(backend).await;
        let access = world.employee_token().await;
        let bytes = numbered_pdf(SIZE);
        let document = world.upload(bytes.clone(), true).await;
        for (token, path) in [&world.employer.token, &access].into_iter().zip(content_paths(&document)) {
            // Across the server's read chunks (256 KiB) and up to past the end (cut to the end).
            for (range, start, end) in [("bytes=0-0", 0, 1), ("bytes=100-262244", 100, 262_245), ("bytes=299990-999999", 299_990, SIZE)] {
                let response = world.ranged(token, &path, range, None).await;
                assert_eq!(response.status(), 206, "{path} {range}");
                let headers = response.headers().clone();
                assert_eq!(headers["content-range"], format!("bytes {start}-{}/{SIZE}", end - 1).as_str());
                assert_eq!(headers["content-length"], (end - start).to_string().as_str());
                assert_eq!(headers["content-type"], "application/pdf");
                assert_eq!(headers["x-content-type-options"], "nosniff");
                assert_eq!(headers["cache-control"], "no-store");
                assert!(headers["content-disposition"].to_str().unwrap().starts_with("attachment;"));
                let body = response.bytes().await.unwrap();
                assert!(body.as_ref() == &bytes[start..end], "{path} {range}: wrong bytes");
            }
        }
    }

    async fn documents_range_an_open_ended_range_answers_206_up_to_the_end(backend) {
        let world = World::new(backend).await;
        let access = world.employee_token().await;
        let bytes = numbered_pdf(SIZE);
        let document = world.upload(bytes.clone(), true).await;
        for (token, path) in [&world.employer.token, &access].into_iter().zip(content_paths(&document)) {
            let response = world.ranged(token, &path, "bytes=1000-", None).await;
            assert_eq!(response.status(), 206, "{path}");
            assert_eq!(response.headers()["content-range"], format!("bytes 1000-{}/{SIZE}", SIZE - 1).as_str());
            assert_eq!(response.headers()["content-length"], (SIZE - 1000).to_string().as_str());
            let body = response.bytes().await.unwrap();
            assert!(body.as_ref() == &bytes[1000..], "{path}: wrong bytes");
        }
    }

    async fn documents_range_a_suffix_range_answers_206_with_the_last_bytes(backend) {
        let world = World::new(backend).await;
        let access = world.employee_token().await;
        let bytes = numbered_pdf(SIZE);
        let document = world.upload(bytes.clone(), true).await;
        for (token, path) in [&world.employer.token, &access].into_iter().zip(content_paths(&document)) {
            let response = world.ranged(token, &path, "bytes=-500", None).await;
            assert_eq!(response.status(), 206, "{path}");
            assert_eq!(response.headers()["content-range"], format!("bytes {}-{}/{SIZE}", SIZE - 500, SIZE - 1).as_str());
            let body = response.bytes().await.unwrap();
            assert!(body.as_ref() == &bytes[SIZE - 500..], "{path}: wrong bytes");
            // A suffix longer than the file is the whole file, still as a range.
            let response = world.ranged(token, &path, "bytes=-999999", None).await;
            assert_eq!(response.status(), 206);
            assert_eq!(response.headers()["content-range"], format!("bytes 0-{}/{SIZE}", SIZE - 1).as_str());
        }
    }

    async fn documents_range_an_unsatisfiable_range_answers_416_with_the_size(backend) {
        let world = World::new(backend).await;
        let access = world.employee_token().await;
        let document = world.upload(numbered_pdf(SIZE), true).await;
        for (token, path) in [&world.employer.token, &access].into_iter().zip(content_paths(&document)) {
            for range in [format!("bytes={SIZE}-"), format!("bytes={}-{}", SIZE + 10, SIZE + 20), "bytes=-0".to_string()] {
                let response = world.ranged(token, &path, &range, None).await;
                assert_eq!(response.headers()["content-range"], format!("bytes */{SIZE}").as_str(), "{path} {range}");
                let problem = assert_problem(response, 416).await;
                assert_eq!(problem["type"], "/problems/range-not-satisfiable", "{problem}");
            }
        }
    }

    async fn documents_range_multiple_ranges_are_ignored_and_the_whole_file_sent(backend) {
        let world = World::new(backend).await;
        let access = world.employee_token().await;
        let bytes = numbered_pdf(SIZE);
        let document = world.upload(bytes.clone(), true).await;
        for (token, path) in [&world.employer.token, &access].into_iter().zip(content_paths(&document)) {
            for range in ["bytes=0-10,20-30", "bytes=0-10, 500-"] {
                let response = world.ranged(token, &path, range, None).await;
                assert_eq!(response.status(), 200, "{path} {range}");
                assert!(response.headers().get("content-range").is_none());
                assert_eq!(response.headers()["content-length"], SIZE.to_string().as_str());
                assert!(response.bytes().await.unwrap().as_ref() == bytes.as_slice());
            }
        }
    }

    async fn documents_range_a_malformed_range_is_ignored_and_the_whole_file_sent(backend) {
        let world = World::new(backend).await;
        let access = world.employee_token().await;
        let bytes = numbered_pdf(SIZE);
        let document = world.upload(bytes.clone(), true).await;
        for (token, path) in [&world.employer.token, &access].into_iter().zip(content_paths(&document)) {
            for range in ["bytes=20-10", "bytes=abc", "bytes=", "pages=1-2", "bytes=0x10-0x20"] {
                let response = world.ranged(token, &path, range, None).await;
                assert_eq!(response.status(), 200, "{path} {range}");
                assert!(response.headers().get("content-range").is_none());
                assert!(response.bytes().await.unwrap().as_ref() == bytes.as_slice(), "{range}");
            }
        }
    }

    async fn documents_range_full_responses_advertise_accept_ranges(backend) {
        let world = World::new(backend).await;
        let access = world.employee_token().await;
        let document = world.upload(numbered_pdf(SIZE), true).await;
        for (token, path) in [&world.employer.token, &access].into_iter().zip(content_paths(&document)) {
            let response = world.get(token, &path).await;
            assert_eq!(response.status(), 200);
            assert_eq!(response.headers()["accept-ranges"], "bytes", "{path}");
            // The ETag is the content's SHA-256: what a resuming client sends in If-Range.
            let etag = format!("\"{}\"", document["sha256"].as_str().unwrap());
            assert_eq!(response.headers()["etag"], etag.as_str());
        }
    }

    async fn documents_range_is_honoured_only_when_if_range_names_the_current_etag(backend) {
        let world = World::new(backend).await;
        let bytes = numbered_pdf(SIZE);
        let document = world.upload(bytes.clone(), true).await;
        let path = format!("/api/v1/documents/{}/content", id(&document));
        let etag = format!("\"{}\"", document["sha256"].as_str().unwrap());
        let response = world.ranged(&world.employer.token, &path, "bytes=10-19", Some(&etag)).await;
        assert_eq!(response.status(), 206);
        assert!(response.bytes().await.unwrap().as_ref() == &bytes[10..20]);
        for stale in ["\"something-else\"", "Wed, 21 Oct 2015 07:28:00 GMT"] {
            let response = world.ranged(&world.employer.token, &path, "bytes=10-19", Some(stale)).await;
            assert_eq!(response.status(), 200, "{stale}");
            assert!(response.bytes().await.unwrap().as_ref() == bytes.as_slice());
        }
    }

    async fn documents_range_requests_stay_private(backend) {
        // Ranges change nothing about who may see what: hidden and foreign documents are 404.
        let world = World::new(backend).await;
        let access = world.employee_token().await;
        let hidden = world.upload(numbered_pdf(SIZE), false).await;
        let response = world.ranged(&access, &format!("/api/v1/me/documents/{}/content", id(&hidden)), "bytes=0-10", None).await;
        assert_problem(response, 404).await;
        let other = world.app.employer_session().await;
        let response = world.ranged(&other.token, &format!("/api/v1/documents/{}/content", id(&hidden)), "bytes=999999-", None).await;
        assert_problem(response, 404).await;
    }

    async fn documents_of_a_deleted_employee_are_not_listed_and_cannot_be_added(backend) {
        let world = World::new(backend).await;
        world.upload(pdf(), true).await;
        world.delete_employee().await;
        let path = format!("/api/v1/employees/{}/documents", world.employee_id);
        assert_problem(world.get(&world.employer.token, &path).await, 404).await;
        let response = world.upload_file(pdf(), "plan.pdf", "application/pdf", true).await;
        assert_problem(response, 404).await;
        assert_eq!(world.document_rows(), 1, "the existing row stays; nothing was added");
    }

    async fn documents_upload_with_an_idempotency_key_is_stored_once_replayed_and_checked(backend) {
        let world = World::new(backend).await;
        // Larger than the middleware keeps in memory, so the body goes through its spool file.
        let bytes = numbered_pdf(2 * SIZE);
        let form = |bytes: Vec<u8>| multipart(&[
            text("title", "Plan van aanpak"),
            text("category", "plan_of_action"),
            text("document_date", "2026-11-20"),
            text("visible_to_employee", "false"),
            Part { name: "file", file_name: Some("plan.pdf"), content_type: Some("application/pdf"), body: bytes },
        ]);
        let send = |body: Vec<u8>| {
            world.app.http.post(world.app.url(&format!("/api/v1/employees/{}/documents", world.employee_id)))
                .bearer_auth(&world.employer.token)
                .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
                .header("idempotency-key", "upload-plan-1")
                .body(body)
                .send()
        };
        let first = send(form(bytes.clone())).await.unwrap();
        assert_eq!(first.status(), 201);
        let first_body = first.bytes().await.unwrap();
        let created: Value = serde_json::from_slice(&first_body).unwrap();
        assert_eq!(created["sha256"], sha256_hex(&bytes).as_str());

        let again = send(form(bytes.clone())).await.unwrap();
        assert_eq!(again.status(), 201);
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        assert_eq!(again.bytes().await.unwrap(), first_body, "replayed byte for byte");
        assert_eq!(world.document_rows(), 1, "stored once");

        let mut other = bytes.clone();
        other[SIZE] ^= 1;
        assert_problem(send(form(other)).await.unwrap(), 422).await;
        assert_eq!(world.document_rows(), 1);
        let content = world.get(&world.employer.token, &format!("/api/v1/documents/{}/content", id(&created))).await;
        assert_eq!(content.bytes().await.unwrap().as_ref(), bytes.as_slice());
    }

    async fn documents_of_a_deleted_employee_stay_readable_and_deletable_but_not_changeable(backend) {
        let world = World::new(backend).await;
        let visible = world.upload(pdf(), true).await;
        let hidden = world.upload(png(), false).await;
        world.delete_employee().await;
        for document in [&visible, &hidden] {
            let path = format!("/api/v1/documents/{}", id(document));
            // Still part of the employer's records (README "Employee accounts")…
            assert_eq!(world.get(&world.employer.token, &path).await.status(), 200);
            let content = world.get(&world.employer.token, &format!("{path}/content")).await;
            assert_eq!(content.status(), 200);
            // …but no longer changed: publishing would notify someone without access.
            let patched = world.app.http.patch(world.app.url(&path))
                .bearer_auth(&world.employer.token).json(&json!({"visible_to_employee": true})).send().await.unwrap();
            assert_problem(patched, 404).await;
        }
        assert_eq!(world.document_rows(), 2, "a refused change changes nothing");
        // Deleting when the retention period ends removes row and file.
        let path = format!("/api/v1/documents/{}", id(&hidden));
        let deleted = world.app.http.delete(world.app.url(&path)).bearer_auth(&world.employer.token).send().await.unwrap();
        assert_eq!(deleted.status(), 204);
        assert_eq!(world.document_rows(), 1);
        assert!(!world.documents_dir().join(id(&hidden)).exists());
        assert!(world.documents_dir().join(id(&visible)).exists());
    }

    async fn documents_a_deleted_employee_cannot_reach_their_own_dossier(backend) {
        let world = World::new(backend).await;
        let access = world.employee_token().await;
        let document = world.upload(pdf(), true).await;
        assert_eq!(world.get(&access, "/api/v1/me/documents").await.status(), 200);
        world.delete_employee().await;
        for path in [
            "/api/v1/me/documents".to_string(),
            format!("/api/v1/me/documents/{}", id(&document)),
            format!("/api/v1/me/documents/{}/content", id(&document)),
        ] {
            assert_problem(world.get(&access, &path).await, 401).await;
        }
    }

    async fn documents_sweep_removes_orphaned_and_stale_staging_files_only(backend) {
        let world = World::new(backend).await;
        let bytes = numbered_pdf(SIZE);
        let document = world.upload(bytes.clone(), true).await;
        let kept = world.documents_dir().join(id(&document));
        // A document stored long ago keeps its file: it has a row.
        age_file(&kept, Duration::from_secs(3 * 3600));
        // An old orphan (as a crash between storing and the row would leave), a young one (an
        // upload that is about to write its row), an old and a young staging file.
        let old_orphan = world.documents_dir().join(uuid::Uuid::new_v4().to_string());
        let young_orphan = world.documents_dir().join(uuid::Uuid::new_v4().to_string());
        let staging = world.documents_dir().join(".staging");
        let old_staging = staging.join(".upload-crashed");
        let young_staging = staging.join(".upload-in-flight");
        for file in [&old_orphan, &young_orphan, &old_staging, &young_staging] {
            std::fs::write(file, b"%PDF-1.4\n").unwrap();
        }
        age_file(&old_orphan, Duration::from_secs(2 * 3600));
        age_file(&old_staging, Duration::from_secs(2 * 3600));
        // Not ours: left alone whatever its age.
        let foreign = world.documents_dir().join("notes.txt");
        std::fs::write(&foreign, b"x").unwrap();
        age_file(&foreign, Duration::from_secs(2 * 3600));

        let report = world.app.cli(&["documents", "sweep"]).unwrap();
        assert_eq!(report, json!({"orphans_removed": 1, "staging_removed": 1, "failed": 0}));
        assert!(!old_orphan.exists() && !old_staging.exists());
        assert!(young_orphan.exists() && young_staging.exists(), "younger than the grace period");
        assert!(kept.exists() && foreign.exists());
        let response = world.get(&world.employer.token, &format!("/api/v1/documents/{}/content", id(&document))).await;
        assert_eq!(response.status(), 200);
        assert!(response.bytes().await.unwrap().as_ref() == bytes.as_slice(), "the document is intact");

        // Without a grace period the young ones go too; the document still stays.
        let report = world.app.cli(&["documents", "sweep", "--grace-minutes", "0"]).unwrap();
        assert_eq!(report, json!({"orphans_removed": 1, "staging_removed": 1, "failed": 0}));
        assert!(!young_orphan.exists() && !young_staging.exists());
        assert!(kept.exists());
        assert_eq!(world.document_rows(), 1);
    }

    async fn documents_sweep_in_the_server_uses_the_same_rule(backend) {
        // The periodic task calls `sweep` with the default grace period; run that directly
        // against the app's real storage and database.
        let world = World::new(backend).await;
        let document = world.upload(pdf(), true).await;
        age_file(&world.documents_dir().join(id(&document)), Duration::from_secs(3 * 3600));
        let orphan = world.documents_dir().join(uuid::Uuid::new_v4().to_string());
        std::fs::write(&orphan, b"x").unwrap();
        age_file(&orphan, Duration::from_secs(2 * 3600));
        let db = verzuim::db::Db::new(&world.app.settings.database);
        let storage = verzuim::storage::from_settings(&world.app.settings).unwrap();
        let report = verzuim::dossier::sweeper::sweep(&db, storage.as_ref(), verzuim::dossier::sweeper::GRACE).await.unwrap();
        assert_eq!(report.orphans_removed, 1, "{report:?}");
        assert!(!orphan.exists());
        assert!(world.documents_dir().join(id(&document)).exists());
    }
}
