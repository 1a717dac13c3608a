//! The journal: the system of record (docs/journal.md).
//!
//! Every change a person is told is saved is appended here before the
//! screen says so, and made durable with `fdatasync`. The sled store is a
//! working copy that can be rebuilt from the journal at any time.
//!
//! Layout: `<data>/journal/YYYY-MM.jnl`, one segment per month of the
//! record's time, each starting with the 8-byte header [`SEGMENT_MAGIC`]
//! and then frames: `F7 4A` (two marker bytes), payload length (u32 LE),
//! CRC-32 of the payload (u32 LE), payload (one [`Record`] as UTF-8 JSON).
//!
//! A frame that does not check out is reported with its segment and
//! offset, and reading goes on from the next frame that does. Bytes at the
//! very end of the newest segment that never became a whole frame (a write
//! cut by a crash, never acknowledged) are a torn tail, not damage; the
//! next append cuts them off first.

mod entry;

pub use entry::{Entry, Record};

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// First bytes of every segment file.
pub const SEGMENT_MAGIC: &[u8; 8] = b"JYJOURN1";
/// First bytes of every frame.
pub const FRAME_MARK: [u8; 2] = [0xF7, 0x4A];
/// Marker, length and checksum.
pub const FRAME_HEADER: usize = 10;
/// No record is larger (a draft with a pasted megabyte stays well under).
pub const MAX_FRAME: u32 = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("journal {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("journal record cannot be encoded: {0}")]
    Encode(#[from] serde_json::Error),
}

pub type Result<T> = std::result::Result<T, JournalError>;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A frame that did not check out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    pub segment: String,
    pub offset: u64,
    /// Bytes skipped before the next good frame (or the end).
    pub skipped: u64,
    pub what: &'static str,
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} @ {} ({}, {} bytes skipped)",
            self.segment, self.offset, self.what, self.skipped
        )
    }
}

/// What one segment holds.
#[derive(Debug, Default)]
pub struct SegmentScan {
    pub records: Vec<Record>,
    pub damage: Vec<Damage>,
    /// Where the last good frame ends.
    pub good_end: u64,
    /// Bytes after the last good frame that never became a frame.
    pub torn_tail: u64,
}

/// Reads every frame of a segment's bytes.
pub fn scan_bytes(name: &str, bytes: &[u8]) -> SegmentScan {
    scan_segment_bytes(name, bytes, &|_| true)
}

/// A whole segment's bytes: its header, then the frames (those `wanted`
/// refuses checked but not decoded).
fn scan_segment_bytes(name: &str, bytes: &[u8], wanted: &dyn Fn(u64) -> bool) -> SegmentScan {
    let header_ok =
        bytes.len() >= SEGMENT_MAGIC.len() && &bytes[..SEGMENT_MAGIC.len()] == SEGMENT_MAGIC;
    let mut out = scan_bytes_where(name, bytes, SEGMENT_MAGIC.len().min(bytes.len()), wanted);
    if !header_ok && !bytes.is_empty() {
        out.damage.insert(
            0,
            Damage {
                segment: name.to_string(),
                offset: 0,
                skipped: bytes.len().min(SEGMENT_MAGIC.len()) as u64,
                what: "segment header",
            },
        );
    }
    out
}

/// Reads a segment, decoding only the records whose sequence number
/// `wanted` accepts: the others are checked (length, checksum) and skipped
/// undecoded, so damage is still found and reported as by
/// [`scan_segment`]. For reading a few applications back out of a large
/// segment.
///
/// The segment is streamed a frame at a time (memory: the largest frame,
/// not the segment); at the first frame that does not check out it is read
/// whole and scanned as [`scan_segment`] does, so damage is reported the
/// same way.
pub fn scan_segment_where(
    dir: &Path,
    name: &str,
    wanted: &dyn Fn(u64) -> bool,
) -> Result<SegmentScan> {
    let path = dir.join(name);
    if let Some(scan) = stream_segment(&path, wanted).map_err(io(&path))? {
        return Ok(scan);
    }
    let bytes = std::fs::read(&path).map_err(io(&path))?;
    Ok(scan_segment_bytes(name, &bytes, wanted))
}

