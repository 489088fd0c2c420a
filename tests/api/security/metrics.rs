//! Prometheus metrics live on a listener of their own (`VERZUIM_METRICS_BIND`, loopback by
//! default), never on the public API listener: request counts per route and cache hit rates
//! are for the operator, not for whoever can reach the API.

use verzuim_tests::{on_both_databases, TestApp};

on_both_databases! {
    async fn the_api_listener_answers_404_for_metrics(backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.http.get(app.url("/metrics")).send().await.expect("request");
        assert_eq!(response.status(), 404);
        let body = response.text().await.expect("body");
        assert!(!body.contains("verzuim_"), "{body}");
    }

    async fn the_metrics_listener_serves_verzuim_metrics_and_nothing_else(backend) {
        let app = TestApp::spawn(backend).await;
        app.http.get(app.url("/health")).send().await.expect("request");
        let address = app.metrics_address.clone().expect("a metrics listener");
        assert_ne!(address, app.address);

        let response = app.http.get(format!("{address}/metrics")).send().await.expect("request");
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"].to_str().expect("ascii").to_string();
        assert!(content_type.starts_with("text/plain"), "{content_type}");
        let body = response.text().await.expect("body");
        assert!(body.contains("verzuim_http_requests_total"), "{body}");
        assert!(body.contains("endpoint=\"/health\""), "{body}");
        assert!(body.contains("verzuim_read_cache_hits_total"), "{body}");

        // The API is not reachable through the metrics port either.
        for path in ["/health", "/api/v1/employer", "/"] {
            let response = app.http.get(format!("{address}{path}")).send().await.expect("request");
            assert_eq!(response.status(), 404, "{path}");
        }
    }

    async fn an_empty_metrics_bind_serves_no_metrics_anywhere(backend) {
        let app = TestApp::spawn_with(backend, |env| {
            env.insert("VERZUIM_METRICS_BIND".into(), String::new());
        })
        .await;
        assert_eq!(app.metrics_address, None, "no metrics listener");
        let response = app.http.get(app.url("/metrics")).send().await.expect("request");
        assert_eq!(response.status(), 404);
        let response = app.http.get(app.url("/health")).send().await.expect("request");
        assert_eq!(response.status(), 200, "the API itself serves on");
    }
}
