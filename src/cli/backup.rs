//! `jingyou backup --to DIR` and `jingyou restore --from DIR`
//! (docs/journal.md, "Backup").
//!
//! A backup is a folder `DIR/jingyou-backup/` holding `journal/` (the
//! segments, copied incrementally: a segment only grows, so only its new
//! bytes are appended), `drafts.json` (every draft as autosaved, since the
//! journal holds drafts only as parked), `attachments/` (kept photos and
//! scans, copied once) and `manifest.json` (when, which branch, each
//! segment's length and SHA-256), written last.

use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Ctx, Globals, EXIT_FAILURE};
use crate::control::Output;
use crate::i18n::fmt;
use crate::journal;
use crate::mask::escape_controls;
use crate::store::{Draft, Store};

pub const FOLDER: &str = "jingyou-backup";

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub taken_at: String,
    pub branch: Option<String>,
    pub segments: Vec<SegmentFact>,
    pub drafts: usize,
    pub attachments: usize,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SegmentFact {
    pub name: String,
    pub len: u64,
    pub sha256: String,
}

fn sha256_file(p: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(p)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(format!("{:x}", h.finalize()))
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// Copies the bytes of `src` that `dst` lacks (segments only grow); a
/// `dst` that is not a prefix of `src` is copied anew. Returns bytes copied.
fn copy_growing(src: &Path, dst: &Path) -> std::io::Result<u64> {
    let src_len = std::fs::metadata(src)?.len();
    let dst_len = std::fs::metadata(dst).map(|m| m.len()).unwrap_or(0);
    let prefix_ok = dst_len <= src_len && dst_len > 0 && {
        let mut a = vec![0u8; dst_len.min(4096) as usize];
        let mut b = vec![0u8; a.len()];
        let mut fs = std::fs::File::open(src)?;
        let mut fd = std::fs::File::open(dst)?;
        let at = dst_len - a.len() as u64;
        fs.seek(SeekFrom::Start(at))?;
        fd.seek(SeekFrom::Start(at))?;
        fs.read_exact(&mut a)?;
        fd.read_exact(&mut b)?;
        a == b
    };
    let start = if prefix_ok { dst_len } else { 0 };
    let mut input = std::fs::File::open(src)?;
    input.seek(SeekFrom::Start(start))?;
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(!prefix_ok)
        .mode(0o600)
        .open(dst)?;
    out.seek(SeekFrom::Start(start))?;
    let copied = std::io::copy(&mut input.take(src_len - start), &mut out)?;
    out.sync_all()?;
    Ok(copied)
}

fn copy_tree_once(src: &Path, dst: &Path, count: &mut usize) -> std::io::Result<()> {
    let rd = match std::fs::read_dir(src) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    journal::private_dir(dst)?;
    for ent in rd {
        let ent = ent?;
        let to = dst.join(ent.file_name());
        let kind = ent.file_type()?;
        if kind.is_dir() {
            copy_tree_once(&ent.path(), &to, count)?;
        } else if kind.is_file() {
            *count += 1;
            if !to.exists() {
                copy_growing(&ent.path(), &to)?;
            }
        }
    }
    Ok(())
}

/// Where the backup folder is for a `--to`/`--from` argument.
fn folder(dir: &Path) -> PathBuf {
    if dir.file_name().is_some_and(|n| n == FOLDER) {
        dir.to_path_buf()
    } else {
        dir.join(FOLDER)
    }
}

fn take(ctx: &Ctx, to: &Path) -> std::io::Result<(Manifest, u64)> {
    let root = folder(to);
    journal::private_dir(&root)?;
    let jdst = root.join("journal");
    journal::private_dir(&jdst)?;
    let jsrc = ctx.store.journal_dir();
    let mut copied = 0;
    let mut segments = Vec::new();
    for name in journal::segments(jsrc).map_err(std::io::Error::other)? {
        let dst = jdst.join(&name);
        copied += copy_growing(&jsrc.join(&name), &dst)?;
        segments.push(SegmentFact {
            len: std::fs::metadata(&dst)?.len(),
            sha256: sha256_file(&dst)?,
            name,
        });
    }
    journal::sync_dir(&jdst)?;
    let drafts = ctx.store.drafts().map_err(std::io::Error::other)?;
    write_private(
        &root.join("drafts.json"),
        &serde_json::to_vec(&drafts).map_err(std::io::Error::other)?,
    )?;
    let mut attachments = 0;
    let base = if ctx.training {
        ctx.data_dir.join("training")
    } else {
        ctx.data_dir.to_path_buf()
    };
    copy_tree_once(
        &base.join("attachments"),
        &root.join("attachments"),
        &mut attachments,
    )?;
    let manifest = Manifest {
        taken_at: ctx.clock.now().to_rfc3339(),
        branch: ctx.store.branch().ok().flatten().map(|b| b.code),
        segments,
        drafts: drafts.len(),
        attachments,
    };
    write_private(
        &root.join("manifest.json"),
        &serde_json::to_vec_pretty(&manifest).map_err(std::io::Error::other)?,
    )?;
    journal::sync_dir(&root)?;
    Ok((manifest, copied))
}

/// `backup --to DIR` (here or in the running app).
pub fn run(ctx: &Ctx, to: &Path) -> Output {
    let lang = ctx.lang;
    match take(ctx, to) {
        Ok((m, copied)) => {
            if let Err(e) = ctx.store.set_last_backup(ctx.clock.now()) {
                return Output::fail(EXIT_FAILURE, e.message(lang));
            }
            let who = "support";
            if let Err(e) = ctx.store.audit(ctx.clock.now(), who, "backup", "") {
                return Output::fail(EXIT_FAILURE, e.message(lang));
            }
            Output::ok(format!(
                "{}\n",
                fmt(
                    lang,
                    "backup.done",
                    &[
                        ("path", &escape_controls(&folder(to).display().to_string())),
                        ("segments", &m.segments.len()),
                        ("bytes", &copied),
                        ("drafts", &m.drafts),
                        ("attachments", &m.attachments),
                    ],
                )
            ))
        }
        Err(e) => Output::fail(
            EXIT_FAILURE,
            fmt(
                lang,
                "backup.failed",
                &[
                    ("path", &escape_controls(&to.display().to_string())),
                    ("error", &e),
                ],
            ),
        ),
    }
}

/// `restore --from DIR`: a new data dir from a backup. Refuses to write
/// over a data dir that already has a store or a journal.
pub fn restore(g: &Globals, from: &Path) -> ExitCode {
    let lang = g.lang;
    let root = folder(from);
    let fail = |msg: String| {
        eprintln!("{}", escape_controls(&msg));
        ExitCode::from(EXIT_FAILURE)
    };
    let store_dir = g.store_dir();
    let journal_dir = store_dir
        .parent()
        .map(|p| p.join("journal"))
        .unwrap_or_else(|| PathBuf::from("journal"));
    let manifest: Manifest = match std::fs::read(root.join("manifest.json"))
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(m) => m,
        Err(e) => {
            return fail(fmt(
                lang,
                "restore.no_backup",
                &[("path", &root.display()), ("error", &e)],
            ))
        }
    };
    let occupied = store_dir.join("db").exists()
        || journal::segments(&journal_dir)
            .map(|s| !s.is_empty())
            .unwrap_or(false);
    if occupied {
        return fail(fmt(
            lang,
            "restore.occupied",
            &[("path", &g.data_dir.display())],
        ));
    }
    let copy = || -> std::io::Result<()> {
        journal::private_dir(&journal_dir)?;
        for s in &manifest.segments {
            let src = root.join("journal").join(&s.name);
            if sha256_file(&src)? != s.sha256 {
                return Err(std::io::Error::other(format!(
                    "{}: checksum differs from the manifest",
                    s.name
                )));
            }
            copy_growing(&src, &journal_dir.join(&s.name))?;
        }
        journal::sync_dir(&journal_dir)?;
        let base = store_dir
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut n = 0;
        copy_tree_once(&root.join("attachments"), &base.join("attachments"), &mut n)
    };
    if let Err(e) = copy() {
        return fail(fmt(
            lang,
            "restore.failed",
            &[("path", &root.display()), ("error", &e)],
        ));
    }
    let report = match Store::repair(&store_dir, g.config.store.cache_mib) {
        Ok(r) => r,
        Err(e) => return fail(e.message(lang)),
    };
    // Drafts as last autosaved (newer than their park, or never parked).
    let mut drafts_restored = 0;
    if let Ok(bytes) = std::fs::read(root.join("drafts.json")) {
        if let Ok(drafts) = serde_json::from_slice::<Vec<Draft>>(&bytes) {
            match Store::open(&store_dir, g.config.store.cache_mib) {
                Ok(store) => {
                    for d in &drafts {
                        let newer = match store.draft(&d.number) {
                            Ok(Some(have)) => d.updated > have.updated,
                            Ok(None) => true,
                            Err(_) => false,
                        };
                        if newer && store.save_draft(d).is_ok() {
                            drafts_restored += 1;
                        }
                    }
                    if let Err(e) = store.flush() {
                        return fail(e.message(lang));
                    }
                }
                Err(e) => return fail(e.message(lang)),
            }
        }
    }
    println!(
        "{}",
        fmt(
            lang,
            "restore.done",
            &[
                ("path", &g.data_dir.display()),
                ("taken", &manifest.taken_at),
                ("apps", &report.applications),
                ("records", &report.journal_records),
                ("drafts", &drafts_restored),
            ],
        )
    );
    if report.verify.whole() {
        ExitCode::SUCCESS
    } else {
        fail(fmt(lang, "store.repair_incomplete", &[]))
    }
}