/// The frames of a whole segment, read through a small buffer: `None` at
/// the first thing that is not a good frame (a bad header, marker,
/// length, checksum or record, or a torn tail), for the caller to scan
/// the bytes whole.
fn stream_segment(
    path: &Path,
    wanted: &dyn Fn(u64) -> bool,
) -> std::io::Result<Option<SegmentScan>> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut r = std::io::BufReader::with_capacity(64 * 1024, file);
    let mut magic = [0u8; 8];
    if len < SEGMENT_MAGIC.len() as u64 {
        return Ok(None);
    }
    r.read_exact(&mut magic)?;
    if &magic != SEGMENT_MAGIC {
        return Ok(None);
    }
    let mut out = SegmentScan::default();
    let mut pos = SEGMENT_MAGIC.len() as u64;
    let mut payload = Vec::new();
    while pos < len {
        if len - pos < FRAME_HEADER as u64 {
            return Ok(None);
        }
        let mut head = [0u8; FRAME_HEADER];
        r.read_exact(&mut head)?;
        let n = u32::from_le_bytes([head[2], head[3], head[4], head[5]]);
        let room = len - pos - FRAME_HEADER as u64;
        if head[..2] != FRAME_MARK || n == 0 || n > MAX_FRAME || room < u64::from(n) {
            return Ok(None);
        }
        let crc = u32::from_le_bytes([head[6], head[7], head[8], head[9]]);
        payload.resize(n as usize, 0);
        r.read_exact(&mut payload)?;
        if crc32fast::hash(&payload) != crc {
            return Ok(None);
        }
        match peek_seq(&payload) {
            Some(seq) if !wanted(seq) => {}
            _ => match decode_payload(&payload) {
                Ok(rec) => out.records.push(rec),
                Err(_) => return Ok(None),
            },
        }
        pos += FRAME_HEADER as u64 + u64::from(n);
        out.good_end = pos;
    }
    Ok(Some(out))
}

/// The sequence number at the start of a frame's payload (`{"seq":N,`,
/// as [`encode_frame`] writes it), without decoding the rest.
fn peek_seq(payload: &[u8]) -> Option<u64> {
    let rest = payload.strip_prefix(b"{\"seq\":")?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 19 || rest.get(digits) != Some(&b',') {
        return None;
    }
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

/// The frames of `bytes` from `start` on; records `wanted` refuses are
/// checked but not decoded nor returned.
fn scan_bytes_where(
    name: &str,
    bytes: &[u8],
    start: usize,
    wanted: &dyn Fn(u64) -> bool,
) -> SegmentScan {
    let mut out = SegmentScan::default();
    let mut pos = start;
    out.good_end = pos as u64;
    let mut bad_since: Option<(usize, &'static str)> = None;
    while pos < bytes.len() {
        let frame =
            frame_payload_at(bytes, pos).and_then(|(payload, next)| match peek_seq(payload) {
                Some(seq) if !wanted(seq) => Ok((None, next)),
                _ => decode_payload(payload).map(|rec| (Some(rec), next)),
            });
        match frame {
            Ok((rec, next)) => {
                if let Some((start, what)) = bad_since.take() {
                    out.damage.push(Damage {
                        segment: name.to_string(),
                        offset: start as u64,
                        skipped: (pos - start) as u64,
                        what,
                    });
                }
                out.records.extend(rec);
                pos = next;
                out.good_end = pos as u64;
            }
            Err(what) => {
                if bad_since.is_none() {
                    bad_since = Some((pos, what));
                }
                pos += 1;
            }
        }
    }
    if let Some((start, _)) = bad_since {
        out.torn_tail = (bytes.len() - start) as u64;
    }
    out
}

fn decode_payload(payload: &[u8]) -> std::result::Result<Record, &'static str> {
    serde_json::from_slice(payload).map_err(|_| "record unreadable")
}

/// The checked payload of the frame at `pos`, and where the next starts.
fn frame_payload_at(bytes: &[u8], pos: usize) -> std::result::Result<(&[u8], usize), &'static str> {
    let head = bytes.get(pos..pos + FRAME_HEADER).ok_or("short header")?;
    if head[..2] != FRAME_MARK {
        return Err("frame marker");
    }
    let len = u32::from_le_bytes([head[2], head[3], head[4], head[5]]);
    if len == 0 || len > MAX_FRAME {
        return Err("frame length");
    }
    let crc = u32::from_le_bytes([head[6], head[7], head[8], head[9]]);
    let start = pos + FRAME_HEADER;
    let payload = bytes
        .get(start..start + len as usize)
        .ok_or("frame cut short")?;
    if crc32fast::hash(payload) != crc {
        return Err("checksum");
    }
    Ok((payload, start + len as usize))
}

