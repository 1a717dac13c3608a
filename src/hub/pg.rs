//! The hub's PostgreSQL backend (`jingyou-hub --db postgres://…`): any number
//! of stateless hub nodes on one database. Schema: migrations/*.sql.
//!
//! - Idempotency: `app_ids` (id primary key) is claimed with
//!   `INSERT … ON CONFLICT DO NOTHING` in the batch's transaction, so two
//!   nodes racing the same id give one record and the same receipt (the
//!   loser waits on the unique index, then reads the winner's receipt).
//! - A batch first locks its branch's receipt counter (`branch_seq`), then
//!   claims ids in sorted order: batches of one branch are serialised and two
//!   transactions never wait on each other in a cycle.
//! - `applications` is partitioned by month of the application date; a
//!   month's partition is created when its first application arrives (under
//!   an advisory lock, so nodes do not race the DDL).
//! - Tallies are counters (`day_tally`) kept in the same transaction.
//! - tus: offset and chunks in `uploads` / `upload_chunks`, so a PATCH may
//!   land on any node; a chunk and its new offset commit together.
//! - A reply is sent after COMMIT (synchronous_commit on: durable).

use std::collections::{BTreeMap, HashSet};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use chrono::{Datelike, NaiveDate};
use postgres::{Client, NoTls, Transaction};
use sha2::{Digest, Sha256};

use super::review::{NewReview, Review, ReviewEvent, ReviewOutcome, ReviewState};
use super::store::{
    hex, BranchDay, NewApp, NewVoid, Outcome, PatchOutcome, StoreError, StoredApp, StoredVoid,
    Upload,
};

/// The migrations, in order: (version, SQL).
pub const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("../../migrations/0001_init.sql")),
    (2, include_str!("../../migrations/0002_reviews.sql")),
];

/// Key of the advisory lock held while migrating.
const MIGRATION_LOCK: i64 = 0x6a79_6875_6200_0001;
/// Key of the advisory lock held while creating a partition.
const PARTITION_LOCK: i64 = 0x6a79_6875_6200_0002;
/// Key of the advisory lock held by a review's transaction: reviews commit
/// one at a time, so their `seq` order is their commit order and a branch
/// reading its feed after cursor N never misses one committed later below N.
const REVIEW_LOCK: i64 = 0x6a79_6875_6200_0003;

fn db_err(e: postgres::Error) -> StoreError {
    StoreError::Postgres(e.to_string())
}

/// A small pool of connections, at most `max` open.
struct Pool {
    config: postgres::Config,
    idle: Mutex<(Vec<Client>, usize)>,
    freed: Condvar,
    max: usize,
}

struct Conn<'a> {
    pool: &'a Pool,
    client: Option<Client>,
}

impl std::ops::Deref for Conn<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client
            .as_ref()
            .expect("a pooled connection is present until dropped")
    }
}

impl std::ops::DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client
            .as_mut()
            .expect("a pooled connection is present until dropped")
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        let mut g = self.pool.idle.lock().unwrap_or_else(|p| p.into_inner());
        match self.client.take() {
            Some(c) if !c.is_closed() => g.0.push(c),
            _ => g.1 -= 1,
        }
        self.pool.freed.notify_one();
    }
}

impl Pool {
    fn get(&self) -> Result<Conn<'_>, StoreError> {
        let mut g = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(c) = g.0.pop() {
                return Ok(Conn {
                    pool: self,
                    client: Some(c),
                });
            }
            if g.1 < self.max {
                g.1 += 1;
                drop(g);
                return match self.config.connect(NoTls) {
                    Ok(c) => Ok(Conn {
                        pool: self,
                        client: Some(c),
                    }),
                    Err(e) => {
                        let mut g = self.idle.lock().unwrap_or_else(|p| p.into_inner());
                        g.1 -= 1;
                        self.freed.notify_one();
                        Err(db_err(e))
                    }
                };
            }
            g = self.freed.wait(g).unwrap_or_else(|p| p.into_inner());
        }
    }
}

pub struct PgStore {
    pool: Pool,
    partitions: Mutex<HashSet<(i32, u32)>>,
}

/// Parses a `postgres://` URL (or a `key=value` string).
pub fn parse_url(url: &str) -> Result<postgres::Config, StoreError> {
    url.parse::<postgres::Config>()
        .map_err(|e| StoreError::Postgres(format!("the database address is not valid: {e}")))
}

