//! Text keys for search: both databases compare bytes, so folding happens here, once.

/// Lowercase with ё folded to е, so `Ёлкин`, `ЁЛКИН` and `елкин` meet.
///
/// Latin and Russian letters, nearly every character of a roster, are folded without Unicode's
/// tables (an import folds every name and number of 100,000 rows more than once).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'Ё' | 'ё' => out.push('е'),
            'А'..='Я' => out.push(char::from_u32(c as u32 + 0x20).unwrap_or(c)),
            'а'..='я' => out.push(c),
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => out.extend(c.to_lowercase().map(|c| if c == 'ё' { 'е' } else { c })),
        }
    }
    out
}

/// What a personnel number is told apart by, in forms, imports and the unique index alike:
/// leading zeros and case do not count (`0042` is `42`, `а-1` is `А-1`).
pub fn personnel_key(number: &str) -> String {
    let trimmed = number.trim();
    let digits = trimmed.trim_start_matches('0');
    if digits.is_empty() && !trimmed.is_empty() {
        "0".into()
    } else {
        fold(digits)
    }
}

/// A letter or digit (Russian and ASCII ones told without Unicode's tables).
fn is_word_char(c: char) -> bool {
    match c {
        'А'..='я' | 'Ё' | 'ё' => true,
        c if c.is_ascii() => c.is_ascii_alphanumeric(),
        c => c.is_alphanumeric(),
    }
}

/// The folded words of a name, for the name-word index.
pub fn words(s: &str) -> Vec<String> {
    let mut out: Vec<String> = s
        .split(|c: char| !is_word_char(c))
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
    fn personnel_numbers_ignore_leading_zeros_and_case() {
        assert_eq!(personnel_key(" 0042 "), "42");
        assert_eq!(personnel_key("000"), "0");
        assert_eq!(personnel_key("А-1"), personnel_key("а-1"));
        assert_eq!(personnel_key(""), "");
    }

    #[test]
    fn folds_cyrillic_and_yo() {
        assert_eq!(fold("Ёлкин ПЁТР"), "елкин петр");
        assert_eq!(
            words("Петров-Водкин  Кузьма  Сергеевич"),
            ["водкин", "кузьма", "петров", "сергеевич"]
        );
    }

    /// `fold` as Unicode's tables alone would do it.
    fn fold_by_tables(s: &str) -> String {
        s.chars()
            .flat_map(char::to_lowercase)
            .map(|c| if c == 'ё' { 'е' } else { c })
            .collect()
    }

    proptest::proptest! {
        /// The fast paths fold and split exactly as Unicode's tables do.
        #[test]
        fn fast_paths_agree_with_unicode(s in "\\PC{0,40}") {
            proptest::prop_assert_eq!(fold(&s), fold_by_tables(&s));
            for c in s.chars() {
                proptest::prop_assert_eq!(is_word_char(c), c.is_alphanumeric());
            }
        }

        #[test]
        fn russian_and_latin_fold_as_unicode_does(s in "[А-Яа-яЁёA-Za-z0-9 .-]{0,40}") {
            proptest::prop_assert_eq!(fold(&s), fold_by_tables(&s));
        }
    }

    #[test]
    fn upper_bound_is_just_past_the_prefix() {
        assert_eq!(prefix_upper_bound("ива"), "ивб");
        assert_eq!(prefix_upper_bound("912"), "913");
        assert!("иванов".as_bytes() < prefix_upper_bound("ива").as_bytes());
        assert!("ивб".as_bytes() >= prefix_upper_bound("ива").as_bytes());
    }
}