/// One frame's bytes.
pub fn encode_frame(rec: &Record) -> Result<Vec<u8>> {
    let payload = serde_json::to_vec(rec)?;
    let mut out = Vec::with_capacity(FRAME_HEADER + payload.len());
    out.extend_from_slice(&FRAME_MARK);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    Ok(out)
}

/// Segment file names in order (`YYYY-MM.jnl`).
pub fn segments(dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(names),
        Err(e) => return Err(io(dir)(e)),
    };
    for ent in rd {
        let ent = ent.map_err(io(dir))?;
        if let Some(n) = ent.file_name().to_str() {
            if is_segment_name(n) {
                names.push(n.to_string());
            }
        }
    }
    names.sort();
    Ok(names)
}

fn is_segment_name(n: &str) -> bool {
    let b = n.as_bytes();
    n.len() == 11
        && n.ends_with(".jnl")
        && b[4] == b'-'
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[5..7].iter().all(u8::is_ascii_digit)
}

/// The segment a record of `at` belongs to.
pub fn segment_name(at: &chrono::DateTime<chrono::FixedOffset>) -> String {
    at.format("%Y-%m.jnl").to_string()
}

pub fn scan_segment(dir: &Path, name: &str) -> Result<SegmentScan> {
    let path = dir.join(name);
    let bytes = std::fs::read(&path).map_err(io(&path))?;
    Ok(scan_bytes(name, &bytes))
}

/// What the journal says, read without changing anything.
#[derive(Debug, Default)]
pub struct Summary {
    /// The newest record's sequence number (0: empty journal).
    pub last_seq: u64,
    /// Applications on record after the newest record.
    pub applications: u64,
    pub damage: Vec<Damage>,
    pub torn_tail: u64,
}

/// `journal/HEAD`: where the newest record starts (`SEGMENT OFFSET SEQ`),
/// rewritten after each append without fsync. A hint only: open reads the
/// frame there and every frame after it; a missing, torn or stale HEAD
/// means reading the newest segment whole, as without it.
const HEAD: &str = "HEAD";

fn write_head(dir: &Path, segment: &str, offset: u64, seq: u64) {
    use std::os::unix::fs::FileExt;
    let line = format!("{segment} {offset} {seq}\n");
    let mut buf = line.into_bytes();
    buf.resize(64, b' ');
    let r = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(dir.join(HEAD))
        .and_then(|f| f.write_all_at(&buf, 0));
    if let Err(e) = r {
        crate::log::warn(&format!("journal: HEAD not written: {e}"));
    }
}

/// The summary from HEAD's frame on, if HEAD checks out.
fn summary_from_head(dir: &Path, names: &[String]) -> Option<Summary> {
    let text = std::fs::read_to_string(dir.join(HEAD)).ok()?;
    let mut f = text.split_whitespace();
    let (segment, offset, seq) = (
        f.next()?,
        f.next()?.parse::<u64>().ok()?,
        f.next()?.parse::<u64>().ok()?,
    );
    // Only for the newest segment: records in a newer one would be missed.
    if names.last().map(String::as_str) != Some(segment) {
        return None;
    }
    let mut file = File::open(dir.join(segment)).ok()?;
    let len = file.metadata().ok()?.len();
    if offset < SEGMENT_MAGIC.len() as u64 || offset >= len {
        return None;
    }
    file.seek(SeekFrom::Start(offset)).ok()?;
    let mut tail = Vec::with_capacity((len - offset) as usize);
    file.read_to_end(&mut tail).ok()?;
    let (payload, _) = frame_payload_at(&tail, 0).ok()?;
    if head_of(payload).ok()?.seq != seq {
        return None;
    }
    // Frames after HEAD's (appended after HEAD was last written), read
    // for their numbers only: the newest record may be large (an
    // `evicted` record names thousands of applications), and open needs
    // none of it.
    let mut last = None;
    let mut pos = 0;
    let mut torn_tail = 0;
    while pos < tail.len() {
        match frame_payload_at(&tail, pos).and_then(|(p, next)| Ok((head_of(p)?, next))) {
            Ok((head, next)) => {
                if torn_tail > 0 {
                    return None; // bad bytes between good frames: damage
                }
                last = Some(head);
                pos = next;
            }
            Err(_) => {
                torn_tail += 1;
                pos += 1;
            }
        }
    }
    let last = last?;
    Some(Summary {
        last_seq: last.seq,
        applications: last.apps,
        damage: Vec::new(),
        torn_tail: torn_tail as u64,
    })
}