/// Applies the migrations not applied yet, under an advisory lock (nodes
/// starting together migrate once). Returns the versions it applied.
pub fn migrate(config: &postgres::Config) -> Result<Vec<i32>, StoreError> {
    let mut client = config.connect(NoTls).map_err(db_err)?;
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .map_err(db_err)?;
    let result = apply_migrations(&mut client);
    let unlocked = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .map_err(db_err);
    let applied = result?;
    unlocked?;
    Ok(applied)
}

fn apply_migrations(client: &mut Client) -> Result<Vec<i32>, StoreError> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now())",
        )
        .map_err(db_err)?;
    let done: HashSet<i32> = client
        .query("SELECT version FROM schema_migrations", &[])
        .map_err(db_err)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut applied = Vec::new();
    for (version, sql) in MIGRATIONS {
        if done.contains(version) {
            continue;
        }
        let mut tx = client.transaction().map_err(db_err)?;
        tx.batch_execute(sql).map_err(db_err)?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[version],
        )
        .map_err(db_err)?;
        tx.commit().map_err(db_err)?;
        applied.push(*version);
    }
    Ok(applied)
}

fn parse_day(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StoreError::Postgres(format!("not a date: {s:?}")))
}

fn rfc3339(t: Option<std::time::SystemTime>) -> String {
    t.map(|t| {
        chrono::DateTime::<chrono::Local>::from(t)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    })
    .unwrap_or_default()
}

impl PgStore {
    /// Connects (`connections` at most), migrating first.
    pub fn open(url: &str, connections: usize) -> Result<PgStore, StoreError> {
        let mut config = parse_url(url)?;
        config.connect_timeout(Duration::from_secs(10));
        if config.get_application_name().is_none() {
            config.application_name("jingyou-hub");
        }
        migrate(&config)?;
        let store = PgStore {
            pool: Pool {
                config,
                idle: Mutex::new((Vec::new(), 0)),
                freed: Condvar::new(),
                max: connections.max(1),
            },
            partitions: Mutex::new(HashSet::new()),
        };
        // fail now, not on the first request
        drop(store.pool.get()?);
        Ok(store)
    }

