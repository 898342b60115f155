//! What every cabinet page shares: the top bar, the navigation the user may use, the language,
//! and the helpers templates format with.

use std::borrow::Borrow;

use crate::authz::{Action, Object};
use crate::domain::LineStatus;

use super::AppState;
use super::format;
use super::i18n::Lang;
use super::session::Cabinet;

pub struct NavItem {
    pub href: &'static str,
    pub key: &'static str,
    pub active: bool,
}

pub struct Page {
    pub lang: Lang,
    pub user_name: String,
    pub company_name: String,
    pub account_number: String,
    pub csrf: String,
    pub path: String,
    pub nav: Vec<NavItem>,
    pub title: String,
    /// The person may open another company (operator staff may open any).
    pub can_switch: bool,
    /// What the last action did, shown once (see `web::flash`).
    pub flash: Option<String>,
}

const NAV: &[(&str, &str, Object, Action)] = &[
    ("/overview", "nav.overview", Object::Overview, Action::Read),
    ("/lines", "nav.lines", Object::Lines, Action::Read),
    ("/bulk", "nav.bulk", Object::Bulk, Action::Run),
    (
        "/employees",
        "nav.employees",
        Object::Employees,
        Action::Read,
    ),
    (
        "/departments",
        "nav.departments",
        Object::Departments,
        Action::Read,
    ),
    ("/roster", "nav.roster", Object::Roster, Action::Import),
    ("/access", "nav.access", Object::Users, Action::Write),
    ("/audit", "nav.audit", Object::Audit, Action::Read),
];

impl Page {
    /// `active` is the nav entry's href; `title_key` names the page.
    pub async fn new(
        state: &AppState,
        cab: &Cabinet,
        path: String,
        active: &str,
        title_key: &str,
    ) -> Self {
        let mut nav = Vec::new();
        for (href, key, object, action) in NAV {
            if state.authz.allows(&cab.principal, *object, *action).await {
                nav.push(NavItem {
                    href,
                    key,
                    active: *href == active,
                });
            }
        }
        let lang = cab.lang();
        Page {
            lang,
            user_name: cab.session.full_name.clone(),
            company_name: cab.session.legal_name.clone().unwrap_or_default(),
            account_number: cab.session.account_number.clone().unwrap_or_default(),
            csrf: cab.session.csrf_token.clone(),
            path,
            nav,
            title: lang.t(title_key).to_owned(),
            can_switch: cab.session.companies > 1 || cab.session.is_staff != 0,
            flash: super::flash::take(state, cab).await,
        }
    }

    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    pub fn kop(&self, k: impl Borrow<i64>) -> String {
        format::kopecks(self.lang, *k.borrow())
    }

    /// Why a line is blocked or suspended, in words when the reason is a known one.
    pub fn reason(&self, reason: &str) -> String {
        self.lang.name_of("reason", reason).to_owned()
    }

    pub fn phone(&self, stored: &str) -> String {
        format::phone(stored)
    }

    pub fn date(&self, stored: &str) -> String {
        format::date_text(self.lang, stored)
    }

    pub fn datetime(&self, ms: impl Borrow<i64>) -> String {
        format::datetime(self.lang, *ms.borrow())
    }

    /// A catalogue name in the page's language.
    pub fn name<'a>(&self, ru: &'a str, en: &'a str) -> &'a str {
        self.lang.pick(ru, en)
    }

    /// A line's state in words, a lost SIM told apart from a block (see [`format::state_of`]).
    pub fn state(&self, status: &str, reason: &str) -> String {
        format::status_text(self.lang, status, reason)
    }

    /// The badge class of a line's state: `st-active`, …, `st-lost`.
    pub fn state_class<'a>(&self, status: &'a str, reason: &str) -> &'a str {
        format::state_of(status, reason)
    }

    pub fn status(&self, s: &str) -> &'static str {
        match LineStatus::parse(s) {
            Ok(st) => self.lang.t(&format!("status.{}", st.as_str())),
            Err(_) => "?",
        }
    }

    /// An audit action in words; one without a translation is shown as recorded.
    /// A problem in the page's language, as a message of its own.
    pub fn problem(&self, problem: &crate::domain::Problem) -> String {
        super::i18n::problems::sentence(problem, self.lang)
    }

    /// A browser and system as people name them (from a User-Agent).
    pub fn device(&self, user_agent: &str) -> String {
        super::format::device(user_agent)
    }

    /// An audit action's name in the page's language.
    pub fn action(&self, action: &str) -> String {
        super::i18n::audit::title(action, self.lang)
    }

    /// Non-breaking spaces that indent a tree level inside a `<select>`.
    pub fn indent(&self, depth: impl Borrow<usize>) -> String {
        "\u{a0}\u{a0}".repeat(*depth.borrow())
    }

    /// The link that switches language and comes back here.
    pub fn lang_href(&self, code: &str) -> String {
        format!("/lang/{code}?back={}", urlencode(&self.path))
    }
}

/// A path on this site to send a browser back to: it starts with one `/` and holds only
/// printable characters, no whitespace and no backslash. Browsers drop TAB, CR and LF from a
/// location, so `/\t/evil.example` would leave the site; CR and LF would split the header.
pub fn same_origin_path(back: &str) -> Option<&str> {
    let printable = back
        .chars()
        .all(|c| !c.is_control() && !c.is_whitespace() && c != '\\');
    let local = back.starts_with('/') && !back.starts_with("//");
    (local && printable).then_some(back)
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::same_origin_path;

    #[test]
    fn only_a_printable_path_of_this_site_is_a_way_back() {
        for good in ["/", "/lines?q=%D0%B8&page=2", "/lines/5"] {
            assert_eq!(same_origin_path(good), Some(good));
        }
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\\evil.example",
            "/\r\nSet-Cookie: x=1",
            "/\u{1}x",
            "/ /evil.example",
            "https://evil.example",
            "evil.example",
            "",
        ] {
            assert_eq!(same_origin_path(bad), None, "{bad:?}");
        }
    }
}
