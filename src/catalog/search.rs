//! Finding a service from what a clerk typed.

use super::Service;

/// Full-width ASCII to half-width, lower case, no white space.
fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The rank of a match (lower is better), or `None`.
fn rank(s: &Service, q: &str) -> Option<u8> {
    let code = s.code.to_lowercase();
    if code == q {
        return Some(0);
    }
    let mut terms: Vec<String> = vec![normalise(&s.pinyin), normalise(&s.name_zh)];
    terms.extend(s.aliases.iter().map(|a| normalise(a)));
    if terms.iter().any(|t| *t == q) {
        return Some(1);
    }
    if code.starts_with(q) || terms.iter().any(|t| t.starts_with(q)) {
        return Some(2);
    }
    if terms.iter().any(|t| t.contains(q)) {
        return Some(3);
    }
    if q.chars().count() >= 3 && s.name_en.to_lowercase().contains(q) {
        return Some(4);
    }
    None
}

pub(crate) fn search<'a>(services: &'a [Service], query: &str) -> Vec<&'a Service> {
    let q = normalise(query);
    if q.is_empty() {
        return services.iter().collect();
    }
    let mut hits: Vec<(u8, usize, &Service)> = services
        .iter()
        .enumerate()
        .filter_map(|(i, s)| rank(s, &q).map(|r| (r, i, s)))
        .collect();
    hits.sort_by_key(|(r, i, _)| (*r, *i));
    hits.into_iter().map(|(_, _, s)| s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_full_width_and_case() {
        assert_eq!(normalise(" ＢＬ jsz "), "bljsz");
        assert_eq!(normalise("Ｄ３"), "d3");
    }
}