    /// The month partition of `day` exists (created if missing).
    fn ensure_partition(&self, client: &mut Client, day: NaiveDate) -> Result<(), StoreError> {
        let key = (day.year(), day.month());
        if self
            .partitions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&key)
        {
            return Ok(());
        }
        let first = NaiveDate::from_ymd_opt(key.0, key.1, 1)
            .ok_or_else(|| StoreError::Postgres(format!("no month {key:?}")))?;
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .ok_or_else(|| StoreError::Postgres(format!("no month after {key:?}")))?;
        let name = format!("applications_y{:04}m{:02}", key.0, key.1);
        let mut tx = client.transaction().map_err(db_err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PARTITION_LOCK])
            .map_err(db_err)?;
        // names and bounds come from a parsed date, never from the request text
        tx.batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS {name} PARTITION OF applications \
             FOR VALUES FROM ('{first}') TO ('{next}')"
        ))
        .map_err(db_err)?;
        tx.commit().map_err(db_err)?;
        self.partitions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key);
        Ok(())
    }

    pub fn get_app(&self, id: &str) -> Result<Option<StoredApp>, StoreError> {
        let mut c = self.pool.get()?;
        let row = c
            .query_opt(
                "SELECT a.id, a.branch, to_char(a.app_date, 'YYYY-MM-DD'), a.number, a.service,
                        a.receipt, i.fingerprint, a.received_at, a.void_reason, a.void_at,
                        a.void_received_at, a.body::text
                 FROM app_ids i JOIN applications a ON a.id = i.id AND a.app_date = i.app_date
                 WHERE i.id = $1",
                &[&id],
            )
            .map_err(db_err)?;
        row.map(|r| row_to_app(&r, true)).transpose()
    }

    pub fn app_count(&self) -> usize {
        self.pool
            .get()
            .and_then(|mut c| {
                c.query_one("SELECT count(*) FROM app_ids", &[])
                    .map_err(db_err)
            })
            .map_or(0, |r| r.get::<_, i64>(0) as usize)
    }

    pub fn insert_apps(
        &self,
        batch: &[Option<NewApp>],
    ) -> Result<Vec<Option<Outcome>>, StoreError> {
        let mut c = self.pool.get()?;
        let mut days = Vec::new();
        for app in batch.iter().flatten() {
            days.push(parse_day(&app.date)?);
        }
        for d in days {
            self.ensure_partition(&mut c, d)?;
        }
        // deadlocks and serialization failures are retried (rare)
        let mut tries = 0;
        loop {
            tries += 1;
            match insert_batch(&mut c, batch) {
                Err(StoreError::Retry(_)) if tries < 4 => continue,
                Err(StoreError::Retry(m)) => return Err(StoreError::Postgres(m)),
                other => return other,
            }
        }
    }

    pub fn void_apps(
        &self,
        branch: &str,
        batch: &[Option<NewVoid>],
    ) -> Result<Vec<Option<Outcome>>, StoreError> {
        let mut c = self.pool.get()?;
        let mut tx = c.transaction().map_err(db_err)?;
        let mut order: Vec<usize> = (0..batch.len()).collect();
        order.sort_by(|a, b| {
            let key = |i: &usize| batch[*i].as_ref().map(|v| v.id.clone());
            key(a).cmp(&key(b))
        });
        let mut out = vec![None; batch.len()];
        for i in order {
            let Some(v) = &batch[i] else { continue };
            out[i] = Some(void_one(&mut tx, branch, v)?);
        }
        tx.commit().map_err(db_err)?;
        Ok(out)
    }

    pub fn tallies(
        &self,
        from: &str,
        to: &str,
        branch: Option<&str>,
    ) -> Result<BTreeMap<String, BranchDay>, StoreError> {
        let (from, to) = (parse_day(from)?, parse_day(to)?);
        let mut c = self.pool.get()?;
        let rows = c
            .query(
                "SELECT branch, service, sum(n)::bigint FROM day_tally
                 WHERE app_date BETWEEN $1::text::date AND $2::text::date
                   AND ($3::text IS NULL OR branch = $3)
                 GROUP BY branch, service HAVING sum(n) > 0",
                &[&from.to_string(), &to.to_string(), &branch],
            )
            .map_err(db_err)?;
        let mut out: BTreeMap<String, BranchDay> = BTreeMap::new();
        for r in rows {
            let (b, s, n): (String, String, i64) = (r.get(0), r.get(1), r.get(2));
            let day = out.entry(b).or_default();
            day.total += n as u64;
            *day.by_service.entry(s).or_insert(0) += n as u64;
        }
        Ok(out)
    }

    /// Applications of `branch` dated `from..=to`, by date then id; `body`
    /// is left out (Null): listings never need it.
    pub fn list_apps(
        &self,
        branch: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<StoredApp>, StoreError> {
        let (from, to) = (parse_day(from)?, parse_day(to)?);
        let mut c = self.pool.get()?;
        let rows = c
            .query(
                "SELECT a.id, a.branch, to_char(a.app_date, 'YYYY-MM-DD'), a.number, a.service,
                        a.receipt, '' AS fingerprint, a.received_at, a.void_reason, a.void_at,
                        a.void_received_at, NULL::text
                 FROM applications a
                 WHERE a.branch = $1 AND a.app_date BETWEEN $2::text::date AND $3::text::date
                 ORDER BY a.app_date, a.id",
                &[&branch, &from.to_string(), &to.to_string()],
            )
            .map_err(db_err)?;
        rows.iter().map(|r| row_to_app(r, false)).collect()
    }

    /// Sets a review state in one transaction under [`REVIEW_LOCK`].
    pub fn review(&self, r: &NewReview) -> Result<ReviewOutcome, StoreError> {
        let mut c = self.pool.get()?;
        let mut tx = c.transaction().map_err(db_err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&REVIEW_LOCK])
            .map_err(db_err)?;
        if let Some(row) = tx
            .query_opt(
                &format!("SELECT r.app_id, {EVENT_COLUMNS} FROM reviews r WHERE r.review_id = $1"),
                &[&r.review_id],
            )
            .map_err(db_err)?
        {
            let app_id: String = row.get(0);
            let event = row_to_event(&row, 1)?;
            if !r.same_as(&event, &app_id) {
                return Ok(ReviewOutcome::IdConflict);
            }
            return Ok(match review_in(&mut tx, &app_id)? {
                Some(rec) => ReviewOutcome::Duplicate(rec),
                None => ReviewOutcome::IdConflict,
            });
        }
        let Some(row) = tx
            .query_opt(
                "SELECT i.branch, i.review_state, a.void_reason IS NOT NULL
                 FROM app_ids i JOIN applications a ON a.id = i.id AND a.app_date = i.app_date
                 WHERE i.id = $1 FOR UPDATE OF i",
                &[&r.app_id],
            )
            .map_err(db_err)?
        else {
            return Ok(ReviewOutcome::UnknownApplication);
        };
        let branch: String = row.get(0);
        let state: String = row.get(1);
        if row.get::<_, bool>(2) {
            return Ok(ReviewOutcome::Voided);
        }
        let from = ReviewState::parse(&state)
            .ok_or_else(|| StoreError::Postgres(format!("unknown review state {state:?}")))?;
        if let Some(why) = super::review::refusal(from, r.state) {
            return Ok(ReviewOutcome::NotAllowed(why));
        }
        let materials = serde_json::to_string(&r.materials)?;
        tx.execute(
            "INSERT INTO reviews (seq, review_id, app_id, branch, state, note, result, materials, office)
             SELECT coalesce(max(seq), 0) + 1, $1, $2, $3, $4, $5, $6, $7::text::jsonb, $8
             FROM reviews",
            &[
                &r.review_id,
                &r.app_id,
                &branch,
                &r.state.as_str(),
                &r.note,
                &r.result,
                &materials,
                &r.office,
            ],
        )
        .map_err(db_err)?;
        tx.execute(
            "UPDATE app_ids SET review_state = $2 WHERE id = $1",
            &[&r.app_id, &r.state.as_str()],
        )
        .map_err(db_err)?;
        let rec = review_in(&mut tx, &r.app_id)?
            .ok_or_else(|| StoreError::Postgres("the application went away".into()))?;
        tx.commit().map_err(db_err)?;
        Ok(ReviewOutcome::Done(rec))
    }

    pub fn get_review(&self, id: &str) -> Result<Option<Review>, StoreError> {
        let mut c = self.pool.get()?;
        review_in(&mut *c, id)
    }

    pub fn list_reviews(
        &self,
        states: &[ReviewState],
        branch: Option<&str>,
    ) -> Result<Vec<Review>, StoreError> {
        let states: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
        let mut c = self.pool.get()?;
        let rows = c
            .query(
                &format!(
                    "SELECT {SUMMARY_COLUMNS} FROM app_ids i
                     JOIN applications a ON a.id = i.id AND a.app_date = i.app_date
                     WHERE i.review_state = ANY($1::text[])
                       AND ($2::text IS NULL OR i.branch = $2)
                       AND a.void_reason IS NULL
                     ORDER BY a.app_date, i.id"
                ),
                &[&states, &branch],
            )
            .map_err(db_err)?;
        let apps = rows.iter().map(row_to_summary).collect();
        reviews_of(&mut *c, apps)
    }

    pub fn review_tallies(
        &self,
        from: &str,
        to: &str,
        branch: Option<&str>,
    ) -> Result<BTreeMap<String, crate::wire::ReviewTally>, StoreError> {
        let (from, to) = (parse_day(from)?, parse_day(to)?);
        let mut c = self.pool.get()?;
        let rows = c
            .query(
                "SELECT branch, state, count(*)::bigint FROM reviews
                 WHERE at::date BETWEEN $1::text::date AND $2::text::date
                   AND ($3::text IS NULL OR branch = $3)
                 GROUP BY branch, state",
                &[&from.to_string(), &to.to_string(), &branch],
            )
            .map_err(db_err)?;
        let mut out: BTreeMap<String, crate::wire::ReviewTally> = BTreeMap::new();
        for r in rows {
            let (b, s, n): (String, String, i64) = (r.get(0), r.get(1), r.get(2));
            let t = out
                .entry(b.clone())
                .or_insert_with(|| crate::wire::ReviewTally {
                    branch: b,
                    ..Default::default()
                });
            if let Some(s) = ReviewState::parse(&s) {
                t.add(s, n as u64);
            }
        }
        Ok(out)
    }

    pub fn changes(
        &self,
        branch: &str,
        since: u64,
        limit: usize,
    ) -> Result<(Vec<crate::wire::Change>, bool), StoreError> {
        let since = i64::try_from(since).unwrap_or(i64::MAX);
        let mut c = self.pool.get()?;
        let rows = c
            .query(
                &format!(
                    "SELECT r.app_id, a.number, {EVENT_COLUMNS} FROM reviews r
                     JOIN app_ids i ON i.id = r.app_id
                     JOIN applications a ON a.id = i.id AND a.app_date = i.app_date
                     WHERE r.branch = $1 AND r.seq > $2
                     ORDER BY r.seq LIMIT $3"
                ),
                &[&branch, &since, &(limit as i64 + 1)],
            )
            .map_err(db_err)?;
        let more = rows.len() > limit;
        let mut out = Vec::with_capacity(rows.len().min(limit));
        for r in rows.iter().take(limit) {
            let e = row_to_event(r, 2)?;
            out.push(crate::wire::Change {
                cursor: e.seq.to_string(),
                id: r.get(0),
                number: r.get(1),
                state: e.state,
                at: e.at,
                note: e.note,
                result: e.result,
                materials: e.materials,
                review_id: e.review_id,
            });
        }
        Ok((out, more))
    }

    pub fn get_upload(&self, id: &str) -> Result<Option<Upload>, StoreError> {
        let mut c = self.pool.get()?;
        let row = c
            .query_opt(
                "SELECT id, branch, application, filename, length, upload_offset,
                        declared_sha256, sha256, created FROM uploads WHERE id = $1",
                &[&id],
            )
            .map_err(db_err)?;
        Ok(row.map(|r| row_to_upload(&r)))
    }

    pub fn create_upload(
        &self,
        branch: &str,
        application: &str,
        filename: &str,
        length: u64,
        declared_sha256: Option<String>,
    ) -> Result<Upload, StoreError> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let up = Upload {
            id,
            branch: branch.to_string(),
            application: application.to_string(),
            filename: filename.to_string(),
            length,
            offset: 0,
            declared_sha256,
            sha256: (length == 0).then(|| hex(&Sha256::digest(b""))),
            created: chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        };
        let mut c = self.pool.get()?;
        c.execute(
            "INSERT INTO uploads (id, branch, application, filename, length, upload_offset,
                                  declared_sha256, sha256, created)
             VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8)",
            &[
                &up.id,
                &up.branch,
                &up.application,
                &up.filename,
                &(length as i64),
                &up.declared_sha256,
                &up.sha256,
                &up.created,
            ],
        )
        .map_err(db_err)?;
        Ok(up)
    }

    /// Stores one verified chunk at `offset`; chunk and new offset commit
    /// together (any node may take the next PATCH).
    pub fn patch_upload(
        &self,
        id: &str,
        offset: u64,
        data: &[u8],
    ) -> Result<PatchOutcome, StoreError> {
        let mut c = self.pool.get()?;
        let mut tx = c.transaction().map_err(db_err)?;
        let Some(row) = tx
            .query_opt(
                "SELECT id, branch, application, filename, length, upload_offset,
                        declared_sha256, sha256, created FROM uploads WHERE id = $1 FOR UPDATE",
                &[&id],
            )
            .map_err(db_err)?
        else {
            return Ok(PatchOutcome::NotFound);
        };
        let up = row_to_upload(&row);
        if offset != up.offset {
            return Ok(PatchOutcome::OffsetMismatch(up.offset));
        }
        if offset + data.len() as u64 > up.length {
            return Ok(PatchOutcome::TooLong);
        }
        let new_offset = offset + data.len() as u64;
        if !data.is_empty() {
            tx.execute(
                "INSERT INTO upload_chunks (upload_id, chunk_offset, data) VALUES ($1, $2, $3)",
                &[&id, &(offset as i64), &data],
            )
            .map_err(db_err)?;
        }
        let mut sha = None;
        if new_offset == up.length {
            let mut hasher = Sha256::new();
            for r in tx
                .query(
                    "SELECT data FROM upload_chunks WHERE upload_id = $1 ORDER BY chunk_offset",
                    &[&id],
                )
                .map_err(db_err)?
            {
                hasher.update(r.get::<_, &[u8]>(0));
            }
            sha = Some(hex(&hasher.finalize()));
        }
        tx.execute(
            "UPDATE uploads SET upload_offset = $2, sha256 = coalesce($3, sha256) WHERE id = $1",
            &[&id, &(new_offset as i64), &sha],
        )
        .map_err(db_err)?;
        tx.commit().map_err(db_err)?;
        Ok(PatchOutcome::Written(new_offset))
    }
}

