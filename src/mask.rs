//! Masking personal data for lists, logs, exports, receipts and diagnostics.

/// Keeps the first `head` and last `tail` characters, stars in between.
fn keep(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// `110105********002X`: region kept, birth date and sequence hidden.
pub fn id_number(s: &str) -> String {
    keep(s, 6, 4)
}

/// `138****1234`.
pub fn phone(s: &str) -> String {
    keep(s, 3, 4)
}

/// `张*` / `买买提·***`: the first character only.
pub fn name(s: &str) -> String {
    let mut it = s.chars();
    match it.next() {
        Some(first) => {
            let mut out = first.to_string();
            out.push_str(&"*".repeat(it.count()));
            out
        }
        None => String::new(),
    }
}

/// An address keeps its first 6 characters (province and city).
pub fn address(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let head: String = chars.iter().take(6).collect();
    if chars.len() > 6 {
        format!("{head}****")
    } else {
        head
    }
}

/// A bearer token: never shown beyond its first 4 characters.
pub fn token(s: &str) -> String {
    let head: String = s.chars().take(4).collect();
    format!("{head}…({} chars)", s.chars().count())
}

/// Masks a value by its field key (personal fields of the catalogue).
pub fn by_key(key: &str, value: &str) -> String {
    match key {
        "id_number" => id_number(value),
        "phone" => phone(value),
        k if k.ends_with("_name") || k == "name" => name(value),
        "address" => address(value),
        _ => value.to_string(),
    }
}

/// Text safe to echo on a terminal: control characters (escape, bell,
/// carriage return…) are shown as `\u{1b}`-style escapes, not sent raw.
pub fn escape_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() && c != '\n' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_personal_survives_masking() {
        let id = "11010519491231002X";
        let m = id_number(id);
        assert_eq!(m, "110105********002X");
        assert!(!m.contains("19491231"));
        assert_eq!(phone("13812345678"), "138****5678");
        assert_eq!(name("张三丰"), "张**");
        assert_eq!(name(""), "");
        assert_eq!(
            address("浙江省杭州市西湖区文三路 100 号"),
            "浙江省杭州市****"
        );
        assert_eq!(id_number("123"), "***");
        let t = token("s3cr3t-token-value");
        assert!(!t.contains("token-value"));
    }
}