/// A record's sequence number and application count, the rest skipped.
#[derive(serde::Deserialize)]
struct Head {
    seq: u64,
    apps: u64,
}

fn head_of(payload: &[u8]) -> std::result::Result<Head, &'static str> {
    // The writer puts the two numbers first: read them there and skip the
    // rest (an `evicted` record may name thousands of applications; the
    // frame's checksum has already vouched for its bytes). Anything else
    // is decoded whole.
    if let Some(head) = head_prefix(payload) {
        return Ok(head);
    }
    serde_json::from_slice(payload).map_err(|_| "record unreadable")
}

/// `{"seq":N,"at":"…","apps":N,` at the start of a payload.
fn head_prefix(payload: &[u8]) -> Option<Head> {
    fn number(b: &[u8]) -> Option<(u64, &[u8])> {
        let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 19 {
            return None;
        }
        let n = std::str::from_utf8(&b[..digits]).ok()?.parse().ok()?;
        Some((n, &b[digits..]))
    }
    let (seq, rest) = number(payload.strip_prefix(b"{\"seq\":")?)?;
    let rest = rest.strip_prefix(b",\"at\":\"")?;
    let close = rest.iter().position(|&c| c == b'"' || c == b'\\')?;
    if rest[close] != b'"' {
        return None;
    }
    let (apps, rest) = number(rest[close + 1..].strip_prefix(b",\"apps\":")?)?;
    matches!(rest.first(), Some(b',' | b'}')).then_some(Head { seq, apps })
}

/// Reads the newest record (cheap at open: from HEAD, else the newest
/// segment that holds a record).
pub fn summary(dir: &Path) -> Result<Summary> {
    let names = segments(dir)?;
    if let Some(s) = summary_from_head(dir, &names) {
        return Ok(s);
    }
    let mut out = Summary::default();
    for (i, name) in names.iter().enumerate().rev() {
        let scan = scan_segment(dir, name)?;
        if i + 1 == names.len() {
            out.torn_tail = scan.torn_tail;
        } else if scan.torn_tail > 0 {
            out.damage.push(Damage {
                segment: name.clone(),
                offset: scan.good_end,
                skipped: scan.torn_tail,
                what: "bytes after the last frame of an older segment",
            });
        }
        out.damage.extend(scan.damage);
        if let Some(last) = scan.records.last() {
            out.last_seq = last.seq;
            out.applications = last.apps;
            break;
        }
    }
    Ok(out)
}

/// Every record from `after` on (exclusive), oldest first, reading
/// segments from the newest back only as far as needed.
/// A record with the name of the segment it is in.
pub type Placed = (String, Record);

/// Each comes with the name of its segment.
pub fn records_after(dir: &Path, after: u64) -> Result<(Vec<Placed>, Vec<Damage>)> {
    let names = segments(dir)?;
    let mut chunks = Vec::new();
    let mut damage = Vec::new();
    for name in names.iter().rev() {
        let scan = scan_segment(dir, name)?;
        damage.extend(scan.damage);
        let first = scan.records.first().map(|r| r.seq);
        chunks.push((name.clone(), scan.records));
        if first.is_some_and(|s| s <= after + 1) {
            break;
        }
    }
    let mut out: Vec<(String, Record)> = chunks
        .into_iter()
        .rev()
        .flat_map(|(n, rs)| rs.into_iter().map(move |r| (n.clone(), r)))
        .collect();
    out.retain(|(_, r)| r.seq > after);
    Ok((out, damage))
}

/// Calls `f` with every record of every segment, oldest first; damaged
/// frames are collected and skipped.
pub fn for_each(dir: &Path, mut f: impl FnMut(&str, &Record)) -> Result<Vec<Damage>> {
    let names = segments(dir)?;
    let mut damage = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let scan = scan_segment(dir, name)?;
        for r in &scan.records {
            f(name, r);
        }
        damage.extend(scan.damage);
        if scan.torn_tail > 0 && i + 1 < names.len() {
            damage.push(Damage {
                segment: name.clone(),
                offset: scan.good_end,
                skipped: scan.torn_tail,
                what: "bytes after the last frame of an older segment",
            });
        }
    }
    Ok(damage)
}

/// Creates a directory (and parents) as 0700.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
    if mode != 0o700 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// fsync of a directory, so a new file's name is durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// The appending side. One per store, behind the store's lock.