/// The columns of a `reviews` row as [`ReviewEvent`], in this order.
const EVENT_COLUMNS: &str =
    "r.seq, r.review_id, r.state, r.at, r.note, r.result, r.materials::text, r.office";

fn row_to_event(r: &postgres::Row, from: usize) -> Result<ReviewEvent, StoreError> {
    let state: String = r.get(from + 2);
    let materials: String = r.get(from + 6);
    Ok(ReviewEvent {
        seq: r.get::<_, i64>(from) as u64,
        review_id: r.get(from + 1),
        state: ReviewState::parse(&state)
            .ok_or_else(|| StoreError::Postgres(format!("unknown review state {state:?}")))?,
        at: rfc3339(r.get(from + 3)),
        note: r.get(from + 4),
        result: r.get(from + 5),
        materials: serde_json::from_str(&materials)?,
        office: r.get(from + 7),
    })
}

/// The review records of `apps` (id, branch, number, service, date,
/// received_at), with their histories, in the order given.
fn reviews_of<C: postgres::GenericClient>(
    c: &mut C,
    apps: Vec<(String, String, String, String, String, String)>,
) -> Result<Vec<Review>, StoreError> {
    let ids: Vec<&str> = apps.iter().map(|a| a.0.as_str()).collect();
    let mut events: BTreeMap<String, Vec<ReviewEvent>> = BTreeMap::new();
    for r in c
        .query(
            &format!(
                "SELECT r.app_id, {EVENT_COLUMNS} FROM reviews r
                 WHERE r.app_id = ANY($1::text[]) ORDER BY r.seq"
            ),
            &[&ids],
        )
        .map_err(db_err)?
    {
        events
            .entry(r.get(0))
            .or_default()
            .push(row_to_event(&r, 1)?);
    }
    Ok(apps
        .into_iter()
        .map(|(id, branch, number, service, date, received_at)| {
            let mut history = vec![ReviewEvent {
                seq: 0,
                review_id: String::new(),
                state: ReviewState::Received,
                at: received_at,
                note: None,
                result: None,
                materials: Vec::new(),
                office: String::new(),
            }];
            history.extend(events.remove(&id).unwrap_or_default());
            let state = history.last().map_or(ReviewState::Received, |e| e.state);
            Review {
                id,
                branch,
                number,
                service,
                date,
                state,
                history,
            }
        })
        .collect())
}

