//! `jingyou seed`: realistic generated applications for training, demos and
//! benchmarks. Every value passes its field check; everything is flagged
//! `generated`. Refuses on a store that holds real work.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, TimeZone};

use crate::catalog::{Catalog, FieldKind, Need, Service};
use crate::clock::Clock;
use crate::i18n::{fmt, Lang};
use crate::store::{
    app_key, Application, Branch, Delivery, Draft, Payment, Role, Store, StoreError, User,
};

/// Demo accounts made on a new store (PIN for all).
pub const SEED_PIN: &str = "1234";
pub const SEED_CLERKS: [(&str, &str, Role); 4] = [
    ("001", "赵主管", Role::Supervisor),
    ("002", "钱柜员", Role::Clerk),
    ("003", "孙柜员", Role::Clerk),
    ("004", "李柜员", Role::Clerk),
];

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("store holds real applications")]
    RealData,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no offered services in the catalogue")]
    NoServices,
}

impl SeedError {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            SeedError::RealData => crate::i18n::tr(lang, "seed.real_data").to_string(),
            SeedError::Store(e) => e.message(lang),
            SeedError::NoServices => crate::i18n::tr(lang, "seed.no_services").to_string(),
        }
    }
}

/// What was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub applications: u64,
    pub drafts: u64,
    pub days: u32,
    pub new_branch: bool,
}

impl SeedReport {
    pub fn message(&self, lang: Lang) -> String {
        let mut s = fmt(
            lang,
            "seed.done",
            &[
                ("n", &self.applications),
                ("days", &self.days),
                ("drafts", &self.drafts),
            ],
        );
        if self.new_branch {
            s.push('\n');
            s.push_str(&fmt(lang, "seed.accounts", &[("pin", &SEED_PIN)]));
        }
        s
    }
}

/// A small deterministic generator (xorshift64*), so runs are repeatable.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

/// A valid 18-digit ID number born between 1950 and 2000.
pub fn gen_id(r: &mut Rng) -> String {
    const REGIONS: [&str; 6] = ["110105", "330106", "440305", "510104", "320102", "370102"];
    let region = REGIONS[r.below(REGIONS.len() as u64) as usize];
    let birth = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or_default()
        + Duration::days(r.below(18_000) as i64);
    let body = format!("{region}{}{}", birth.format("%Y%m%d"), r.digits(3));
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

/// A valid Chinese VIN (maker L…, check digit computed).
pub fn gen_vin(r: &mut Rng) -> String {
    const ALPHA: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
    let mut v: Vec<u8> = (0..17)
        .map(|_| ALPHA[r.below(ALPHA.len() as u64) as usize])
        .collect();
    v[0] = b'L';
    let val = |c: u8| -> u32 {
        match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'H' => u32::from(c - b'A') + 1,
            b'J'..=b'N' => u32::from(c - b'J') + 1,
            b'P' => 7,
            b'R' => 9,
            b'S'..=b'Z' => u32::from(c - b'S') + 2,
            _ => 0,
        }
    };
    const W: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    let sum: u32 = v.iter().zip(W).map(|(c, w)| val(*c) * w).sum();
    v[8] = if sum % 11 == 10 {
        b'X'
    } else {
        b'0' + (sum % 11) as u8
    };
    String::from_utf8(v).unwrap_or_default()
}

/// A valid 统一社会信用代码 (GB 32100 check character computed).
pub fn gen_uscc(r: &mut Rng) -> String {
    const A: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let mut body = String::from("91");
    body.push_str(&r.digits(6));
    for _ in 0..9 {
        body.push(A[r.below(A.len() as u64) as usize] as char);
    }
    let sum: u32 = body
        .bytes()
        .zip(W)
        .map(|(c, w)| A.iter().position(|x| *x == c).unwrap_or(0) as u32 * w)
        .sum();
    body.push(A[((31 - sum % 31) % 31) as usize] as char);
    body
}