pub struct Journal {
    dir: PathBuf,
    /// The open segment and its name.
    current: Option<(String, File)>,
    next_seq: u64,
    /// Torn bytes to cut off before the first append.
    cut_tail: bool,
}

impl Journal {
    /// Prepares to append after `last_seq` (from [`summary`]).
    pub fn new(dir: &Path, last_seq: u64, torn_tail: u64) -> Journal {
        Journal {
            dir: dir.to_path_buf(),
            current: None,
            next_seq: last_seq + 1,
            cut_tail: torn_tail > 0,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The sequence number the next record will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    fn open_segment(&mut self, want: &str) -> Result<&mut File> {
        // Never write into an older month: a clock set back appends to
        // the newest segment.
        let newest = segments(&self.dir)?.pop();
        let name = match newest {
            Some(n) if n.as_str() > want => n,
            _ => want.to_string(),
        };
        if self.current.as_ref().is_none_or(|(n, _)| *n != name) {
            let f = self.create_or_open(&name)?;
            self.current = Some((name.clone(), f));
        }
        match self.current.as_mut() {
            Some((_, f)) => Ok(f),
            None => Err(io(&self.dir)(std::io::Error::other("no open segment"))),
        }
    }

    fn create_or_open(&mut self, name: &str) -> Result<File> {
        private_dir(&self.dir).map_err(io(&self.dir))?;
        let path = self.dir.join(name);
        let exists = path.exists();
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(io(&path))?;
        if !exists || f.metadata().map_err(io(&path))?.len() == 0 {
            f.write_all(SEGMENT_MAGIC).map_err(io(&path))?;
            f.sync_data().map_err(io(&path))?;
            sync_dir(&self.dir).map_err(io(&self.dir))?;
        } else if self.cut_tail {
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).map_err(io(&path))?;
            let scan = scan_bytes(name, &bytes);
            if scan.torn_tail > 0 {
                f.set_len(scan.good_end).map_err(io(&path))?;
                f.sync_data().map_err(io(&path))?;
                crate::log::warn(&format!(
                    "journal: cut a torn tail of {} bytes from {name}",
                    scan.torn_tail
                ));
            }
        }
        self.cut_tail = false;
        f.seek(SeekFrom::End(0)).map_err(io(&path))?;
        Ok(f)
    }

    /// Appends records (numbered here) and makes them durable with one
    /// fdatasync. `apps` is the count of applications after each record.
    /// Gives the records and the segment they went to.
    pub fn append(
        &mut self,
        at: chrono::DateTime<chrono::FixedOffset>,
        entries: Vec<(Entry, u64)>,
    ) -> Result<(Vec<Record>, String)> {
        let mut records = Vec::with_capacity(entries.len());
        let mut bytes = Vec::new();
        let mut last_start = 0u64;
        for (entry, apps) in entries {
            let rec = Record {
                seq: self.next_seq + records.len() as u64,
                at,
                apps,
                entry,
            };
            last_start = bytes.len() as u64;
            bytes.extend_from_slice(&encode_frame(&rec)?);
            records.push(rec);
        }
        if records.is_empty() {
            return Ok((records, String::new()));
        }
        let name = segment_name(&at);
        let dir = self.dir.clone();
        let f = self.open_segment(&name)?;
        let start = f.stream_position().unwrap_or(0);
        let failed = f.write_all(&bytes).and_then(|_| f.sync_data());
        if let Err(e) = failed {
            // The frame may be half written: cut it off before the next try.
            self.current = None;
            self.cut_tail = true;
            return Err(io(&dir)(e));
        }
        self.next_seq += records.len() as u64;
        let segment = self
            .current
            .as_ref()
            .map(|(n, _)| n.clone())
            .unwrap_or(name);
        if let Some(last) = records.last() {
            write_head(&self.dir, &segment, start + last_start, last.seq);
        }
        Ok((records, segment))
    }

    /// Forgets the open segment (it is about to be rewritten).
    pub fn close_segment(&mut self) {
        self.current = None;
    }
}

/// The per-month index of applications that left the working store
/// (docs/journal.md, "Index"): `journal/index/YYYY-MM.idx` for the month
/// of the application date, one line per journal record about it:
/// `NUMBER<TAB>KEY<TAB>SEQ<TAB>SEGMENT`. Derived data: `store repair`
/// writes it anew from the journal.
pub mod index {
    use std::collections::BTreeMap;
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    use std::path::{Path, PathBuf};

    /// Where one reference to a record is.
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
    pub struct Ref {
        pub seq: u64,
        pub segment: String,
    }