/// The summary columns [`reviews_of`] takes, of `app_ids i` joined with
/// `applications a`.
const SUMMARY_COLUMNS: &str = "i.id, i.branch, a.number, a.service,
    to_char(a.app_date, 'YYYY-MM-DD'), a.received_at";

fn row_to_summary(r: &postgres::Row) -> (String, String, String, String, String, String) {
    (
        r.get(0),
        r.get(1),
        r.get(2),
        r.get(3),
        r.get(4),
        rfc3339(r.get(5)),
    )
}

fn review_in<C: postgres::GenericClient>(
    c: &mut C,
    id: &str,
) -> Result<Option<Review>, StoreError> {
    let row = c
        .query_opt(
            &format!(
                "SELECT {SUMMARY_COLUMNS} FROM app_ids i
                 JOIN applications a ON a.id = i.id AND a.app_date = i.app_date
                 WHERE i.id = $1"
            ),
            &[&id],
        )
        .map_err(db_err)?;
    let Some(row) = row else { return Ok(None) };
    Ok(reviews_of(c, vec![row_to_summary(&row)])?.pop())
}

fn row_to_app(r: &postgres::Row, with_body: bool) -> Result<StoredApp, StoreError> {
    let void_reason: Option<String> = r.get(8);
    let void = void_reason.map(|reason| StoredVoid {
        reason,
        at: r.get::<_, Option<String>>(9).unwrap_or_default(),
        received_at: rfc3339(r.get(10)),
    });
    let body = if with_body {
        let text: Option<String> = r.get(11);
        match text {
            Some(t) => serde_json::from_str(&t)?,
            None => serde_json::Value::Null,
        }
    } else {
        serde_json::Value::Null
    };
    Ok(StoredApp {
        id: r.get(0),
        branch: r.get(1),
        date: r.get(2),
        number: r.get(3),
        service: r.get(4),
        receipt: r.get(5),
        fingerprint: r.get(6),
        received_at: rfc3339(r.get(7)),
        void,
        body,
    })
}

