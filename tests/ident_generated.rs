//! Thousands of generated identifiers per kind. Valid numbers are built with
//! check-digit code written here, independently of the library (the ID check
//! as `(1 - 2 * int(body, 13)) % 11`, VIN weights and transliteration from
//! their definitions, USCC weights as powers of 3 mod 31), then mutated, and
//! the exact error is asserted.

use chrono::{Datelike, NaiveDate};
use jingyou::i18n::Lang;
use jingyou::ident::{
    check, normalize, Fact, Invalid, Kind, PlateType, SegmentUse, Sex, Want, Warning,
};

const N: usize = 3000;

/// xorshift64*: tiny, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform-ish in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.range(0, items.len() as u64 - 1) as usize]
    }
    fn digit(&mut self) -> char {
        char::from(b'0' + self.range(0, 9) as u8)
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 1).expect("date")
}

fn set(s: &str, pos1: usize, c: char) -> String {
    s.chars()
        .enumerate()
        .map(|(i, x)| if i + 1 == pos1 { c } else { x })
        .collect()
}

// ---------------------------------------------------------------- ID

/// `(1 - 2 * int(body, 13)) % 11`, as in python-stdnum.
fn id_check_independent(body: &str) -> char {
    let mut n: i64 = 0;
    for c in body.chars() {
        n = (n * 13 + c.to_digit(10).expect("digit") as i64) % 11;
    }
    let r = (1 - 2 * n).rem_euclid(11);
    if r == 10 {
        'X'
    } else {
        char::from(b'0' + r as u8)
    }
}

