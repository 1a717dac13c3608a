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
//!
//! Then what the terminal already has is not sent again. The writer knows,
//! from what it wrote, where the cursor is and whether it is shown:
//! - a cursor move (`CSI r;c H`) to where the cursor already stands is
//!   dropped. After a move, printable ASCII advances the column by one;
//!   anything else (a wide or non-ASCII character, a control) makes the
//!   position unknown until the next move;
//! - showing (`CSI ?25h`) or hiding (`CSI ?25l`) a cursor that already is
//!   so is dropped;
//! - any other sequence (a clear on resize, the alternate screen) forgets
//!   both.
//!
//! A typed letter then costs its SGR, itself and a reset: ratatui moves to
//! the cell the cursor is on, writes the letter, shows the cursor again and
//! moves it one to the right, where the letter left it.
//! (A move past the last column is never dropped wrongly: ratatui moves
//! only within the screen, and the tracked column passes the last one only
//! when the terminal's cursor waits at the edge.)

use std::io::{self, Write};

/// Buffers a frame and writes it compacted on `flush`.
pub struct CompactWriter<W: Write> {
    inner: W,
    buf: Vec<u8>,
    known: Known,
}

impl<W: Write> CompactWriter<W> {
    pub fn new(inner: W) -> CompactWriter<W> {
        CompactWriter {
            inner,
            buf: Vec::with_capacity(16 * 1024),
            known: Known::default(),
        }
    }
}

/// What the terminal has, as far as this writer knows (between frames too).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    /// The cursor's row and column, 1-based.
    pub pos: Option<(u16, u16)>,
    pub shown: Option<bool>,
}

/// Drops cursor moves and cursor shows/hides that change nothing (see the
/// module's notes); `known` is carried from frame to frame.
pub fn elide(b: &[u8], known: &mut Known) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == 0x1b && b.get(i + 1) == Some(&b'[') {
            // A CSI sequence: parameters, then a final byte 0x40..=0x7e.
            let Some(end) = b[i + 2..]
                .iter()
                .position(|x| (0x40..=0x7e).contains(x))
                .map(|p| i + 2 + p)
            else {
                out.extend_from_slice(&b[i..]);
                *known = Known::default();
                break;
            };
            let seq = &b[i..=end];
            let params = &b[i + 2..end];
            match b[end] {
                b'm' => out.extend_from_slice(seq),
                b'H' if params.iter().all(|x| x.is_ascii_digit() || *x == b';') => {
                    let mut it = params.split(|x| *x == b';').map(|p| {
                        std::str::from_utf8(p)
                            .ok()
                            .and_then(|t| t.parse::<u16>().ok())
                            .unwrap_or(1)
                            .max(1)
                    });
                    let target = (it.next().unwrap_or(1), it.next().unwrap_or(1));
                    if known.pos != Some(target) {
                        out.extend_from_slice(seq);
                    }
                    known.pos = Some(target);
                }
                b'h' | b'l' if params == b"?25" => {
                    let show = b[end] == b'h';
                    if known.shown != Some(show) {
                        out.extend_from_slice(seq);
                    }
                    known.shown = Some(show);
                }
                _ => {
                    out.extend_from_slice(seq);
                    *known = Known::default();
                }
            }
            i = end + 1;
            continue;
        }
        out.push(c);
        if c == 0x1b {
            *known = Known::default();
        } else if (0x20..0x7f).contains(&c) {
            known.pos = known.pos.map(|(r, col)| (r, col.saturating_add(1)));
        } else {
            known.pos = None;
        }
        i += 1;
    }
    out
}

impl<W: Write> Write for CompactWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            let out = elide(&compact(&self.buf), &mut self.known);
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
    fn a_typed_letter_costs_its_colour_itself_and_a_reset() {
        let mut w = CompactWriter::new(Vec::new());
        // The frame that puts the cursor in the field.
        w.write_all(b"\x1b[4;43Hab\x1b[0m\x1b[?25h\x1b[4;45H")
            .expect("write");
        w.flush().expect("flush");
        let first = w.inner.len();
        // The next key, as ratatui writes it.
        w.write_all(b"\x1b[4;45H\x1b[7mc\x1b[0m\x1b[?25h\x1b[4;46H")
            .expect("write");
        w.flush().expect("flush");
        assert_eq!(&w.inner[first..], b"\x1b[7mc\x1b[0m");
    }

    #[test]
    fn moves_are_kept_where_the_position_is_not_known() {
        let mut k = Known::default();
        // The first move and a show are always sent.
        assert_eq!(
            elide(b"\x1b[2;3Hx\x1b[?25h", &mut k),
            b"\x1b[2;3Hx\x1b[?25h".to_vec()
        );
        assert_eq!(k.pos, Some((2, 4)));
        // A wide character: its width is the terminal's business.
        // Already at 2;4: that move goes. After a wide character the
        // column is the terminal's business: the next move stays.
        let wide = "\x1b[2;4H张\x1b[2;6H".as_bytes();
        assert_eq!(elide(wide, &mut k), "张\x1b[2;6H".as_bytes().to_vec());
        // A clear (a resize) forgets everything.
        let mut k = Known {
            pos: Some((1, 1)),
            shown: Some(true),
        };
        assert_eq!(
            elide(b"\x1b[2J\x1b[1;1H\x1b[?25h", &mut k),
            b"\x1b[2J\x1b[1;1H\x1b[?25h".to_vec()
        );
        // Hiding a shown cursor is sent; hiding it again is not.
        assert_eq!(elide(b"\x1b[?25l\x1b[?25l", &mut k), b"\x1b[?25l".to_vec());
        // A newline or carriage return: the position is unknown.
        let mut k = Known::default();
        assert_eq!(
            elide(b"\x1b[1;1Ha\r\x1b[1;2H", &mut k),
            b"\x1b[1;1Ha\r\x1b[1;2H".to_vec()
        );
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