fn gen_value(kind: FieldKind, key: &str, service: &Service, r: &mut Rng, day: NaiveDate) -> String {
    const SURNAMES: [&str; 8] = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵"];
    const GIVEN: [&str; 8] = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋"];
    match kind {
        FieldKind::Name => format!(
            "{}{}",
            SURNAMES[r.below(8) as usize],
            GIVEN[r.below(8) as usize]
        ),
        FieldKind::Text => format!("浙江省杭州市西湖区文三路{}号", 1 + r.below(500)),
        FieldKind::IdNumber => gen_id(r),
        FieldKind::Plate => format!("浙A{}", r.digits(5)),
        FieldKind::Vin => gen_vin(r),
        FieldKind::Phone => format!("138{}", r.digits(8)),
        FieldKind::LicenceFile => r.digits(12),
        FieldKind::Decision => format!("3301{}", r.digits(12)),
        FieldKind::Uscc => gen_uscc(r),
        FieldKind::Date => {
            // Dates that satisfy the usual rules: recent for events,
            // soon for expiries.
            let d = if key.contains("expiry") || key.contains("until") {
                day + Duration::days(30 + r.below(60) as i64)
            } else {
                day - Duration::days(1 + r.below(20) as i64)
            };
            d.to_string()
        }
        FieldKind::Month => (day + Duration::days(30)).format("%Y-%m").to_string(),
        FieldKind::Choice => service
            .fields
            .iter()
            .find(|f| f.key == key)
            .and_then(|f| f.options.first())
            .map(|o| o.value.clone())
            .unwrap_or_default(),
        FieldKind::YesNo => "no".into(),
        FieldKind::Money => (100 * (50 + r.below(150))).to_string(),
        FieldKind::Integer => (1 + r.below(9)).to_string(),
    }
}

/// Materials a complete application would have ticked.
fn all_needed(service: &Service) -> Vec<String> {
    let mut out = Vec::new();
    let mut groups = Vec::new();
    for m in &service.materials {
        match m.need {
            Need::Required => out.push(m.id.clone()),
            Need::OneOf => {
                let g = m.one_of.clone().unwrap_or_else(|| m.id.clone());
                if !groups.contains(&g) {
                    groups.push(g);
                    out.push(m.id.clone());
                }
            }
            _ => {}
        }
    }
    out
}

/// Creates `count` finished applications over the `days` days ending today.
pub fn seed(
    store: &Store,
    catalog: &Catalog,
    clock: &Clock,
    count: u64,
    days: u32,
) -> Result<SeedReport, SeedError> {
    if store.has_real_applications()? {
        return Err(SeedError::RealData);
    }
    let services: Vec<&Service> = catalog.services.iter().filter(|s| s.offered).collect();
    if services.is_empty() {
        return Err(SeedError::NoServices);
    }
    let existing = store.branch()?;
    let new_branch = existing.is_none();
    let branch = existing.unwrap_or_else(|| Branch {
        code: "3301S".into(),
        name: "演示网点 Demo".into(),
        training: false,
        generated: true,
    });
    let today = clock.today();
    let offset = *clock.now().offset();
    let mut r = Rng::new(0x5EED ^ count ^ (u64::from(days) << 32));
    let clerks: Vec<&str> = SEED_CLERKS.iter().map(|c| c.0).collect();
    let mut seqs: BTreeMap<NaiveDate, u32> = BTreeMap::new();
    let mut batch: Vec<(String, Application)> = Vec::new();
    const CHUNK: usize = 5_000;
    for i in 0..count {
        // Spread evenly over the days, today included.
        let back = (i * u64::from(days) / count.max(1)) as i64;
        let day = today - Duration::days(u64::from(days.saturating_sub(1)) as i64 - back);
        let seq = match seqs.get(&day) {
            Some(s) => *s + 1,
            None => store.app_seq(day)? + 1,
        };
        seqs.insert(day, seq);
        let service = services[r.below(services.len() as u64) as usize];
        let values: BTreeMap<String, String> = service
            .fields
            .iter()
            .map(|f| {
                (
                    f.key.clone(),
                    gen_value(f.kind, &f.key, service, &mut r, day),
                )
            })
            .collect();
        let delivery = if r.below(4) == 0 {
            Delivery::Ems {
                address: gen_value(FieldKind::Text, "address", service, &mut r, day),
            }
        } else {
            Delivery::Pickup
        };
        let fees =
            crate::wizard::charged_fees(service, day, matches!(delivery, Delivery::Ems { .. }));
        let secs = 8 * 3600 + 30 * 60 + r.below(8 * 3600) as i64;
        let finished_at = offset
            .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
            .single()
            .map(|t| t + Duration::seconds(secs))
            .unwrap_or_else(|| clock.now());
        let app = Application {
            id: uuid::Uuid::new_v4().to_string(),
            number: format!("{}-{}-{seq:04}", branch.code, day.format("%y%m%d")),
            service: service.code.clone(),
            date: day,
            finished_at,
            clerk: clerks[r.below(clerks.len() as u64) as usize].to_string(),
            branch: branch.code.clone(),
            values,
            materials: all_needed(service),
            fee_total_fen: fees.iter().map(|f| f.fen).sum(),
            // Drawn for every application (the same demo data as before);
            // kept only where there is something to pay.
            payment: Some(Payment::ALL[r.below(3) as usize])
                .filter(|_| fees.iter().any(|f| f.fen > 0)),
            fees,
            delivery,
            draft_number: None,
            void: None,
            generated: true,
            purged: false,
            hub_receipt: None,
            attachments: vec![],
        };
        batch.push((app_key(day, seq), app));
        if batch.len() >= CHUNK {
            store.seed_batch(&batch)?;
            batch.clear();
        }
    }
    store.seed_batch(&batch)?;
    // The branch and clerks after the applications, so that the journal's
    // segments follow the applications' months (records never go into a
    // month older than the newest segment).
    if new_branch {
        let security = crate::config::SecurityConfig {
            pin_hash_memory_kib: 1024,
            pin_hash_iterations: 1,
            ..Default::default()
        };
        for (id, name, role) in SEED_CLERKS {
            let pin_hash = crate::auth::hash_pin(SEED_PIN, &security)
                .map_err(|e| StoreError::Conflict(e.to_string()))?;
            store.put_user(&User {
                id: id.into(),
                name: name.into(),
                role,
                pin_hash,
                disabled: false,
                failures: 0,
                locked_until: None,
            })?;
        }
        store.set_branch(&branch)?;
    }
    // A few drafts, as a real day leaves behind.
    let drafts = 3.min(services.len()) as u64;
    let now = clock.now();
    for service in services.iter().take(drafts as usize) {
        let mut values = BTreeMap::new();
        for f in service.fields.iter().take(2) {
            values.insert(
                f.key.clone(),
                gen_value(f.kind, &f.key, service, &mut r, today),
            );
        }
        let mut draft = Draft::new(
            store.next_draft_number(today)?,
            &service.code,
            clerks[1],
            now,
        );
        draft.values = values;
        draft.generated = true;
        store.park_draft(&draft)?;
    }
    Ok(SeedReport {
        applications: count,
        drafts,
        days,
        new_branch,
    })
}

