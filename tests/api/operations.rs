use verzuim_tests::{assert_problem, on_both_databases, TestApp};

on_both_databases! {
    async fn health_answers_ok(backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.http.get(app.url("/health")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ok");
    }

    async fn ready_answers_ok_while_the_database_answers(backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.http.get(app.url("/ready")).send().await.unwrap();
        assert_eq!(response.status(), 200);
    }

    async fn ready_answers_503_when_the_database_is_gone(backend) {
        let app = TestApp::spawn(backend).await;
        match app.backend() {
            verzuim_tests::Backend::Sqlite => std::fs::remove_file(app.sqlite_file()).unwrap(),
            verzuim_tests::Backend::Postgres => {
                use diesel::{Connection, RunQueryDsl};
                let name = app.settings.database.url.clone();
                let name = secrecy::ExposeSecret::expose_secret(&name).rsplit('/').next().unwrap().to_string();
                let mut admin = diesel::PgConnection::establish(&format!("{}/postgres", verzuim_tests::postgres_admin_url())).unwrap();
                diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin).unwrap();
            }
        }
        let response = app.http.get(app.url("/ready")).send().await.unwrap();
        assert_problem(response, 503).await;
        // Liveness is about the process, not its dependencies.
        let response = app.http.get(app.url("/health")).send().await.unwrap();
        assert_eq!(response.status(), 200);
    }

    async fn every_response_carries_a_request_id_and_security_headers(backend) {
        let app = TestApp::spawn(backend).await;
        for path in ["/health", "/api/v1/employer", "/api/v1/no-such-route", "/"] {
            let response = app.http.get(app.url(path)).send().await.unwrap();
            let headers = response.headers();
            let request_id = headers.get("x-request-id").map(|v| v.to_str().unwrap().to_string());
            assert!(request_id.is_some_and(|id| uuid::Uuid::parse_str(&id).is_ok()), "{path}: no request id");
            assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
            assert_eq!(headers["x-frame-options"], "DENY", "{path}");
            let csp = headers["content-security-policy"].to_str().unwrap();
            assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{path}: {csp}");
        }
    }

    async fn request_ids_differ_per_request(backend) {
        let app = TestApp::spawn(backend).await;
        let first = app.http.get(app.url("/health")).send().await.unwrap();
        let second = app.http.get(app.url("/health")).send().await.unwrap();
        assert_ne!(first.headers()["x-request-id"], second.headers()["x-request-id"]);
    }

    async fn metrics_are_exposed_for_prometheus(backend) {
        let app = TestApp::spawn(backend).await;
        app.http.get(app.url("/health")).send().await.unwrap();
        let body = app.metrics().await;
        assert!(body.contains("verzuim_http_requests_total"), "{body}");
        assert!(body.contains("endpoint=\"/health\""), "{body}");
    }

    async fn api_answers_are_never_cached(backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.http.get(app.url("/api/v1/employer")).send().await.unwrap();
        assert_eq!(response.headers()["cache-control"], "no-store");
    }

    async fn cors_allows_only_configured_origins(backend) {
        let app = TestApp::spawn_with(backend, |env| {
            env.insert("VERZUIM_CORS_ORIGINS".into(), "https://hr.example.nl".into());
        })
        .await;
        let allowed = app.http.get(app.url("/health")).header("Origin", "https://hr.example.nl").send().await.unwrap();
        assert_eq!(allowed.headers()["access-control-allow-origin"], "https://hr.example.nl");
        let other = app.http.get(app.url("/health")).header("Origin", "https://evil.example").send().await.unwrap();
        assert!(other.headers().get("access-control-allow-origin").is_none());
    }

    async fn spa_serves_index_for_deep_links_and_caches_hashed_assets(backend) {
        let frontend = tempfile::tempdir().unwrap();
        std::fs::write(frontend.path().join("index.html"), "<!doctype html><title>Verzuim SPA</title>").unwrap();
        std::fs::create_dir(frontend.path().join("assets")).unwrap();
        std::fs::write(frontend.path().join("assets/app-3f2a1b.js"), "console.log(1)").unwrap();
        let dir = frontend.path().display().to_string();
        let app = TestApp::spawn_with(backend, |env| {
            env.insert("VERZUIM_FRONTEND_DIR".into(), dir);
        })
        .await;
        for path in ["/", "/activate/some-token", "/reset-password/x/y"] {
            let response = app.http.get(app.url(path)).send().await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            assert_eq!(response.headers()["cache-control"], "no-cache", "{path}");
            assert!(response.text().await.unwrap().contains("Verzuim SPA"), "{path}");
        }
        let asset = app.http.get(app.url("/assets/app-3f2a1b.js")).send().await.unwrap();
        assert_eq!(asset.status(), 200);
        assert!(asset.headers()["cache-control"].to_str().unwrap().contains("immutable"));
        // Unknown API paths never fall through to the SPA.
        assert_problem(app.http.get(app.url("/api/v1/activate/x")).send().await.unwrap(), 404).await;
    }

    async fn spa_assets_are_gzipped_for_browsers_that_ask_but_api_answers_are_not(backend) {
        let frontend = tempfile::tempdir().unwrap();
        std::fs::write(frontend.path().join("index.html"), "<!doctype html><title>Verzuim SPA</title>").unwrap();
        std::fs::create_dir(frontend.path().join("assets")).unwrap();
        let script = "console.log('verzuim');\n".repeat(2000);
        std::fs::write(frontend.path().join("assets/app-3f2a1b.js"), &script).unwrap();
        let dir = frontend.path().display().to_string();
        let app = TestApp::spawn_with(backend, |env| {
            env.insert("VERZUIM_FRONTEND_DIR".into(), dir);
        })
        .await;
        let asset = app.http.get(app.url("/assets/app-3f2a1b.js")).header("Accept-Encoding", "gzip").send().await.unwrap();
        assert_eq!(asset.status(), 200);
        assert_eq!(asset.headers()["content-encoding"], "gzip");
        let compressed = asset.bytes().await.unwrap();
        assert!(compressed.len() < script.len() / 10, "{} bytes for {}", compressed.len(), script.len());
        let plain = app.http.get(app.url("/assets/app-3f2a1b.js")).send().await.unwrap();
        assert!(plain.headers().get("content-encoding").is_none());
        assert_eq!(plain.text().await.unwrap(), script);

        let api = app.http.get(app.url("/api/v1/status")).header("Accept-Encoding", "gzip").send().await.unwrap();
        assert_eq!(api.status(), 200);
        assert!(api.headers().get("content-encoding").is_none());
    }
}