fn row_to_upload(r: &postgres::Row) -> Upload {
    Upload {
        id: r.get(0),
        branch: r.get(1),
        application: r.get(2),
        filename: r.get(3),
        length: r.get::<_, i64>(4) as u64,
        offset: r.get::<_, i64>(5) as u64,
        declared_sha256: r.get(6),
        sha256: r.get(7),
        created: r.get(8),
    }
}

/// A deadlock or serialization failure: try the transaction again.
fn retryable(e: postgres::Error) -> StoreError {
    use postgres::error::SqlState;
    match e.code() {
        Some(c)
            if *c == SqlState::T_R_DEADLOCK_DETECTED
                || *c == SqlState::T_R_SERIALIZATION_FAILURE =>
        {
            StoreError::Retry(e.to_string())
        }
        _ => db_err(e),
    }
}

/// One batch in one transaction and a handful of statements whatever its
/// size (arrays through `unnest`): per branch, lock its receipt counter,
/// claim the ids (`ON CONFLICT DO NOTHING`, in id order), number the new
/// ones, store them and their tallies, then read back the receipts of the
/// ids that were there already.
fn insert_batch(
    c: &mut Client,
    batch: &[Option<NewApp>],
) -> Result<Vec<Option<Outcome>>, StoreError> {
    let mut tx = c.transaction().map_err(retryable)?;
    let mut out = vec![None; batch.len()];
    let mut by_branch: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, app) in batch.iter().enumerate() {
        if let Some(app) = app {
            by_branch.entry(app.branch.as_str()).or_default().push(i);
        }
    }
    for (branch, mut idxs) in by_branch {
        idxs.sort_by(|a, b| {
            let id = |i: &usize| batch[*i].as_ref().map(|x| x.id.as_str());
            id(a).cmp(&id(b))
        });
        let apps: Vec<&NewApp> = idxs.iter().filter_map(|i| batch[*i].as_ref()).collect();
        // the branch's counter first: batches of a branch queue here
        tx.execute(
            "INSERT INTO branch_seq (branch, n) VALUES ($1, 0)
             ON CONFLICT (branch) DO UPDATE SET n = branch_seq.n",
            &[&branch],
        )
        .map_err(retryable)?;
        let ids: Vec<&str> = apps.iter().map(|a| a.id.as_str()).collect();
        let dates: Vec<&str> = apps.iter().map(|a| a.date.as_str()).collect();
        let fps: Vec<&str> = apps.iter().map(|a| a.fingerprint.as_str()).collect();
        let claimed: HashSet<String> = tx
            .query(
                "INSERT INTO app_ids (id, branch, app_date, fingerprint, receipt)
                 SELECT u.id, $1, u.d::date, u.fp, ''
                 FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS u(id, d, fp, ord)
                 ORDER BY u.ord
                 ON CONFLICT (id) DO NOTHING
                 RETURNING id",
                &[&branch, &ids, &dates, &fps],
            )
            .map_err(retryable)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        // the first copy of each claimed id is new; anything else was there
        let mut first = HashSet::new();
        let (mut fresh, mut known) = (Vec::new(), Vec::new());
        for (k, app) in apps.iter().enumerate() {
            if claimed.contains(&app.id) && first.insert(app.id.as_str()) {
                fresh.push(k);
            } else {
                known.push(k);
            }
        }
        if !fresh.is_empty() {
            let last: i64 = tx
                .query_one(
                    "UPDATE branch_seq SET n = n + $2 WHERE branch = $1 RETURNING n",
                    &[&branch, &(fresh.len() as i64)],
                )
                .map_err(retryable)?
                .get(0);
            let start = last - fresh.len() as i64 + 1;
            let receipts: Vec<String> = (0..fresh.len())
                .map(|j| format!("HUB-{branch}-{:06}", start + j as i64))
                .collect();
            let col = |f: fn(&NewApp) -> &str| -> Vec<&str> {
                fresh.iter().map(|k| f(apps[*k])).collect()
            };
            let f_ids = col(|a| a.id.as_str());
            let f_dates = col(|a| a.date.as_str());
            let f_numbers = col(|a| a.number.as_str());
            let f_services = col(|a| a.service.as_str());
            let f_bodies: Vec<String> = fresh.iter().map(|k| apps[*k].body.to_string()).collect();
            tx.execute(
                "UPDATE app_ids a SET receipt = u.r
                 FROM unnest($1::text[], $2::text[]) AS u(id, r) WHERE a.id = u.id",
                &[&f_ids, &receipts],
            )
            .map_err(retryable)?;
            tx.execute(
                "INSERT INTO applications (id, branch, app_date, number, service, receipt, body)
                 SELECT u.id, $1, u.d::date, u.num, u.svc, u.r, u.b::jsonb
                 FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
                      AS u(id, d, num, svc, r, b)",
                &[
                    &branch,
                    &f_ids,
                    &f_dates,
                    &f_numbers,
                    &f_services,
                    &receipts,
                    &f_bodies,
                ],
            )
            .map_err(retryable)?;
            tx.execute(
                "INSERT INTO day_tally (app_date, branch, service, n)
                 SELECT u.d::date, $1, u.svc, count(*)
                 FROM unnest($2::text[], $3::text[]) AS u(d, svc) GROUP BY u.d, u.svc
                 ON CONFLICT (app_date, branch, service) DO UPDATE SET n = day_tally.n + EXCLUDED.n",
                &[&branch, &f_dates, &f_services],
            )
            .map_err(retryable)?;
            for (j, k) in fresh.iter().enumerate() {
                out[idxs[*k]] = Some(Outcome::Accepted(receipts[j].clone()));
            }
        }
        if !known.is_empty() {
            let k_ids: Vec<&str> = known.iter().map(|k| apps[*k].id.as_str()).collect();
            let held: BTreeMap<String, (String, String)> = tx
                .query(
                    "SELECT id, fingerprint, receipt FROM app_ids WHERE id = ANY($1::text[])",
                    &[&k_ids],
                )
                .map_err(retryable)?
                .iter()
                .map(|r| (r.get(0), (r.get(1), r.get(2))))
                .collect();
            for k in known {
                let app = apps[k];
                out[idxs[k]] = Some(match held.get(&app.id) {
                    Some((fp, receipt)) if *fp == app.fingerprint => {
                        Outcome::Duplicate(receipt.clone())
                    }
                    _ => Outcome::Conflict,
                });
            }
        }
    }
    tx.commit().map_err(retryable)?;
    Ok(out)
}

