//! Normalising what a clerk typed or pasted, before any check.
//!
//! Full-width ASCII (U+FF01..U+FF5E) becomes half-width, the ideographic
//! space U+3000 and the ASCII space, tab and no-break space are removed, the
//! middle dots `·` (U+00B7), `・` (U+30FB), `･` (U+FF65) and the bullet `•`
//! (U+2022) are removed, ASCII letters become upper case. Everything else
//! (CJK, control characters, other punctuation) is kept as is, so that the
//! checks can point at it.

/// The longest input, in characters after normalising, that is checked at all.
pub const MAX_LEN: usize = 64;

/// Maps one input character to its normal form, or `None` when it is dropped.
fn map_char(c: char) -> Option<char> {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    match c {
        ' ' | '\t' | '\u{00A0}' | '\u{3000}' | '\u{00B7}' | '\u{30FB}' | '\u{FF65}'
        | '\u{2022}' => None,
        _ => Some(c.to_ascii_uppercase()),
    }
}

/// The normal form of `input` (see the module documentation).
pub fn normalize(input: &str) -> String {
    input.chars().filter_map(map_char).collect()
}

/// Normalises in one pass but keeps at most `max` characters: `Ok` with the
/// characters, or `Err(total)` with the normalised length when it is longer.
/// A 1 MB paste costs one scan and no large allocation.
pub(crate) fn normalize_bounded(input: &str, max: usize) -> Result<Vec<char>, usize> {
    let mut out = Vec::with_capacity(max.min(input.len()));
    let mut total = 0usize;
    for c in input.chars().filter_map(map_char) {
        total += 1;
        if total <= max {
            out.push(c);
        }
    }
    if total > max {
        Err(total)
    } else {
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_digits_and_letters_become_half_width_upper_case() {
        assert_eq!(normalize("１１０１０５ｘ"), "110105X");
        assert_eq!(normalize("ｌｓｊａ"), "LSJA");
        assert_eq!(normalize("\u{3000}京Ａ·１２３４５ "), "京A12345");
    }

    #[test]
    fn spaces_tabs_and_dots_are_removed_cjk_kept() {
        assert_eq!(normalize(" 粤 B\t12・3•4５ "), "粤B12345");
        assert_eq!(normalize("1101 0519 4912 3100 2x"), "11010519491231002X");
    }

    #[test]
    fn control_characters_are_kept_for_the_checks() {
        assert_eq!(normalize("12\n3"), "12\n3");
    }

    #[test]
    fn bounded_normalising_reports_the_full_length() {
        let long = "１".repeat(100);
        assert_eq!(normalize_bounded(&long, MAX_LEN), Err(100));
        assert_eq!(normalize_bounded(" a b ", MAX_LEN), Ok(vec!['A', 'B']));
    }
}