    pub fn dir(journal: &Path) -> PathBuf {
        journal.join("index")
    }

    /// `2026-11` from an application key `2026-11-28/000042`.
    pub fn month_of_key(key: &str) -> Option<&str> {
        key.get(..7)
    }

    /// Appends lines `(number, key, ref)` to their months' files, durably.
    pub fn append(journal: &Path, lines: &[(String, String, Ref)]) -> std::io::Result<()> {
        let d = dir(journal);
        super::private_dir(&d)?;
        let mut by_month: BTreeMap<&str, String> = BTreeMap::new();
        for (number, key, r) in lines {
            let Some(m) = month_of_key(key) else { continue };
            let line = by_month.entry(m).or_default();
            line.push_str(&format!("{number}\t{key}\t{}\t{}\n", r.seq, r.segment));
        }
        for (month, text) in by_month {
            let path = d.join(format!("{month}.idx"));
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .mode(0o600)
                .open(&path)?;
            f.write_all(text.as_bytes())?;
            f.sync_data()?;
        }
        super::sync_dir(&d)
    }

    /// Every application of `month` (`YYYY-MM`): key → (number, refs).
    pub fn month(journal: &Path, month: &str) -> BTreeMap<String, (String, Vec<Ref>)> {
        let mut out: BTreeMap<String, (String, Vec<Ref>)> = BTreeMap::new();
        let Ok(text) = std::fs::read_to_string(dir(journal).join(format!("{month}.idx"))) else {
            return out;
        };
        for line in text.lines() {
            let mut f = line.split('\t');
            let (Some(number), Some(key), Some(seq), Some(segment)) =
                (f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            let Ok(seq) = seq.parse() else { continue };
            let e = out
                .entry(key.to_string())
                .or_insert_with(|| (number.to_string(), Vec::new()));
            let r = Ref {
                seq,
                segment: segment.to_string(),
            };
            if !e.1.contains(&r) {
                e.1.push(r);
            }
        }
        for (_, refs) in out.values_mut() {
            refs.sort();
        }
        out
    }

    /// Months that have an index file, oldest first.
    pub fn months(journal: &Path) -> Vec<String> {
        months_with(journal, ".idx")
    }

    /// Months that have a file `YYYY-MM<suffix>` in the index, oldest first.
    fn months_with(journal: &Path, suffix: &str) -> Vec<String> {
        let mut out: Vec<String> = std::fs::read_dir(dir(journal))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let n = e.file_name().to_str()?.to_string();
                n.strip_suffix(suffix).map(str::to_string)
            })
            .collect();
        out.sort();
        out
    }

    /// Appends archived day counters to their months' `YYYY-MM.tally`
    /// files (`DATE<TAB>counters as JSON`, the last line of a day wins),
    /// durably.
    pub fn append_tally(
        journal: &Path,
        days: &BTreeMap<chrono::NaiveDate, crate::store::DayTally>,
    ) -> std::io::Result<()> {
        append_days(journal, TALLY, days)
    }

    /// The archived day counters of `month` (`YYYY-MM`); a line that
    /// does not parse is skipped (`store verify` reports the day).
    pub fn tally_month(
        journal: &Path,
        month: &str,
    ) -> BTreeMap<chrono::NaiveDate, crate::store::DayTally> {
        days_of_month(journal, month, TALLY)
    }

    /// Months that have archived day counters, oldest first.
    pub fn tally_months(journal: &Path) -> Vec<String> {
        months_with(journal, TALLY)
    }

    /// Appends archived counts of the office's answers by day to their
    /// months' `YYYY-MM.review` files (same lines as `.tally`), durably.
    pub fn append_review_days(
        journal: &Path,
        days: &BTreeMap<chrono::NaiveDate, crate::store::ReviewDay>,
    ) -> std::io::Result<()> {
        append_days(journal, REVIEW, days)
    }

    /// The archived answer counts of `month` (`YYYY-MM`).
    pub fn review_month(
        journal: &Path,
        month: &str,
    ) -> BTreeMap<chrono::NaiveDate, crate::store::ReviewDay> {
        days_of_month(journal, month, REVIEW)
    }

    /// Suffix of the archive of day counters.
    const TALLY: &str = ".tally";
    /// Suffix of the archive of answer counts by day.
    const REVIEW: &str = ".review";

