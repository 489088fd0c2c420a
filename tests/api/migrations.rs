use verzuim_tests::{on_both_databases, TestApp};

on_both_databases! {
    async fn migrations_run_up_down_and_up_again(backend) {
        // Building the app has run every migration up once.
        let app = TestApp::spawn(backend).await;
        let mut conn = app.db();
        verzuim::db::revert_all_migrations(&mut conn).expect("every migration reverts");
        verzuim::db::run_migrations(&mut conn).expect("every migration applies again");
        // The schema works after the round trip.
        let employer = app.create_employer("Na de migratie");
        assert!(uuid::Uuid::parse_str(&employer).is_ok());
    }
}
