//! The conformance suite on every backend, and SQLite with group commit off.

/// One test per conformance check on `$backend` opened with `$options`.
macro_rules! checks {
    ($backend:ident, $options:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $check() {
                use apivolve_store::testing::{Backend, TestStore, conformance};
                let Some(test) = TestStore::open_with(Backend::$backend, $options).await else {
                    return;
                };
                conformance::$check(test.store().as_ref()).await;
                test.teardown().await;
            }
        )*
    };
}

/// Every check of `apivolve_store::testing::conformance`.
macro_rules! suite {
    ($backend:ident, $options:expr) => {
        checks!(
            $backend, $options;
            get_many,
            insert_if_absent,
            replace_reports_all_conflicts,
            merge_patch,
            delete,
            all_or_nothing,
            duplicate_keys,
            versions_never_repeat,
            list_with_cursor,
            keys_are_opaque,
        );
    };
}

mod memory {
    suite!(Memory, apivolve_store::StoreOptions::default());
}

mod sqlite {
    suite!(Sqlite, apivolve_store::StoreOptions::default());
}

mod sqlite_without_group_commit {
    suite!(
        Sqlite,
        apivolve_store::StoreOptions::default().group_commit(false)
    );
}

mod postgres {
    suite!(Postgres, apivolve_store::StoreOptions::default());
}