    /// Appends `DATE<TAB>value as JSON` lines to each day's month file
    /// `YYYY-MM<suffix>`, durably (the file data, then the directory).
    fn append_days<T: serde::Serialize>(
        journal: &Path,
        suffix: &str,
        days: &BTreeMap<chrono::NaiveDate, T>,
    ) -> std::io::Result<()> {
        if days.is_empty() {
            return Ok(());
        }
        let d = dir(journal);
        super::private_dir(&d)?;
        let mut by_month: BTreeMap<String, String> = BTreeMap::new();
        for (day, t) in days {
            let json = serde_json::to_string(t).map_err(std::io::Error::other)?;
            let text = by_month.entry(day.format("%Y-%m").to_string()).or_default();
            text.push_str(&format!("{day}\t{json}\n"));
        }
        for (month, text) in by_month {
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .mode(0o600)
                .open(d.join(format!("{month}{suffix}")))?;
            f.write_all(text.as_bytes())?;
            f.sync_data()?;
        }
        super::sync_dir(&d)
    }

    /// The days of one month file `YYYY-MM<suffix>`, the last line of a
    /// day winning; a line that does not parse is skipped.
    fn days_of_month<T: serde::de::DeserializeOwned>(
        journal: &Path,
        month: &str,
        suffix: &str,
    ) -> BTreeMap<chrono::NaiveDate, T> {
        let mut out = BTreeMap::new();
        let Ok(text) = std::fs::read_to_string(dir(journal).join(format!("{month}{suffix}")))
        else {
            return out;
        };
        for line in text.lines() {
            let Some((day, json)) = line.split_once('\t') else {
                continue;
            };
            if let (Ok(day), Ok(t)) = (day.parse(), serde_json::from_str(json)) {
                out.insert(day, t);
            }
        }
        out
    }