fn leap(y: u32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in(y: u32, m: u32) -> u32 {
    match m {
        2 if leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

const PROVINCES: [u32; 32] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71,
];

struct GenId {
    number: String,
    birth: NaiveDate,
    male: bool,
}

fn id_with(addr: &str, y: u32, m: u32, d: u32, seq: u32) -> String {
    let body = format!("{addr}{y:04}{m:02}{d:02}{seq:03}");
    format!("{body}{}", id_check_independent(&body))
}

/// Every county code of the compiled-in GB/T 2260 table, read here with an
/// independent parser (a set of every 6-digit code) rather than the scan
/// that `check` uses.
fn county_codes() -> std::collections::BTreeSet<String> {
    include_str!("../src/ident/data/gbt2260.txt")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(|l| {
            let mut parts = l.split_whitespace();
            let p = parts.next().unwrap_or_default().to_string();
            parts.map(move |c| format!("{p}{c}")).collect::<Vec<_>>()
        })
        .collect()
}

fn gen_id(r: &mut Rng) -> GenId {
    thread_local! {
        static CODES: Vec<String> = county_codes()
            .into_iter()
            .filter(|c| !c.ends_with("0000") && !c.starts_with('8'))
            .collect();
    }
    let addr = CODES.with(|c| c[r.range(0, c.len() as u64 - 1) as usize].clone());
    let y = r.range(1850, 2025) as u32;
    let m = r.range(1, 12) as u32;
    let d = r.range(1, days_in(y, m) as u64) as u32;
    let (y, m, d) = if (y, m, d) > (2025, 6, 1) {
        (2025, 6, 1)
    } else {
        (y, m, d)
    };
    let seq = r.range(0, 999) as u32;
    GenId {
        number: id_with(&addr, y, m, d, seq),
        birth: NaiveDate::from_ymd_opt(y as i32, m, d).expect("real date"),
        male: seq % 2 == 1,
    }
}

#[test]
fn generated_ids_are_accepted_with_birth_date_and_sex() {
    let mut r = Rng(0x1D_1D_1D);
    for _ in 0..N {
        let g = gen_id(&mut r);
        let c =
            check(Kind::Id, &g.number, today()).unwrap_or_else(|e| panic!("{}: {e:?}", g.number));
        assert_eq!(c.value, g.number);
        assert!(c.facts.contains(&Fact::BirthDate(g.birth)), "{}", g.number);
        let sex = if g.male { Sex::Male } else { Sex::Female };
        assert!(c.facts.contains(&Fact::Sex(sex)), "{}", g.number);
        assert!(c.warnings.is_empty(), "{}: {:?}", g.number, c.warnings);
        // Lower-case x, full-width digits, spaces and dots change nothing.
        let fancy: String = g
            .number
            .chars()
            .enumerate()
            .map(|(i, ch)| {
                let ch = if ch == 'X' { 'x' } else { ch };
                let ch = if i % 2 == 0 {
                    char::from_u32(ch as u32 + 0xFEE0).expect("full width")
                } else {
                    ch
                };
                if i % 6 == 5 {
                    format!("{ch} ·")
                } else {
                    ch.to_string()
                }
            })
            .collect();
        assert_eq!(normalize(&fancy), g.number);
        assert_eq!(
            check(Kind::Id, &fancy, today()).map(|c| c.value),
            Ok(g.number.clone())
        );
    }
}

#[test]
fn one_changed_or_swapped_id_digit_is_a_check_digit_error() {
    let mut r = Rng(0xC0FFEE);
    for _ in 0..N {
        let g = gen_id(&mut r);
        let found = g.number.chars().nth(17).expect("18 chars");
        // Change one of the first 17 digits.
        let pos = r.range(1, 17) as usize;
        let old = g.number.chars().nth(pos - 1).expect("pos");
        let mut new = r.digit();
        while new == old {
            new = r.digit();
        }
        let m = set(&g.number, pos, new);
        let expected = id_check_independent(&m[..17]);
        assert_eq!(
            check(Kind::Id, &m, today()),
            Err(Invalid::CheckDigit { expected, found }),
            "{m}"
        );
        // Change the check character.
        let mut c = r.pick(&['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X']);
        while c == found {
            c = r.pick(&['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X']);
        }
        assert_eq!(
            check(Kind::Id, &set(&g.number, 18, c), today()),
            Err(Invalid::CheckDigit {
                expected: found,
                found: c
            })
        );
        // Swap two different neighbours among the first 17.
        let i = r.range(1, 16) as usize;
        let a = g.number.chars().nth(i - 1).expect("a");
        let b = g.number.chars().nth(i).expect("b");
        if a != b {
            let s = set(&set(&g.number, i, b), i + 1, a);
            assert!(
                matches!(
                    check(Kind::Id, &s, today()),
                    Err(Invalid::CheckDigit { .. })
                ),
                "{s}"
            );
        }
    }
}

#[test]
fn letters_and_lengths_in_ids_are_reported_by_position() {
    let mut r = Rng(42);
    for _ in 0..N {
        let g = gen_id(&mut r);
        let pos = r.range(1, 18) as usize;
        let letter = r.pick(&['A', 'B', 'T', 'Z', 'O', 'I', '-', '中', '/']);
        assert_eq!(
            check(Kind::Id, &set(&g.number, pos, letter), today()),
            Err(Invalid::BadChar { pos, ch: letter })
        );
        // X anywhere but last.
        let pos = r.range(1, 17) as usize;
        assert_eq!(
            check(Kind::Id, &set(&g.number, pos, 'X'), today()),
            Err(Invalid::Expected {
                pos,
                ch: 'X',
                want: Want::Digit
            })
        );
        // Wrong lengths (15 is the legacy form, tested elsewhere).
        let mut len = r.range(1, 40) as usize;
        if len == 15 || len == 18 {
            len += 1;
        }
        let digits: String = g.number[..17].chars().cycle().take(len).collect();
        assert_eq!(
            check(Kind::Id, &digits, today()),
            Err(Invalid::Length {
                expected: "18|15",
                found: len
            })
        );
    }
}

#[test]
fn impossible_future_and_ancient_dates_are_refused() {
    let mut r = Rng(7);
    for _ in 0..N {
        let addr = format!("{:02}0102", r.pick(&PROVINCES));
        let seq = r.range(0, 999) as u32;
        // Impossible dates: day 0, day past the month's end, month 0 or 13.
        let y = r.range(1900, 2024) as u32;
        let m = r.range(1, 12) as u32;
        let (mm, dd) = match r.range(0, 3) {
            0 => (m, 0),
            1 => (
                m,
                days_in(y, m) + r.range(1, 99 - days_in(y, m) as u64) as u32,
            ),
            2 => (0, r.range(1, 28) as u32),
            _ => (r.range(13, 99) as u32, r.range(1, 28) as u32),
        };
        let n = id_with(&addr, y, mm, dd, seq);
        assert_eq!(
            check(Kind::Id, &n, today()),
            Err(Invalid::BadDate {
                digits: format!("{y:04}{mm:02}{dd:02}")
            }),
            "{n}"
        );
        // Feb 29 in a year that is not a leap year; Feb 30.
        let y2 = r.range(1850, 2024) as u32;
        let d2 = if leap(y2) { 30 } else { 29 };
        let n = id_with(&addr, y2, 2, d2, seq);
        assert_eq!(
            check(Kind::Id, &n, today()),
            Err(Invalid::BadDate {
                digits: format!("{y2:04}02{d2:02}")
            })
        );
        // After today.
        let fy = r.range(2025, 2999) as u32;
        let fm = if fy == 2025 {
            r.range(7, 12)
        } else {
            r.range(1, 12)
        } as u32;
        let fd = r.range(1, days_in(fy, fm) as u64) as u32;
        let date = NaiveDate::from_ymd_opt(fy as i32, fm, fd).expect("date");
        assert_eq!(
            check(Kind::Id, &id_with(&addr, fy, fm, fd, seq), today()),
            Err(Invalid::FutureDate { date })
        );
        // Before 1850.
        let oy = r.range(1000, 1849) as u32;
        let date = NaiveDate::from_ymd_opt(oy as i32, 1, 31).expect("date");
        assert_eq!(
            check(Kind::Id, &id_with(&addr, oy, 1, 31, seq), today()),
            Err(Invalid::DateTooEarly { date })
        );
    }
}

#[test]
fn region_codes_of_ids() {
    let mut r = Rng(99);
    let mut unknown = 0;
    for _ in 0..N {
        let p = r.range(0, 99) as u32;
        let addr = format!("{p:02}0101");
        let n = id_with(&addr, 1990, 5, 17, r.range(0, 999) as u32);
        let res = check(Kind::Id, &n, today());
        if PROVINCES.contains(&p) || (81..=83).contains(&p) {
            assert!(res.is_ok(), "{n}: {res:?}");
            if (81..=83).contains(&p) {
                // Permits must be XX0000.
                let w = res.map(|c| c.warnings).unwrap_or_default();
                assert_eq!(w, vec![Warning::UnknownRegionCode(addr.clone())]);
            }
        } else if p / 10 == 9 {
            // 9 + the two digits "d0": a card only for 950101 (Chongqing).
            let code2 = p % 10 * 10;
            if PROVINCES.contains(&code2) {
                assert!(res.is_ok(), "{n}");
            } else {
                assert_eq!(res, Err(Invalid::UnknownProvince(n[..3].to_string())));
            }
        } else {
            unknown += 1;
            assert_eq!(res, Err(Invalid::UnknownProvince(format!("{p:02}"))), "{n}");
        }
        // Foreign permanent-residence card: 9 + a province code.
        let q = r.pick(&PROVINCES);
        let n = id_with(&format!("9{q:02}123"), 1985, 1, 1, 1);
        let c = check(Kind::Id, &n, today()).unwrap_or_else(|e| panic!("{n}: {e:?}"));
        assert!(c.facts.contains(&Fact::ForeignPermanentResidence));
    }
    assert!(unknown > N / 2);
}

#[test]
fn legacy_15_digit_ids_convert() {
    let mut r = Rng(15);
    for _ in 0..N {
        let g = gen_id(&mut r);
        let y = g.birth.year();
        if !(1900..=1999).contains(&y) {
            continue;
        }
        let old = format!("{}{}", &g.number[..6], &g.number[8..17]);
        let c = check(Kind::Id, &old, today()).unwrap_or_else(|e| panic!("{old}: {e:?}"));
        assert_eq!(c.value, g.number, "{old}");
        assert!(c.facts.contains(&Fact::ConvertedFrom15(old.clone())));
        assert!(c.facts.contains(&Fact::BirthDate(g.birth)));
    }
}

// ---------------------------------------------------------------- VIN

const VIN_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPRSTUVWXYZ";

/// Transliteration from the definition: A–I = 1–9, J–R = 1–9, S–Z = 2–9.
fn vin_value(c: char) -> u32 {
    match c {
        '0'..='9' => c as u32 - '0' as u32,
        'A'..='I' => c as u32 - 'A' as u32 + 1,
        'J'..='R' => c as u32 - 'J' as u32 + 1,
        'S'..='Z' => c as u32 - 'S' as u32 + 2,
        _ => panic!("not a VIN char"),
    }
}

/// Weights from the definition: 8 down to 2, then 10, then 0, then 9 down to 2.
fn vin_weight(pos1: usize) -> u32 {
    match pos1 {
        1..=7 => 9 - pos1 as u32,
        8 => 10,
        9 => 0,
        _ => 19 - pos1 as u32,
    }
}

fn vin_check_independent(v: &str) -> char {
    let s: u32 = v
        .chars()
        .enumerate()
        .map(|(i, c)| vin_value(c) * vin_weight(i + 1))
        .sum();
    match s % 11 {
        10 => 'X',
        d => char::from(b'0' + d as u8),
    }
}

fn gen_vin(r: &mut Rng, first: char) -> String {
    let mut v: String = std::iter::once(first)
        .chain((1..17).map(|_| char::from(r.pick(VIN_CHARS))))
        .collect();
    let c = vin_check_independent(&v);
    v = set(&v, 9, c);
    v
}

#[test]
fn generated_vins_and_their_mutations() {
    let mut r = Rng(0x5EED);
    let firsts = [
        'L', '1', '2', '3', '4', '5', 'W', 'J', 'K', 'S', 'V', 'Z', '9',
    ];
    for _ in 0..N {
        let first = r.pick(&firsts);
        let enforced = first == 'L' || ('1'..='5').contains(&first);
        let v = gen_vin(&mut r, first);
        let c =
            check(Kind::Vin, &v.to_lowercase(), today()).unwrap_or_else(|e| panic!("{v}: {e:?}"));
        assert_eq!(c.value, v);
        assert!(c.warnings.is_empty(), "{v}");
        assert_eq!(c.facts[0], Fact::VinMaker(v[..3].to_string()));

        // One character changed to one with another value.
        let pos = r.pick(&[2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17]);
        let old = v.chars().nth(pos - 1).expect("pos");
        let mut new = char::from(r.pick(VIN_CHARS));
        while vin_value(new) == vin_value(old) {
            new = char::from(r.pick(VIN_CHARS));
        }
        let m = set(&v, pos, new);
        let expected = vin_check_independent(&m);
        let found = v.chars().nth(8).expect("check");
        assert_ne!(expected, found);
        let res = check(Kind::Vin, &m, today());
        if enforced {
            assert_eq!(res, Err(Invalid::CheckDigit { expected, found }), "{m}");
        } else {
            let w = res.map(|c| c.warnings).unwrap_or_default();
            assert_eq!(
                w,
                vec![Warning::VinCheckDigitMismatch { expected, found }],
                "{m}"
            );
        }

        // I, O or Q anywhere.
        let pos = r.range(1, 17) as usize;
        let ch = r.pick(&['I', 'O', 'Q']);
        assert_eq!(
            check(Kind::Vin, &set(&v, pos, ch), today()),
            Err(Invalid::ForbiddenLetter { pos, ch })
        );
        // Punctuation anywhere.
        let ch = r.pick(&['-', '*', '.', '京']);
        assert_eq!(
            check(Kind::Vin, &set(&v, pos, ch), today()),
            Err(Invalid::BadChar { pos, ch })
        );
        // Wrong length.
        let len = r.pick(&[1, 5, 16, 18, 30, 64]);
        let s: String = v.chars().cycle().take(len).collect();
        assert_eq!(
            check(Kind::Vin, &s, today()),
            Err(Invalid::Length {
                expected: "17",
                found: len
            })
        );
    }
}

// ---------------------------------------------------------------- USCC

const USCC: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

fn uscc_check_independent(body: &str) -> char {
    let mut w: u64 = 1;
    let mut s: u64 = 0;
    for c in body.chars() {
        s += USCC.find(c).expect("alphabet") as u64 * w;
        w = w * 3 % 31;
    }
    USCC.chars()
        .nth(((31 - s % 31) % 31) as usize)
        .expect("index")
}

fn gen_uscc(r: &mut Rng) -> String {
    let a: Vec<char> = USCC.chars().collect();
    let mut s = String::new();
    for i in 0..17 {
        if (2..8).contains(&i) {
            s.push(r.digit());
        } else {
            s.push(r.pick(&a));
        }
    }
    let c = uscc_check_independent(&s);
    s.push(c);
    s
}

#[test]
fn generated_usccs_and_their_mutations() {
    assert_eq!(uscc_check_independent("91110000600037341"), 'L');
    let mut r = Rng(31);
    let a: Vec<char> = USCC.chars().collect();
    for _ in 0..N {
        let u = gen_uscc(&mut r);
        let c = check(Kind::Uscc, &u, today()).unwrap_or_else(|e| panic!("{u}: {e:?}"));
        assert_eq!(c.value, u);
        let pos = r.range(1, 17) as usize;
        let old = u.chars().nth(pos - 1).expect("pos");
        let mut new = if (3..=8).contains(&pos) {
            r.digit()
        } else {
            r.pick(&a)
        };
        while new == old {
            new = if (3..=8).contains(&pos) {
                r.digit()
            } else {
                r.pick(&a)
            };
        }
        let m = set(&u, pos, new);
        assert_eq!(
            check(Kind::Uscc, &m, today()),
            Err(Invalid::CheckDigit {
                expected: uscc_check_independent(&m[..17]),
                found: u.chars().nth(17).expect("18")
            })
        );
        let ch = r.pick(&['I', 'O', 'Z', 'S', 'V']);
        let pos = r.range(1, 18) as usize;
        assert_eq!(
            check(Kind::Uscc, &set(&u, pos, ch), today()),
            Err(Invalid::ForbiddenLetter { pos, ch })
        );
        let pos = r.range(3, 8) as usize;
        assert_eq!(
            check(Kind::Uscc, &set(&u, pos, 'A'), today()),
            Err(Invalid::Expected {
                pos,
                ch: 'A',
                want: Want::Digit
            })
        );
    }
}

// ---------------------------------------------------------------- plates

const PLATE_PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
const SERIAL: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";

fn serial(r: &mut Rng, n: usize) -> String {
    (0..n).map(|_| char::from(r.pick(SERIAL))).collect()
}

fn digits(r: &mut Rng, n: usize) -> String {
    (0..n).map(|_| r.digit()).collect()
}

/// A serial of `n` characters with at most `max` letters (I and O never).
fn serial_letters(r: &mut Rng, n: usize, letters: usize) -> String {
    let mut out: Vec<char> = (0..n).map(|_| r.digit()).collect();
    let mut placed = 0;
    while placed < letters.min(n) {
        let i = r.range(0, n as u64 - 1) as usize;
        if out[i].is_ascii_digit() {
            out[i] = char::from(r.pick(&SERIAL[..24]));
            placed += 1;
        }
    }
    out.into_iter().collect()
}

/// The office letters of each province, parsed from the data file with the
/// general TOML parser (the checker keeps its own typed reading).
fn office_letters() -> std::collections::BTreeMap<char, Vec<char>> {
    let v: toml::Value =
        toml::from_str(include_str!("../src/ident/data/plates.toml")).expect("plates.toml");
    let offices = v
        .get("offices")
        .and_then(|o| o.as_table())
        .expect("[offices]");
    offices
        .iter()
        .map(|(k, v)| {
            let p = k.chars().next().expect("province");
            (p, v.as_str().unwrap_or_default().chars().collect())
        })
        .collect()
}

#[test]
fn generated_ordinary_serials_follow_ga_36() {
    let offices = office_letters();
    assert_eq!(offices.len(), 31);
    let provinces: Vec<char> = PLATE_PROVINCES.chars().collect();
    let mut r = Rng(2018);
    for _ in 0..N {
        let p = r.pick(&provinces);
        let l = r.pick(&offices[&p]);
        let k = r.range(0, 5) as usize;
        let plate = format!("{p}{l}{}", serial_letters(&mut r, 5, k));
        let res = check(Kind::Plate, &plate, today());
        // The serial's own rule first, then the series it belongs to.
        if k > 2 {
            assert_eq!(
                res,
                Err(Invalid::TooManyLetters { max: 2, found: k }),
                "{plate}"
            );
        } else if p == '粤' && l == 'Z' {
            assert_eq!(res, Err(Invalid::ReservedSeries("粤Z".into())), "{plate}");
        } else {
            let c = res.unwrap_or_else(|e| panic!("{plate}: {e:?}"));
            assert!(c.warnings.is_empty(), "{plate}: {:?}", c.warnings);
        }
        // An office letter the province is not listed to issue: a warning.
        let unknown: Vec<char> = ('A'..='Z')
            .filter(|c| *c != 'I' && *c != 'O' && !offices[&p].contains(c))
            .collect();
        if !unknown.is_empty() && k <= 2 {
            let u = r.pick(&unknown);
            let plate = format!("{p}{u}{}", serial_letters(&mut r, 5, k));
            let c =
                check(Kind::Plate, &plate, today()).unwrap_or_else(|e| panic!("{plate}: {e:?}"));
            assert_eq!(
                c.warnings,
                vec![Warning::PlateOfficeLetterUnknown {
                    province: p,
                    letter: u
                }],
                "{plate}"
            );
        }
    }
    // The plates and the research's vectors.
    for bad in ["京AABCDE", "湘CEZJCV", "粤Z12345"] {
        assert!(check(Kind::Plate, bad, today()).is_err(), "{bad}");
    }
    for good in [
        "京AD92035",
        "甘G23459F",
        "京AA92035",
        "京A00599",
        "黑D23908",
        "粤Z1234港",
    ] {
        assert!(check(Kind::Plate, good, today()).is_ok(), "{good}");
    }
}

#[test]
fn generated_plates_and_their_mutations() {
    let provinces: Vec<char> = PLATE_PROVINCES.chars().collect();
    let offices = office_letters();
    let mut r = Rng(36);
    for _ in 0..N {
        let p = r.pick(&provinces);
        let l = r.pick(&offices[&p]);
        let l = if p == '粤' && l == 'Z' { 'A' } else { l };
        let (plate, t) = match r.range(0, 5) {
            0 => {
                let k = r.range(0, 2) as usize;
                (
                    format!("{p}{l}{}", serial_letters(&mut r, 5, k)),
                    PlateType::Ordinary,
                )
            }
            1 => {
                let e = r.pick(&['D', 'A', 'B', 'C', 'E', 'F', 'G', 'H', 'J', 'K']);
                let s = serial(&mut r, 1);
                let d = digits(&mut r, 4);
                (
                    format!("{p}{l}{e}{s}{d}"),
                    PlateType::NewEnergySmall {
                        battery_electric: "DABCE".contains(e),
                    },
                )
            }
            2 => {
                let e = r.pick(&['D', 'A', 'B', 'C', 'E', 'F', 'G', 'H', 'J', 'K']);
                (
                    format!("{p}{l}{}{e}", digits(&mut r, 5)),
                    PlateType::NewEnergyLarge {
                        battery_electric: "DABCE".contains(e),
                    },
                )
            }
            3 => {
                let (suf, t) = r.pick(&[
                    ('挂', PlateType::Trailer),
                    ('学', PlateType::Learner),
                    ('警', PlateType::Police),
                ]);
                let k = r.range(0, 2) as usize;
                (format!("{p}{l}{}{suf}", serial_letters(&mut r, 4, k)), t)
            }
            _ => {
                let (suf, t) = r.pick(&[('港', PlateType::HongKong), ('澳', PlateType::Macau)]);
                let k = r.range(0, 2) as usize;
                (format!("粤Z{}{suf}", serial_letters(&mut r, 4, k)), t)
            }
        };
        let c = check(Kind::Plate, &plate.to_lowercase(), today())
            .unwrap_or_else(|e| panic!("{plate}: {e:?}"));
        assert_eq!(c.value, plate);
        assert_eq!(c.facts[0], Fact::PlateType(t), "{plate}");
        assert!(c.warnings.is_empty());
        let n = plate.chars().count();
        let has_suffix = "挂学警港澳".contains(plate.chars().last().expect("last"));
        let serial_end = if has_suffix { n - 1 } else { n };

        // I or O in the serial: refused, with its position.
        let pos = r.range(3, serial_end as u64) as usize;
        let ch = r.pick(&['I', 'O']);
        assert_eq!(
            check(Kind::Plate, &set(&plate, pos, ch), today()),
            Err(Invalid::ForbiddenLetter { pos, ch })
        );
        // I or O as the office letter: a warning.
        if !matches!(t, PlateType::HongKong | PlateType::Macau) {
            let w = check(Kind::Plate, &set(&plate, 2, ch), today()).map(|c| c.warnings);
            assert_eq!(w, Ok(vec![Warning::PlateSecondLetterIO(ch)]));
        }
        // A letter where the province goes; a non-plate character anywhere.
        assert_eq!(
            check(Kind::Plate, &set(&plate, 1, 'B'), today()),
            Err(Invalid::Expected {
                pos: 1,
                ch: 'B',
                want: Want::ProvinceChar
            })
        );
        let pos = r.range(1, n as u64) as usize;
        let ch = r.pick(&['中', '-', '#', 'ü']);
        assert_eq!(
            check(Kind::Plate, &set(&plate, pos, ch), today()),
            Err(Invalid::BadChar { pos, ch })
        );
        // Wrong length.
        let len = r.pick(&[1, 2, 3, 4, 5, 6, 9, 10, 20]);
        let s: String = format!("{p}{l}")
            .chars()
            .chain(std::iter::repeat('1'))
            .take(len)
            .collect();
        assert_eq!(
            check(Kind::Plate, &s, today()),
            Err(Invalid::Length {
                expected: "7|8",
                found: len
            })
        );
        // A new-energy plate with a letter where a digit belongs.
        if let PlateType::NewEnergySmall { .. } = t {
            let pos = r.range(5, 8) as usize;
            assert_eq!(
                check(Kind::Plate, &set(&plate, pos, 'K'), today()),
                Err(Invalid::Expected {
                    pos,
                    ch: 'K',
                    want: Want::Digit
                })
            );
        }
    }
}

// ---------------------------------------------------------------- phone

/// The segment list written out independently of the data file: ordinary
/// and virtual prefixes, data-only ones (146, 148, 149), satellite ones
/// (1349, 174).
fn segment_kind(n: &str) -> &'static str {
    let p = &n[..3];
    if p == "174" || &n[..4] == "1349" {
        return "satellite";
    }
    if ["146", "148", "149"].contains(&p) {
        return "data";
    }
    let ok2 = ["13", "18"];
    let ok3 = [
        "145", "147", "150", "151", "152", "153", "155", "156", "157", "158", "159", "162", "165",
        "166", "167", "170", "171", "172", "173", "175", "176", "177", "178", "190", "191", "192",
        "193", "195", "196", "197", "198", "199",
    ];
    if ok2.contains(&&n[..2]) || ok3.contains(&p) {
        "ok"
    } else {
        "unknown"
    }
}

#[test]
fn generated_phone_numbers() {
    let mut r = Rng(86);
    let mut warned = 0;
    for _ in 0..N {
        let second = char::from(b'0' + r.range(0, 9) as u8);
        let n = format!("1{second}{}", digits(&mut r, 9));
        let res = check(Kind::Phone, &n, today());
        if second < '3' {
            assert_eq!(
                res,
                Err(Invalid::NotMobile {
                    prefix: n[..2].to_string()
                })
            );
            continue;
        }
        let c = res.unwrap_or_else(|e| panic!("{n}: {e:?}"));
        assert_eq!(c.value, n);
        match segment_kind(&n) {
            "ok" => assert!(c.warnings.is_empty(), "{n}"),
            "unknown" => {
                warned += 1;
                assert_eq!(
                    c.warnings,
                    vec![Warning::PhoneSegmentUnknown(n[..3].to_string())]
                );
            }
            kind => {
                warned += 1;
                let usage = if kind == "data" {
                    SegmentUse::Data
                } else {
                    SegmentUse::Satellite
                };
                let prefix = if &n[..4] == "1349" { &n[..4] } else { &n[..3] };
                assert_eq!(
                    c.warnings,
                    vec![Warning::PhoneSegmentNotForCalls {
                        prefix: prefix.to_string(),
                        usage
                    }],
                    "{n}"
                );
            }
        }
        for prefix in ["+86", "0086", "86", "+86 ", "＋８６"] {
            let with = format!("{prefix}{n}");
            assert_eq!(
                check(Kind::Phone, &with, today()).map(|c| c.value),
                Ok(n.clone())
            );
        }
        let len = r.pick(&[1, 10, 12, 14, 20]);
        let s: String = n.chars().cycle().take(len).collect();
        let res = check(Kind::Phone, &s, today());
        if len == 13 && s.starts_with("86") {
            continue;
        }
        assert_eq!(
            res,
            Err(Invalid::Length {
                expected: "11",
                found: len
            }),
            "{s}"
        );
    }
    assert!(warned > 0);
}

// ---------------------------------------------------------------- digits only

#[test]
fn generated_digit_only_numbers() {
    let mut r = Rng(12);
    for _ in 0..N {
        let len = r.range(1, 40) as usize;
        let s = digits(&mut r, len);
        assert_eq!(
            check(Kind::LicenceFile, &s, today()).is_ok(),
            len == 12,
            "{s}"
        );
        assert_eq!(
            check(Kind::Decision, &s, today()).is_ok(),
            len == 15 || len == 16
        );
        if len != 12 {
            assert_eq!(
                check(Kind::LicenceFile, &s, today()),
                Err(Invalid::Length {
                    expected: "12",
                    found: len
                })
            );
        }
        let pos = r.range(1, len as u64) as usize;
        let ch = r.pick(&['A', 'x', '.', '中']);
        let m = set(&s, pos, ch);
        assert_eq!(
            check(Kind::Decision, &m, today()),
            Err(Invalid::BadChar {
                pos,
                ch: ch.to_ascii_uppercase()
            })
        );
    }
}

// ---------------------------------------------------------------- robustness

#[test]
fn random_input_never_panics_and_valid_values_are_stable() {
    let pool: Vec<char> =
        "0123456789AXxILOQZ京粤挂港使领Ｘ１２　·・• \t\n\r\u{0}\u{7f}\u{200b}\u{301}😀-+/中é"
            .chars()
            .collect();
    let seeds = [
        "11010519491231002X",
        "150102880730303",
        "京AD92035",
        "粤Z1234港",
        "LSJA24U62JG269225",
        "WDBEA30D3HA391172",
        "+8613812345678",
        "91110000600037341L",
        "430101758218",
    ];
    let mut r = Rng(0xF0F0);
    let mut valid = 0;
    for i in 0..N * 4 {
        let len = r.range(0, 80) as usize;
        let s: String = match i % 4 {
            0 => {
                let bytes: Vec<u8> = (0..len).map(|_| r.next() as u8).collect();
                String::from_utf8_lossy(&bytes).into_owned()
            }
            1 => (0..len).map(|_| r.pick(&pool)).collect(),
            _ => {
                // A real number with a few random edits.
                let mut v: Vec<char> = r.pick(&seeds).chars().collect();
                for _ in 0..r.range(0, 2) {
                    let at = r.range(0, v.len() as u64) as usize;
                    match r.range(0, 2) {
                        0 => v.insert(at, r.pick(&pool)),
                        1 if at < v.len() => {
                            v.remove(at);
                        }
                        _ if at < v.len() => v[at] = r.pick(&pool),
                        _ => {}
                    }
                }
                v.into_iter().collect()
            }
        };
        for kind in Kind::ALL {
            match check(kind, &s, today()) {
                Ok(c) => {
                    valid += 1;
                    // The normalised value checks again to itself.
                    assert_eq!(
                        check(kind, &c.value, today()).map(|d| d.value),
                        Ok(c.value.clone())
                    );
                    for lang in [Lang::Zh, Lang::En] {
                        assert!(c.describe(lang).iter().all(|l| !l.is_empty()));
                    }
                    let _ = c.to_json();
                }
                Err(e) => {
                    for lang in [Lang::Zh, Lang::En] {
                        let m = e.message(lang);
                        assert!(!m.is_empty() && !m.contains("ident."), "{m}");
                    }
                }
            }
        }
    }
    // The edited real numbers are often still valid (e.g. a space added).
    assert!(valid > N / 10, "{valid}");
}

#[test]
fn a_megabyte_paste_is_refused_quickly() {
    let big = "１".repeat(1 << 20);
    let start = std::time::Instant::now();
    for kind in Kind::ALL {
        assert_eq!(
            check(kind, &big, today()),
            Err(Invalid::TooLong {
                len: 1 << 20,
                max: 64
            })
        );
    }
    // Seven scans of 3 MB; generous for a debug build on a busy machine.
    assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
    // Exactly 64 characters is checked normally; 65 is too long.
    assert!(matches!(
        check(Kind::Decision, &"1".repeat(64), today()),
        Err(Invalid::Length { found: 64, .. })
    ));
    assert!(matches!(
        check(Kind::Decision, &"1".repeat(65), today()),
        Err(Invalid::TooLong { len: 65, .. })
    ));
}

#[test]
fn generated_address_codes_warn_exactly_when_not_in_gb_t_2260() {
    let codes = county_codes();
    assert!(codes.len() > 6000);
    let mut r = Rng(2260);
    let (mut warned, mut known) = (0, 0);
    let by_province = |p: u32| -> Vec<&String> {
        codes
            .iter()
            .filter(|c| c.starts_with(&format!("{p:02}")))
            .collect()
    };
    let by_province: Vec<(u32, Vec<&String>)> =
        PROVINCES.iter().map(|&p| (p, by_province(p))).collect();
    for _ in 0..N {
        let (p, of) = &by_province[r.range(0, by_province.len() as u64 - 1) as usize];
        // Half the time a real code of that province, else any digits.
        let addr = if r.range(0, 1) == 0 {
            of[r.range(0, of.len() as u64 - 1) as usize].clone()
        } else {
            format!("{p:02}{:04}", r.range(0, 9999))
        };
        let n = id_with(&addr, 1980, 1, 1, 17);
        let c = check(Kind::Id, &n, today()).unwrap_or_else(|e| panic!("{n}: {e:?}"));
        let expect_known = codes.contains(&addr) && !addr.ends_with("0000");
        if expect_known {
            known += 1;
            assert!(c.warnings.is_empty(), "{n}: {:?}", c.warnings);
        } else {
            warned += 1;
            assert_eq!(
                c.warnings,
                vec![Warning::UnknownRegionCode(addr.clone())],
                "{n}"
            );
        }
    }
    assert!(warned > N / 10 && known > N / 10, "{warned} {known}");
    // The codes, and retired ones that old IDs still carry.
    for (addr, ok) in [
        ("439952", false),
        ("379971", false),
        ("229919", false),
        ("110103", true),
        ("110104", true),
    ] {
        let n = id_with(addr, 1970, 3, 3, 21);
        let c = check(Kind::Id, &n, today()).expect("valid");
        assert_eq!(c.warnings.is_empty(), ok, "{addr}");
    }
}