fn void_one(tx: &mut Transaction<'_>, branch: &str, v: &NewVoid) -> Result<Outcome, StoreError> {
    let Some(row) = tx
        .query_opt(
            "SELECT a.branch, a.app_date, a.service, a.receipt, a.void_reason, a.void_at
             FROM app_ids i JOIN applications a ON a.id = i.id AND a.app_date = i.app_date
             WHERE i.id = $1 FOR UPDATE OF a",
            &[&v.id],
        )
        .map_err(db_err)?
    else {
        return Ok(Outcome::Unknown);
    };
    let app_branch: String = row.get(0);
    if app_branch != branch {
        return Ok(Outcome::OtherBranch);
    }
    let receipt: String = row.get(3);
    let old_reason: Option<String> = row.get(4);
    if let Some(old) = old_reason {
        let old_at: Option<String> = row.get(5);
        return Ok(
            if old == v.reason && old_at.as_deref() == Some(v.at.as_str()) {
                Outcome::Duplicate(receipt)
            } else {
                Outcome::Conflict
            },
        );
    }
    let service: String = row.get(2);
    tx.execute(
        "UPDATE applications SET void_reason = $2, void_at = $3, void_received_at = now()
         WHERE id = $1 AND app_date = (SELECT app_date FROM app_ids WHERE id = $1)",
        &[&v.id, &v.reason, &v.at],
    )
    .map_err(db_err)?;
    tx.execute(
        "UPDATE day_tally SET n = greatest(n - 1, 0)
         WHERE app_date = (SELECT app_date FROM app_ids WHERE id = $1)
           AND branch = $2 AND service = $3",
        &[&v.id, &branch, &service],
    )
    .map_err(db_err)?;
    Ok(Outcome::Accepted(receipt))
}