    /// Removes every index file (before `store repair` writes them anew).
    pub fn clear(journal: &Path) -> std::io::Result<()> {
        match std::fs::remove_dir_all(dir(journal)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// Each entry with the count of applications on record after it, counting
/// on from `apps` (a finish adds one).
pub fn with_app_counts(mut apps: u64, entries: Vec<Entry>) -> Vec<(Entry, u64)> {
    entries
        .into_iter()
        .map(|e| {
            if matches!(e, Entry::Finish { .. }) {
                apps += 1;
            }
            (e, apps)
        })
        .collect()
}

/// The application keys a record is about (for the index).
pub fn keys_of(entry: &Entry) -> Vec<&str> {
    match entry {
        Entry::Finish { key, .. }
        | Entry::Void { key, .. }
        | Entry::Quarantined { key, .. }
        | Entry::Retried { key } => vec![key.as_str()],
        Entry::Acknowledged { items } => items.iter().map(|(k, _)| k.as_str()).collect(),
        Entry::Purged { items } => items.iter().map(|(k, _)| k.as_str()).collect(),
        Entry::Evicted { items, .. } => items.iter().map(|(k, _)| k.as_str()).collect(),
        Entry::VoidsAcknowledged { keys } => keys.iter().map(String::as_str).collect(),
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::AuditEntry;

    fn audit(n: u32) -> (Entry, u64) {
        let at =
            chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap_or_default();
        (
            Entry::Audit {
                audit: AuditEntry {
                    at,
                    who: "001".into(),
                    what: "login".into(),
                    detail: n.to_string(),
                },
            },
            0,
        )
    }

    fn journal_with(n: u32) -> (tempfile::TempDir, Journal) {
        let dir = tempfile::tempdir().expect("tmp");
        let mut j = Journal::new(dir.path(), 0, 0);
        let at =
            chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap_or_default();
        for i in 0..n {
            j.append(at, vec![audit(i)]).expect("append");
        }
        (dir, j)
    }

    #[test]
    fn the_head_of_a_record_is_read_from_its_start_or_else_decoded_whole() {
        let at =
            chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap_or_default();
        let rec = Record {
            seq: 41,
            at,
            apps: 1_000_000,
            entry: audit(3).0,
        };
        let bytes = serde_json::to_vec(&rec).expect("json");
        let fast = head_prefix(&bytes).expect("the writer's order");
        assert_eq!((fast.seq, fast.apps), (41, 1_000_000));
        // Another order, or something unexpected, goes to the decoder.
        let other = br#"{"apps":3,"seq":9,"at":"x","kind":"audit"}"#;
        assert!(head_prefix(other).is_none());
        let h = head_of(other).expect("decoded");
        assert_eq!((h.seq, h.apps), (9, 3));
        assert!(head_prefix(br#"{"seq":9,"at":"a\"b","apps":3,"#).is_none());
        assert!(head_prefix(br#"{"seq":,"at":"a","apps":3,"#).is_none());
        assert!(head_of(br#"{"seq":9,"at":"a""#).is_err());
    }

    #[test]
    fn a_filtered_scan_decodes_only_what_is_wanted_and_still_reports_damage() {
        let (dir, _j) = journal_with(6);
        let want = |s: u64| s == 2 || s == 5;
        let scan = scan_segment_where(dir.path(), "2026-11.jnl", &want).expect("scan");
        let seqs: Vec<u64> = scan.records.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, vec![2, 5]);
        assert!(scan.damage.is_empty());
        let all = scan_segment(dir.path(), "2026-11.jnl").expect("all");
        assert_eq!(scan.good_end, all.good_end);
        for r in &all.records {
            assert_eq!(peek_seq(&serde_json::to_vec(r).expect("enc")), Some(r.seq));
        }
        // A flipped byte in an unwanted frame (the third) is still damage.
        let seg = dir.path().join("2026-11.jnl");
        let mut bytes = std::fs::read(&seg).expect("read");
        let frame = encode_frame(&all.records[0]).expect("enc").len();
        let third = SEGMENT_MAGIC.len() + 2 * frame;
        bytes[third + FRAME_HEADER + 12] ^= 0x40;
        std::fs::write(&seg, &bytes).expect("write");
        let scan = scan_segment_where(dir.path(), "2026-11.jnl", &want).expect("scan");
        assert_eq!(scan.damage.len(), 1);
        assert_eq!(scan.damage[0].offset, third as u64);
        let seqs: Vec<u64> = scan.records.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, vec![2, 5]);
    }

    #[test]
    fn head_is_only_a_hint() {
        let (dir, _j) = journal_with(5);
        assert_eq!(summary(dir.path()).expect("s").last_seq, 5);
        // Torn, garbage, stale (pointing at an older frame) or missing: the
        // newest record is still found.
        for head in [
            "2026-11.jnl 8 1",
            "garbage",
            "2026-11.jnl 3 2",
            "2026-10.jnl 8 1",
        ] {
            std::fs::write(dir.path().join(HEAD), head).expect("write");
            assert_eq!(summary(dir.path()).expect("s").last_seq, 5, "{head}");
        }
        std::fs::remove_file(dir.path().join(HEAD)).expect("rm");
        assert_eq!(summary(dir.path()).expect("s").last_seq, 5);
    }

    #[test]
    fn a_torn_tail_is_not_damage_and_a_bad_middle_frame_is() {
        let (dir, _j) = journal_with(4);
        let seg = dir.path().join("2026-11.jnl");
        let mut bytes = std::fs::read(&seg).expect("read");
        let whole = bytes.len();
        bytes.extend_from_slice(&FRAME_MARK);
        bytes.extend_from_slice(&[200, 0, 0, 0, 1, 2]);
        std::fs::write(&seg, &bytes).expect("write");
        let scan = scan_segment(dir.path(), "2026-11.jnl").expect("scan");
        assert_eq!(scan.records.len(), 4);
        assert!(scan.damage.is_empty());
        assert_eq!(scan.torn_tail, (bytes.len() - whole) as u64);
        // The next append cuts the torn bytes first.
        let mut j2 = Journal::new(dir.path(), 4, scan.torn_tail);
        let at =
            chrono::DateTime::parse_from_rfc3339("2026-11-28T10:00:00+08:00").unwrap_or_default();
        j2.append(at, vec![audit(9)]).expect("append");
        let scan = scan_segment(dir.path(), "2026-11.jnl").expect("scan");
        assert_eq!(scan.records.len(), 5);
        assert_eq!(scan.torn_tail, 0);
        // A flipped byte inside the second frame: reported, the rest read.
        let mut bytes = std::fs::read(&seg).expect("read");
        let second = SEGMENT_MAGIC.len() + encode_frame(&scan.records[0]).expect("enc").len();
        bytes[second + FRAME_HEADER + 3] ^= 0x40;
        std::fs::write(&seg, &bytes).expect("write");
        let scan = scan_segment(dir.path(), "2026-11.jnl").expect("scan");
        assert_eq!(scan.records.len(), 4);
        assert_eq!(scan.damage.len(), 1);
        assert_eq!(scan.damage[0].offset, second as u64);
        assert_eq!(scan.damage[0].segment, "2026-11.jnl");
    }
}
