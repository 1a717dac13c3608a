//! Fewer bytes to the terminal: a writer between ratatui's crossterm backend
//! and stdout that rewrites each frame's colour sequences before it leaves.
//!
//! crossterm writes every named colour as a 256-colour SGR (`38;5;N`),
//! resets the underline colour that we never set (`59m`) and emits one SGR
//! per attribute. Over SSH on a 64 kbit/s link every byte of a keystroke's
//! echo counts, and the Linux console understands the 16-colour forms
//! better. So, per flush:
//! - `38;5;N` / `48;5;N` with N < 16 become `3N`/`9N` and `4N`/`10N`;
//! - `59` (reset underline colour) is dropped;
//! - back-to-back SGR sequences are merged into one, and a merged sequence
//!   that ends in a full reset keeps only what follows the last reset.
//!
//! Anything that is not a plain SGR is passed through untouched.

use std::io::{self, Write};

/// Buffers a frame and writes it compacted on `flush`.
pub struct CompactWriter<W: Write> {
    inner: W,
    buf: Vec<u8>,
}

impl<W: Write> CompactWriter<W> {
    pub fn new(inner: W) -> CompactWriter<W> {
        CompactWriter {
            inner,
            buf: Vec::with_capacity(16 * 1024),
        }
    }
}

impl<W: Write> Write for CompactWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            let out = compact(&self.buf);
            self.buf.clear();
            self.inner.write_all(&out)?;
        }
        self.inner.flush()
    }
}

/// Parses an SGR sequence starting at `i` (`ESC [ params m`); returns its
/// parameters and the index after it.
fn sgr_at(b: &[u8], i: usize) -> Option<(Vec<u16>, usize)> {
    if b.get(i) != Some(&0x1b) || b.get(i + 1) != Some(&b'[') {
        return None;
    }
    let mut j = i + 2;
    let mut params = Vec::new();
    let mut cur: Option<u16> = None;
    while let Some(&c) = b.get(j) {
        match c {
            b'0'..=b'9' => {
                cur = Some(
                    cur.unwrap_or(0)
                        .checked_mul(10)?
                        .checked_add(u16::from(c - b'0'))?,
                );
            }
            b';' => {
                params.push(cur.take().unwrap_or(0));
            }
            b'm' => {
                params.push(cur.take().unwrap_or(0));
                return Some((params, j + 1));
            }
            _ => return None,
        }
        j += 1;
    }
    None
}

/// Rewrites one SGR's parameters into shorter equivalents.
fn shorten(params: &[u16], out: &mut Vec<u16>) {
    let mut k = 0;
    while k < params.len() {
        let p = params[k];
        if (p == 38 || p == 48) && params.get(k + 1) == Some(&5) {
            if let Some(&n) = params.get(k + 2) {
                let base = if p == 38 { 30 } else { 40 };
                if n < 8 {
                    out.push(base + n);
                } else if n < 16 {
                    out.push(base + 60 + (n - 8));
                } else {
                    out.extend_from_slice(&[p, 5, n]);
                }
                k += 3;
                continue;
            }
        }
        if (p == 38 || p == 48) && params.get(k + 1) == Some(&2) {
            // RGB: keep as is (five parameters)
            let end = (k + 5).min(params.len());
            out.extend_from_slice(&params[k..end]);
            k = end;
            continue;
        }
        if p != 59 {
            out.push(p);
        }
        k += 1;
    }
}

/// Compacts the SGR sequences of a frame.
pub fn compact(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if let Some((first, mut next)) = sgr_at(b, i) {
            // Gather a run of back-to-back SGRs.
            let mut params = Vec::new();
            shorten(&first, &mut params);
            while let Some((more, after)) = sgr_at(b, next) {
                shorten(&more, &mut params);
                next = after;
            }
            // Everything before the last full reset is overridden by it.
            if let Some(pos) = params.iter().rposition(|p| *p == 0) {
                params.drain(..pos);
            }
            if !params.is_empty() {
                out.extend_from_slice(b"\x1b[");
                let text: Vec<String> = params.iter().map(u16::to_string).collect();
                out.extend_from_slice(text.join(";").as_bytes());
                out.push(b'm');
            }
            i = next;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_colours_become_16_colour_sgr_and_runs_merge() {
        let input = b"\x1b[10;5H\x1b[38;5;0m\x1b[48;5;6mA\x1b[39m\x1b[49m\x1b[59m\x1b[0m\x1b[?25h";
        let out = compact(input);
        assert_eq!(out, b"\x1b[10;5H\x1b[30;46mA\x1b[0m\x1b[?25h".to_vec());
        assert!(out.len() < input.len());
    }

    #[test]
    fn bright_and_256_and_rgb_colours_keep_their_meaning() {
        assert_eq!(compact(b"\x1b[38;5;9m"), b"\x1b[91m".to_vec());
        assert_eq!(compact(b"\x1b[48;5;15m"), b"\x1b[107m".to_vec());
        assert_eq!(compact(b"\x1b[38;5;208m"), b"\x1b[38;5;208m".to_vec());
        assert_eq!(compact(b"\x1b[38;2;1;2;3m"), b"\x1b[38;2;1;2;3m".to_vec());
    }

    #[test]
    fn other_sequences_and_text_pass_through() {
        let input = "张三\x1b[2J\x1b[?1049h\x1b[1;1Habc\x1b[m".as_bytes();
        // `ESC [ m` is a reset with no parameter: kept as `0`.
        assert_eq!(
            compact(input),
            "张三\x1b[2J\x1b[?1049h\x1b[1;1Habc\x1b[0m"
                .as_bytes()
                .to_vec()
        );
        // A broken sequence is left alone.
        assert_eq!(compact(b"\x1b[38;5"), b"\x1b[38;5".to_vec());
    }

    #[test]
    fn the_writer_compacts_on_flush() {
        let mut w = CompactWriter::new(Vec::new());
        w.write_all(b"\x1b[38;5;1m").expect("write");
        w.write_all(b"x\x1b[0m").expect("write");
        w.flush().expect("flush");
        assert_eq!(w.inner, b"\x1b[31mx\x1b[0m".to_vec());
    }
}
