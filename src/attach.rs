//! Photos and scans: checked (size, type by content), copied into the data
//! dir so the draft survives the original being moved, and kept there
//! until the hub acknowledges the application (then the retention purge
//! removes them).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::i18n::{fmt, tr, Lang};
use crate::store::AttachedFile;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AttachError {
    #[error("no such file: {0}")]
    NotFound(String),
    #[error("not a regular file: {0}")]
    NotAFile(String),
    #[error("file is empty")]
    Empty,
    #[error("file too large: {size} bytes (max {max})")]
    TooBig { size: u64, max: u64 },
    #[error("not a JPEG, PNG or PDF file")]
    WrongType,
    #[error("{0}")]
    Io(String),
}

impl AttachError {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            AttachError::NotFound(p) => fmt(lang, "attach.not_found", &[("path", p)]),
            AttachError::NotAFile(p) => fmt(lang, "attach.not_a_file", &[("path", p)]),
            AttachError::Empty => tr(lang, "attach.empty").to_string(),
            AttachError::TooBig { size, max } => fmt(
                lang,
                "attach.too_big",
                &[("size", &(size / 1024)), ("max", &(max / 1024))],
            ),
            AttachError::WrongType => tr(lang, "attach.wrong_type").to_string(),
            AttachError::Io(e) => fmt(lang, "attach.io", &[("error", e)]),
        }
    }
}

/// The type of a file by its first bytes: JPEG, PNG or PDF only.
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if head.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if head.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// Where a draft's files are kept, relative to the data dir.
pub fn draft_dir(draft_id: &str) -> PathBuf {
    PathBuf::from("attachments").join(draft_id)
}

/// Checks `src` and copies it under the data dir; the copy is flushed to
/// disk before this returns.
pub fn keep(
    src: &Path,
    data_dir: &Path,
    draft_id: &str,
    max_bytes: u64,
) -> Result<AttachedFile, AttachError> {
    let shown = src.display().to_string();
    let meta = std::fs::metadata(src).map_err(|_| AttachError::NotFound(shown.clone()))?;
    if !meta.is_file() {
        return Err(AttachError::NotAFile(shown));
    }
    let size = meta.len();
    if size == 0 {
        return Err(AttachError::Empty);
    }
    if size > max_bytes {
        return Err(AttachError::TooBig {
            size,
            max: max_bytes,
        });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    std::fs::File::open(src)
        .and_then(|f| f.take(max_bytes + 1).read_to_end(&mut bytes))
        .map_err(|e| AttachError::Io(e.to_string()))?;
    if bytes.len() as u64 > max_bytes {
        return Err(AttachError::TooBig {
            size: bytes.len() as u64,
            max: max_bytes,
        });
    }
    let mime = sniff(&bytes).ok_or(AttachError::WrongType)?;
    let sha = hex(&Sha256::digest(&bytes));
    let name: String = src
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into())
        .chars()
        .filter(|c| !c.is_control() && *c != '/' && *c != '\\')
        .take(80)
        .collect();
    let rel = draft_dir(draft_id).join(format!("{}-{name}", &sha[..8]));
    let dest = data_dir.join(&rel);
    let io = |e: std::io::Error| AttachError::Io(e.to_string());
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let tmp = dest.with_extension("part");
    {
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(&bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, &dest).map_err(io)?;
    Ok(AttachedFile {
        name,
        path: rel.to_string_lossy().into_owned(),
        sha256: sha,
        size: bytes.len() as u64,
        mime: mime.to_string(),
    })
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Files in the inbox folder, newest first (at most 50).
pub fn inbox_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = rd
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let m = e.metadata().ok()?;
            m.is_file()
                .then(|| (m.modified().unwrap_or(std::time::UNIX_EPOCH), e.path()))
        })
        .collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    files.into_iter().take(50).map(|(_, p)| p).collect()
}

/// Deletes a discarded draft's kept files.
pub fn remove_draft_files(data_dir: &Path, draft_id: &str) {
    let _ = std::fs::remove_dir_all(data_dir.join(draft_dir(draft_id)));
}

#[cfg(test)]
mod tests {
    use super::*;

    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F'];

    #[test]
    fn files_are_checked_by_size_and_content_then_kept() {
        let dir = tempfile::tempdir().expect("tmp");
        let data = dir.path().join("data");
        let photo = dir.path().join("photo.jpg");
        std::fs::write(&photo, JPEG).expect("write");
        let kept = keep(&photo, &data, "d1", 1024).expect("kept");
        assert_eq!(kept.mime, "image/jpeg");
        assert_eq!(kept.size, JPEG.len() as u64);
        assert_eq!(std::fs::read(data.join(&kept.path)).expect("copy"), JPEG);
        assert!(kept.path.starts_with("attachments/d1/"));
        // The original can go; the copy stays.
        std::fs::remove_file(&photo).expect("rm");
        assert!(data.join(&kept.path).exists());

        let fake = dir.path().join("fake.jpg");
        std::fs::write(&fake, b"MZ\x90\x00 not a photo").expect("write");
        assert_eq!(keep(&fake, &data, "d1", 1024), Err(AttachError::WrongType));
        let big = dir.path().join("big.pdf");
        let mut b = b"%PDF-1.4\n".to_vec();
        b.resize(4096, b'x');
        std::fs::write(&big, &b).expect("write");
        assert!(matches!(
            keep(&big, &data, "d1", 1024),
            Err(AttachError::TooBig { .. })
        ));
        let empty = dir.path().join("empty.png");
        std::fs::write(&empty, b"").expect("write");
        assert_eq!(keep(&empty, &data, "d1", 1024), Err(AttachError::Empty));
        assert!(matches!(
            keep(&dir.path().join("none"), &data, "d1", 1024),
            Err(AttachError::NotFound(_))
        ));
        assert!(matches!(
            keep(dir.path(), &data, "d1", 1024),
            Err(AttachError::NotAFile(_))
        ));
        remove_draft_files(&data, "d1");
        assert!(!data.join("attachments/d1").exists());
    }
}
