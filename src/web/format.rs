//! How money, dates and numbers look in each language.

use chrono::{DateTime, NaiveDate};

use crate::domain::Msisdn;

use super::i18n::Lang;

fn group(int_part: &str, sep: &str) -> String {
    let digits: Vec<char> = int_part.chars().collect();
    let mut out = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(sep);
        }
        out.push(*c);
    }
    out
}

/// Whole roubles and the kopecks over them, of an amount's size.
fn roubles_and_kopecks(k: i64) -> (String, u64) {
    let size = k.unsigned_abs();
    ((size / 100).to_string(), size % 100)
}

/// `1 234,50 ₽` in Russian, `₽1,234.50` in English: whole kopecks, written out as integers.
pub fn kopecks(lang: Lang, k: i64) -> String {
    let sign = if k < 0 { "−" } else { "" };
    let (roubles, kop) = roubles_and_kopecks(k);
    match lang {
        Lang::Ru => format!("{sign}{},{kop:02}\u{a0}₽", group(&roubles, "\u{a0}")),
        Lang::En => format!("{sign}₽{}.{kop:02}", group(&roubles, ",")),
    }
}

/// An amount to type into a field, as [`crate::domain::Money::parse`] reads it back: `5 000,00`
/// in Russian, `5000.00` in English.
pub fn amount(lang: Lang, k: i64) -> String {
    let sign = if k < 0 { "-" } else { "" };
    let (roubles, kop) = roubles_and_kopecks(k);
    match lang {
        Lang::Ru => format!("{sign}{},{kop:02}", group(&roubles, "\u{a0}")),
        Lang::En => format!("{sign}{roubles}.{kop:02}"),
    }
}

/// `25.11.2026` / `2026-11-25`.
pub fn date(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Ru => d.format("%d.%m.%Y").to_string(),
        Lang::En => d.format("%Y-%m-%d").to_string(),
    }
}

/// A stored date text (`2026-11-25`) for people; unparseable text is shown as it is.
pub fn date_text(lang: Lang, s: &str) -> String {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|d| date(lang, d))
        .unwrap_or_else(|_| s.to_owned())
}

/// The filter value and badge of a line's state (see [`crate::domain::LineState`]); an unknown status as
/// stored.
pub fn state_of<'a>(status: &'a str, reason: &str) -> &'a str {
    match crate::domain::LineStatus::parse(status) {
        Ok(st) => crate::domain::LineState::of(st, reason).as_str(),
        Err(_) => status,
    }
}

/// A line's state in words («Активен», «SIM-карта утеряна»); an unknown one as stored.
pub fn status_text(lang: Lang, status: &str, reason: &str) -> String {
    lang.name_of("status", state_of(status, reason)).to_owned()
}

/// A stored instant (unix ms) in Moscow time, where the customers are.
pub fn datetime(lang: Lang, ms: i64) -> String {
    let Some(utc) = DateTime::from_timestamp_millis(ms) else {
        return String::new();
    };
    let msk = utc.naive_utc() + chrono::Duration::hours(3);
    match lang {
        Lang::Ru => msk.format("%d.%m.%Y %H:%M").to_string(),
        Lang::En => msk.format("%Y-%m-%d %H:%M").to_string(),
    }
}

static AGENTS: std::sync::LazyLock<woothee::parser::Parser> =
    std::sync::LazyLock::new(woothee::parser::Parser::new);

/// A browser and its system as people name them (`Chrome 131 · Linux`, `Safari 17 · iPhone
/// 17.5`); a program that is no browser by its own first word (`curl`), nothing as `—`.
pub fn device(user_agent: &str) -> String {
    let ua = user_agent.trim();
    if ua.is_empty() {
        return "—".to_owned();
    }
    let known = |s: &str| !s.is_empty() && s != woothee::woothee::VALUE_UNKNOWN;
    let browser_kind = |c: &str| matches!(c, "pc" | "smartphone" | "mobilephone" | "appliance");
    let Some(r) = AGENTS
        .parse(ua)
        .filter(|r| known(r.name) && browser_kind(r.category))
    else {
        let first = ua.split(['/', ' ']).next().unwrap_or(ua);
        return first.chars().take(40).collect();
    };
    let major = r.version.split('.').next().unwrap_or_default();
    let browser = if known(major) {
        format!("{} {major}", r.name)
    } else {
        r.name.to_owned()
    };
    let system = match (known(r.os), known(&r.os_version)) {
        (true, true) => format!("{} {}", r.os, r.os_version),
        (true, false) => r.os.to_owned(),
        _ => return browser,
    };
    format!("{browser} · {system}")
}

/// `+7 912 345-67-89`; anything unparseable is shown as stored.
pub fn phone(stored: &str) -> String {
    Msisdn::parse(stored)
        .map(|m| m.display())
        .unwrap_or_else(|_| stored.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_as_people_name_them() {
        let linux = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
        assert_eq!(device(linux), "Chrome 156 · Linux");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert!(
            device(iphone).starts_with("Safari 17 · iPhone"),
            "{}",
            device(iphone)
        );
        assert_eq!(device("curl/8.5.0"), "curl");
        assert_eq!(device(""), "—");
    }

    #[test]
    fn money_in_both_languages() {
        assert_eq!(kopecks(Lang::Ru, 123_450), "1\u{a0}234,50\u{a0}₽");
        assert_eq!(kopecks(Lang::En, 123_450), "₽1,234.50");
        assert_eq!(kopecks(Lang::Ru, 5), "0,05\u{a0}₽");
        assert_eq!(kopecks(Lang::En, 123_456_789), "₽1,234,567.89");
        assert_eq!(kopecks(Lang::Ru, -39_000), "−390,00\u{a0}₽");
        assert_eq!(kopecks(Lang::En, -5), "−₽0.05");
        assert_eq!(
            kopecks(Lang::Ru, 100_000_000),
            "1\u{a0}000\u{a0}000,00\u{a0}₽"
        );
        assert_eq!(kopecks(Lang::En, i64::MIN), "−₽92,233,720,368,547,758.08");
    }

    #[test]
    fn dates_and_phones() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(date(Lang::Ru, d), "25.11.2026");
        assert_eq!(date(Lang::En, d), "2026-11-25");
        assert_eq!(phone("+79123456789"), "+7 912 345-67-89");
        assert_eq!(datetime(Lang::Ru, 0), "01.01.1970 03:00");
    }
}
