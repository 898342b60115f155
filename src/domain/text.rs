//! Text keys for search: both databases compare bytes, so folding happens here, once.

/// Lowercase with ё folded to е, so `Ёлкин`, `ЁЛКИН` and `елкин` meet.
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect()
}

/// The folded words of a name, for the name-word index.
pub fn words(s: &str) -> Vec<String> {
    let mut out: Vec<String> = s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(fold)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The smallest string greater than every string starting with `prefix`, so that
/// `key >= prefix AND key < upper` is a prefix search a plain b-tree index serves.
pub fn prefix_upper_bound(prefix: &str) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            chars.push(next);
            return chars.into_iter().collect();
        }
    }
    // Only reachable for an empty prefix or one made of char::MAX: everything matches.
    char::MAX.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_cyrillic_and_yo() {
        assert_eq!(fold("Ёлкин ПЁТР"), "елкин петр");
        assert_eq!(
            words("Петров-Водкин  Кузьма  Сергеевич"),
            ["водкин", "кузьма", "петров", "сергеевич"]
        );
    }

    #[test]
    fn upper_bound_is_just_past_the_prefix() {
        assert_eq!(prefix_upper_bound("ива"), "ивб");
        assert_eq!(prefix_upper_bound("912"), "913");
        assert!("иванов".as_bytes() < prefix_upper_bound("ива").as_bytes());
        assert!("ивб".as_bytes() >= prefix_upper_bound("ива").as_bytes());
    }
}
