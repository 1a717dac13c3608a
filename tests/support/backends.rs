//! The conformance harness: every hub test runs on both backends. sled runs
//! always; PostgreSQL needs a server named by `JINGYOU_TEST_PG`
//! (`postgres://user@127.0.0.1:PORT/postgres`); those tests are `#[ignore]`d
//! with that reason and CI runs them with `--ignored`, where a missing
//! variable fails the test instead of skipping it.
#![allow(dead_code)]

use std::path::Path;

use jingyou::hub::HubConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sled,
    Postgres,
}

/// Where one test's hub keeps its data: a temp dir, and for PostgreSQL a
/// fresh database of its own. The same place may be served again (restarts).
pub struct Place {
    dir: tempfile::TempDir,
    pub db: Option<String>,
    pub backend: Backend,
}

/// The server's URL from the environment; panics (fails the test) without it.
pub fn test_pg() -> String {
    std::env::var("JINGYOU_TEST_PG").unwrap_or_else(|_| {
        panic!(
            "JINGYOU_TEST_PG is not set: PostgreSQL tests need a server \
             (e.g. postgres://postgres@127.0.0.1:55432/postgres; .ci/run starts one)"
        )
    })
}

/// A new, empty database on the test server; its URL.
pub fn fresh_database() -> String {
    let base = test_pg();
    let mut client = postgres::Client::connect(&base, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot reach JINGYOU_TEST_PG ({base}): {e}"));
    let name = format!("jy_test_{}", uuid::Uuid::new_v4().simple());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create the test database");
    let mut url = url::Url::parse(&base).expect("JINGYOU_TEST_PG is a postgres:// URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

impl Place {
    pub fn new(backend: Backend) -> Place {
        Place {
            dir: tempfile::tempdir().expect("temp dir"),
            db: (backend == Backend::Postgres).then(fresh_database),
            backend,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A hub config serving this place.
    pub fn config(&self, listen: &str) -> HubConfig {
        let mut c = HubConfig::new(listen, self.dir.path());
        c.db = self.db.clone();
        c
    }
}

/// `conformance!(name, other, …)`: for each `fn name(b: Backend)`, a module
/// `name` with tests `sled` and (ignored without a server) `postgres`.
#[macro_export]
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn sled() {
                    super::$name(super::Backend::Sled)
                }

                #[test]
                #[ignore = "needs PostgreSQL: set JINGYOU_TEST_PG=postgres://… and run with --ignored (CI does)"]
                fn postgres() {
                    super::$name(super::Backend::Postgres)
                }
            }
        )*
    };
}