/// The office's final answer (`completed`, three days after the
/// application) for every seeded application more than 20 days old, a
/// page of changes per journal record as the review pull stores them:
/// history as a real branch has it, where old applications are answered.
fn answer_old(store: &Store, today: NaiveDate) -> Result<(), SeedError> {
    use crate::wire::{Change, ReviewState};
    let before = today - chrono::Duration::days(20);
    let mut cursor: u64 = store.review_cursor()?.parse().unwrap_or(0);
    let mut page: Vec<Change> = Vec::new();
    let mut failed: Option<StoreError> = None;
    store.for_each_working_application(|_, a| {
        if failed.is_some()
            || a.date >= before
            || !a.generated
            || a.hub_receipt.is_none()
            || a.void.is_some()
        {
            return;
        }
        match store.review_of(&a.id) {
            Ok(None) => {}
            Ok(Some(_)) => return,
            Err(e) => {
                failed = Some(e);
                return;
            }
        }
        cursor += 1;
        let at = (a.date + chrono::Duration::days(3)).format("%Y-%m-%dT10:00:00+08:00");
        page.push(Change {
            cursor: cursor.to_string(),
            id: a.id.clone(),
            number: a.number.clone(),
            state: ReviewState::Completed,
            at: at.to_string(),
            note: None,
            result: None,
            materials: Vec::new(),
            review_id: format!("seed-{cursor}"),
        });
        if page.len() >= 1_000 {
            if let Err(e) = store.record_changes(&page, &cursor.to_string()) {
                failed = Some(e);
            }
            page.clear();
        }
    })?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    if !page.is_empty() {
        store.record_changes(&page, &cursor.to_string())?;
    }
    Ok(())
}

/// Marks every pending seeded application acknowledged (receipt
/// `SEED-<number>`), batch by batch as the relay would, then lets the old
/// ones leave the working store: a store with history, for benchmarks.
pub fn acknowledge_all(store: &Store, today: NaiveDate, keep_days: u32) -> Result<(), SeedError> {
    use crate::store::Decision;
    let far = chrono::DateTime::parse_from_rfc3339("9999-12-31T00:00:00+00:00")
        .map_err(|e| StoreError::Conflict(e.to_string()))?;
    let mut after: Option<String> = None;
    loop {
        let batch = store.due_after(after.as_deref(), far, true, 5_000)?;
        let Some(last) = batch.last().map(|(k, _)| k.clone()) else {
            break;
        };
        let decisions: Vec<(String, Decision)> = batch
            .into_iter()
            .map(|(k, e)| (k, Decision::Acknowledge(format!("SEED-{}", e.number))))
            .collect();
        store.settle(&decisions)?;
        after = Some(last);
    }
    answer_old(store, today)?;
    while store.evict_due(today, keep_days)? > 0 {}
    while store.evict_audit_due(today, keep_days)? > 0 {}
    Ok(())
}
