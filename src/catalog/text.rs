//! Plain-text helpers that count terminal columns (CJK characters take two).

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Display width of `s` in terminal columns.
pub fn display_width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

fn char_width(c: char) -> usize {
    UnicodeWidthChar::width(c).unwrap_or(0)
}

/// Fen as yuan with two decimals, e.g. `10000` → `100.00`.
pub fn yuan(fen: u64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// `s` padded with spaces to `width` columns (cut with `…` when wider).
pub(crate) fn pad(s: &str, width: usize) -> String {
    let mut out = truncate(s, width);
    let w = display_width(&out);
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    out
}

/// `s` right-aligned in `width` columns.
pub(crate) fn pad_left(s: &str, width: usize) -> String {
    let s = truncate(s, width);
    let w = display_width(&s);
    let mut out: String = std::iter::repeat_n(' ', width.saturating_sub(w)).collect();
    out.push_str(&s);
    out
}

/// `s` cut to at most `width` columns, ending in `…` when cut.
pub(crate) fn truncate(s: &str, width: usize) -> String {
    if display_width(s) <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = char_width(c);
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// The length in bytes of an article reference at the start of `s`
/// (`第六十九条`, `第3款`), which a line may not break.
fn article_len(s: &str) -> Option<usize> {
    let rest = s.strip_prefix('第')?;
    let digits = rest
        .char_indices()
        .find(|(_, c)| !"〇一二三四五六七八九十百千零两0123456789".contains(*c))
        .map(|(i, _)| i)?;
    let end = rest[digits..].chars().next()?;
    ("条款项章节".contains(end) && digits > 0).then(|| '第'.len_utf8() + digits + end.len_utf8())
}

/// Splits text into pieces that may not be broken: a run of ASCII
/// non-space characters, an article reference (`第六十九条`), a single
/// space, or a single other character.
fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut skip_to = 0;
    for (i, c) in s.char_indices() {
        if i < skip_to {
            continue;
        }
        if let Some(n) = article_len(&s[i..]) {
            if let Some(st) = start.take() {
                out.push(&s[st..i]);
            }
            out.push(&s[i..i + n]);
            skip_to = i + n;
            continue;
        }
        let wordy = c.is_ascii() && !c.is_ascii_whitespace();
        if wordy {
            if start.is_none() {
                start = Some(i);
            }
            continue;
        }
        if let Some(st) = start.take() {
            out.push(&s[st..i]);
        }
        out.push(&s[i..i + c.len_utf8()]);
    }
    if let Some(st) = start {
        out.push(&s[st..]);
    }
    out
}

/// Chinese closing punctuation, which should not start a line.
fn is_closing(tok: &str) -> bool {
    matches!(
        tok,
        "，" | "。" | "、" | "；" | "：" | "）" | "！" | "？" | "》" | "”" | "」"
    )
}

/// Wraps `text` so that no line is wider than `width` columns. The first line
/// starts with `first`, the others with `rest` (e.g. a hanging indent).
/// ASCII words are kept whole unless longer than a line; CJK text breaks
/// between any two characters. Control characters are dropped.
pub fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let clean: String = text
        .chars()
        .map(|c| if c == '\t' || c == '\n' { ' ' } else { c })
        .filter(|c| !c.is_control())
        .collect();
    let width = width
        .max(display_width(first) + 2)
        .max(display_width(rest) + 2);
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut w = display_width(first);
    let mut indent_w = w;
    let mut empty = true;
    let push_line = |lines: &mut Vec<String>, line: &mut String| {
        let trimmed = line.trim_end().to_string();
        lines.push(trimmed);
    };
    // The last token put on the line (what closing punctuation takes along).
    let mut last: &str = "";
    for tok in tokens(&clean) {
        let tw = display_width(tok);
        if tok == " " {
            if !empty && w < width {
                line.push(' ');
                w += 1;
            }
            last = "";
            continue;
        }
        if w + tw <= width {
            line.push_str(tok);
            w += tw;
            empty = false;
            last = tok;
            continue;
        }
        if tw <= width - display_width(rest) && !empty {
            // Start a new line with this token. Closing punctuation may not
            // start a line: it takes the previous character (or article
            // number) along.
            let mut carry = String::new();
            let lw = display_width(last);
            if is_closing(tok)
                && !last.is_empty()
                && !last.is_ascii()
                && w >= indent_w + lw + 2
                && line.ends_with(last)
            {
                line.truncate(line.len() - last.len());
                carry.push_str(last);
            }
            // Opening punctuation may not end a line: it goes along too.
            while let Some(c) = line
                .chars()
                .last()
                .filter(|c| "（《「『“‘【〔".contains(*c))
            {
                if display_width(&line) <= indent_w + 2 {
                    break;
                }
                line.pop();
                carry.insert(0, c);
            }
            push_line(&mut lines, &mut line);
            line = rest.to_string();
            line.push_str(&carry);
            w = display_width(&line);
            indent_w = display_width(rest);
            line.push_str(tok);
            w += tw;
            last = tok;
            continue;
        }
        // A token longer than a line (or the line is empty): break it by char.
        for c in tok.chars() {
            let cw = char_width(c);
            if w + cw > width && w > indent_w {
                push_line(&mut lines, &mut line);
                line = rest.to_string();
                w = display_width(rest);
                indent_w = w;
            }
            line.push(c);
            w += cw;
            empty = false;
        }
    }
    if !empty || lines.is_empty() {
        push_line(&mut lines, &mut line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_cjk_by_columns() {
        let text = "出示身份证明，签署授权委托书，柜员核对车辆状态并录入申请，缴纳号牌工本费";
        let lines = wrap(text, 20, "1. ", "   ");
        assert!(lines.len() > 2);
        for l in &lines {
            assert!(display_width(l) <= 20, "{l:?}");
        }
        assert!(lines[0].starts_with("1. "));
        assert!(lines[1].starts_with("   "));
        let joined: String = lines
            .iter()
            .map(|l| l.trim_start_matches(['1', '.', ' ']))
            .collect();
        assert_eq!(joined, text);
    }

    #[test]
    fn closing_punctuation_does_not_start_a_line() {
        let lines = wrap(
            "机动车所有人身份证明（个人：居民身份证；单位：经办人身份证）",
            38,
            "· ",
            "  ",
        );
        assert!(lines.iter().all(|l| display_width(l) <= 38), "{lines:?}");
        assert!(!lines[1].trim_start().starts_with('；'), "{lines:?}");
    }

    #[test]
    fn article_numbers_are_not_broken() {
        let text = "罚款请于前缴纳，逾期每日加处罚款（《行政处罚法》第六十七条、第七十二条）";
        for width in 14..40 {
            let lines = wrap(text, width, "", "  ");
            let joined: String = lines.iter().map(|l| l.trim_start()).collect();
            assert_eq!(joined, text, "{lines:?}");
            assert!(
                lines
                    .iter()
                    .all(|l| !l.ends_with('第') && !l.trim_start().starts_with('条')),
                "{width}: {lines:?}"
            );
            assert!(lines.iter().any(|l| l.contains("第六十七条")), "{lines:?}");
            assert!(
                lines
                    .iter()
                    .all(|l| !l.ends_with('（') && !l.ends_with('《')),
                "{lines:?}"
            );
        }
    }

    #[test]
    fn keeps_ascii_words_whole() {
        let lines = wrap("Show your ID and sign the power of attorney", 16, "", "");
        assert_eq!(lines, ["Show your ID and", "sign the power", "of attorney"]);
        let long = wrap("abcdefghijklmnopqrstuvwxyz", 10, "", "  ");
        assert!(long.iter().all(|l| display_width(l) <= 10), "{long:?}");
    }

    #[test]
    fn pads_and_truncates_by_display_width() {
        assert_eq!(display_width(&pad("补领", 6)), 6);
        assert_eq!(display_width(&pad_left("1.00", 8)), 8);
        let t = truncate("机动车所有人联系方式变更备案", 10);
        assert!(display_width(&t) <= 10 && t.ends_with('…'), "{t}");
        assert_eq!(yuan(10000), "100.00");
        assert_eq!(yuan(5), "0.05");
    }
}
