//! The audit log in words: each [`AuditEvent`] as a sentence in the page's language, with
//! things named as they are now and values formatted for people. One match over every kind,
//! so a kind without its sentence does not compile.

use crate::domain::audit::{
    Assignment, AuditEvent, DepartmentFields, EmployeeFields, LineChanged, LineEvent,
};
use crate::store::audit::{Entry, Names, Wanted};
use crate::web::format;

use super::Lang;

/// An entry as people read it.
#[derive(Debug, Clone)]
pub struct Said {
    pub when: String,
    pub who: String,
    pub title: String,
    /// What it is about, named.
    pub object: String,
    /// A link to it, where it has a page.
    pub href: Option<String>,
    /// The change, in a sentence (empty where the title says it all).
    pub detail: String,
    pub ip: String,
}

/// Each entry's event, and what they name, to be looked up in one go.
pub fn read(entries: &[Entry]) -> (Vec<AuditEvent>, Wanted) {
    let mut wanted = Wanted::default();
    let events = entries
        .iter()
        .map(|e| {
            let event = AuditEvent::read(
                &e.action,
                &e.object_id,
                e.before_json.as_deref(),
                e.after_json.as_deref(),
            );
            want(&event, &mut wanted);
            event
        })
        .collect();
    (events, wanted)
}

fn want(event: &AuditEvent, w: &mut Wanted) {
    use AuditEvent as E;
    let department = |w: &mut Wanted, d: &Option<i64>| w.departments.extend(*d);
    match event {
        E::DepartmentCreated { now, .. } => department(w, &now.parent_id),
        E::DepartmentUpdated { was, now, .. } => {
            department(w, &was.parent_id);
            department(w, &now.parent_id);
        }
        E::DepartmentDeleted { was, .. } => department(w, &was.parent_id),
        E::EmployeeCreated { now, .. } | E::EmployeeDeleted { was: now, .. } => {
            department(w, &now.department_id)
        }
        E::EmployeeUpdated { was, now, .. } => {
            department(w, &was.department_id);
            department(w, &now.department_id);
        }
        E::LineUnassigned { employee_id, .. } => w.employees.extend(*employee_id),
        E::LineAdded { line, .. } => {
            w.tariffs.insert(line.tariff.clone());
        }
        E::Line(l) => match &l.change {
            LineChanged::Tariff { was, now, dropped } => {
                w.tariffs.insert(was.clone());
                w.tariffs.insert(now.clone());
                w.services.extend(dropped.iter().cloned());
            }
            LineChanged::ServiceOn { service } | LineChanged::ServiceOff { service } => {
                w.services.insert(service.clone());
            }
            LineChanged::Reassigned { was, now } => {
                for a in [was, now] {
                    w.employees.extend(a.employee_id);
                    department(w, &a.department_id);
                }
            }
            _ => {}
        },
        E::Granted { grant, .. } => {
            w.members.insert(grant.user_id);
            w.departments.extend(&grant.departments);
            w.lines.extend(&grant.lines);
        }
        _ => {}
    }
}

/// Names with what stands in for one not found (deleted, erased, or outside the permit).
struct Namer<'a> {
    lang: Lang,
    names: &'a Names,
}

impl Namer<'_> {
    fn pick(&self, ru: String, en: String) -> String {
        self.lang.pick(ru, en)
    }

    fn key(&self, prefix: &str, code: &str) -> String {
        self.lang.name_of(prefix, code).to_owned()
    }

    fn department(&self, id: Option<i64>) -> String {
        match id {
            None => self.pick("не указано".into(), "none".into()),
            Some(id) => self
                .names
                .departments
                .get(&id)
                .map(|n| format!("«{n}»"))
                .unwrap_or_else(|| {
                    self.pick(
                        format!("удалённое подразделение #{id}"),
                        format!("a deleted department #{id}"),
                    )
                }),
        }
    }

    /// The employee's name, or their number where the name is gone: for after «сотрудника».
    fn employee_name(&self, id: Option<i64>) -> String {
        match id {
            None => self.pick("никто".into(), "nobody".into()),
            Some(id) => self
                .names
                .employees
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("#{id}")),
        }
    }

    fn employee(&self, id: Option<i64>) -> String {
        match id {
            None => self.pick("никто".into(), "nobody".into()),
            Some(id) => self.names.employees.get(&id).cloned().unwrap_or_else(|| {
                self.pick(format!("сотрудник #{id}"), format!("employee #{id}"))
            }),
        }
    }

    fn tariff(&self, code: &str) -> String {
        let name = self.names.tariffs.get(code).map_or(code, String::as_str);
        format!("«{name}»")
    }

    fn service(&self, code: &str) -> String {
        let name = self
            .names
            .services
            .get(code)
            .map_or(code, |(ru, en)| self.lang.pick(ru, en));
        format!("«{name}»")
    }

    fn status(&self, s: &str) -> String {
        self.key("status", s)
    }

    fn money(&self, kop: i64) -> String {
        format::kopecks(self.lang, kop)
    }

    fn role(&self, r: &str) -> String {
        self.key("role", r)
    }

    fn day(&self, end_ms: Option<i64>) -> String {
        match end_ms {
            None => self.pick("бессрочно".into(), "no end".into()),
            Some(ms) => {
                let day = format::datetime(self.lang, ms);
                let day = day.split(' ').next().unwrap_or_default().to_owned();
                self.pick(format!("до {day}"), format!("until {day}"))
            }
        }
    }

    fn count(&self, n: i64, ru: [&str; 3], en: [&str; 2]) -> String {
        self.lang.count(n, ru, en)
    }

    /// `Label: was → now`, or nothing when unchanged.
    fn changed(&self, label: (&str, &str), was: &str, now: &str) -> Option<String> {
        (was != now).then(|| {
            format!(
                "{}: {was} → {now}",
                self.pick(label.0.into(), label.1.into())
            )
        })
    }

    fn text_or_none(&self, s: &str) -> String {
        if s.is_empty() {
            "—".to_owned()
        } else {
            format!("«{s}»")
        }
    }
}

/// An entry as people read it, from its event (see [`read`]) and the names looked up.
pub fn say(entry: &Entry, event: &AuditEvent, lang: Lang, names: &Names) -> Said {
    let n = Namer { lang, names };
    let (object, href) = object(entry, event, &n);
    Said {
        when: format::datetime(lang, entry.at),
        who: who(entry, lang),
        title: title(&entry.action, lang),
        object,
        href,
        detail: super::capitalised(detail(entry, event, &n)),
        ip: entry.ip.clone(),
    }
}

/// The action's name; a change the network refused says so.
pub fn title(action: &str, lang: Lang) -> String {
    let (base, failed) = match action.strip_suffix(".failed") {
        Some(base) => (base, true),
        None => (action, false),
    };
    let name = lang.name_of("action", base);
    if failed {
        format!("{name} — {}", lang.t("audit.not_applied"))
    } else {
        name.to_owned()
    }
}

/// Who acted: their name in the company now, and the number or tool that signed the entry.
fn who(e: &Entry, lang: Lang) -> String {
    let label = match e.actor_label.as_str() {
        "cli" => lang.t("audit.actor.cli").to_owned(),
        "demo" => lang.t("audit.actor.demo").to_owned(),
        "second factor" => lang.t("audit.actor.second_factor").to_owned(),
        other => match other.strip_prefix("API: ") {
            Some(token) => format!("{} «{token}»", lang.t("audit.actor.token")),
            None => format::phone(other),
        },
    };
    match e.actor_name.as_deref() {
        Some(name) if !name.is_empty() => format!("{name} ({label})"),
        _ => label,
    }
}

fn object(e: &Entry, event: &AuditEvent, n: &Namer) -> (String, Option<String>) {
    let lang = n.lang;
    let kind = n.key("object", &e.object_type);
    let name = e.object_name.as_deref().filter(|s| !s.is_empty());
    match (e.object_type.as_str(), event) {
        ("line", _) => {
            let shown = name.map_or_else(|| format!("#{}", e.object_id), format::phone);
            (
                format!("{kind} {shown}"),
                Some(format!("/lines/{}", e.object_id)),
            )
        }
        ("department", AuditEvent::DepartmentDeleted { was, .. }) => {
            (format!("{kind} «{}»", was.name), None)
        }
        ("department", AuditEvent::DepartmentCreated { now, .. })
        | ("department", AuditEvent::DepartmentUpdated { now, .. }) => {
            (format!("{kind} «{}»", now.name), None)
        }
        ("employee" | "user", _) => match name {
            Some(name) => (format!("{kind} {name}"), None),
            None => (
                format!("{kind} #{} ({})", e.object_id, lang.t("audit.erased")),
                None,
            ),
        },
        // A sign-in's object is the person who signed in, shown as the actor.
        ("session", _) => (String::new(), None),
        ("roster_upload", AuditEvent::RosterImported { import, .. }) => {
            (format!("{kind} «{}»", import.file), None)
        }
        ("api_token", AuditEvent::TokenCreated { token, .. }) => {
            (format!("{kind} «{}»", token.name), None)
        }
        ("catalogue", _) => (kind, None),
        ("company" | "grant" | "api_token", _) if name.is_some() => {
            (format!("{kind}: {}", name.unwrap_or_default()), None)
        }
        _ if e.object_id.is_empty() => (kind, None),
        _ => (format!("{kind} #{}", e.object_id), None),
    }
}

fn detail(e: &Entry, event: &AuditEvent, n: &Namer) -> String {
    use AuditEvent as E;
    let p = |ru: String, en: String| n.pick(ru, en);
    match event {
        E::CatalogueLoaded(c) => [
            n.count(
                c.regions,
                ["регион", "региона", "регионов"],
                ["region", "regions"],
            ),
            n.count(
                c.tariffs,
                ["тариф", "тарифа", "тарифов"],
                ["tariff", "tariffs"],
            ),
            n.count(
                c.services,
                ["услуга", "услуги", "услуг"],
                ["service", "services"],
            ),
        ]
        .join(", "),
        E::CompanyCreated { company, .. } => p(
            format!(
                "{}, ИНН {}, КПП {}, лицевой счёт {}; администратор {}",
                company.legal_name,
                company.inn,
                company.kpp,
                company.account,
                format::phone(&company.admin)
            ),
            format!(
                "{}, INN {}, KPP {}, account {}; administrator {}",
                company.legal_name,
                company.inn,
                company.kpp,
                company.account,
                format::phone(&company.admin)
            ),
        ),
        E::DemoCreated { made, .. } => [
            n.count(
                made.departments,
                ["подразделение", "подразделения", "подразделений"],
                ["department", "departments"],
            ),
            n.count(
                made.employees,
                ["сотрудник", "сотрудника", "сотрудников"],
                ["employee", "employees"],
            ),
            n.count(
                made.lines,
                ["номер", "номера", "номеров"],
                ["line", "lines"],
            ),
        ]
        .join(", "),
        E::StaffAdded { msisdn, .. } => format::phone(msisdn),
        E::LineAdded { line, .. } => p(
            format!("SIM {}, тариф {}", line.iccid, n.tariff(&line.tariff)),
            format!("SIM {}, tariff {}", line.iccid, n.tariff(&line.tariff)),
        ),
        E::UserDisabled { sessions_ended, .. }
        | E::PasswordReset { sessions_ended, .. }
        | E::PasswordChanged { sessions_ended, .. } => ended(n, *sessions_ended),
        E::SessionsEnded { sessions, .. } => ended(n, *sessions),
        E::UserEnabled { .. }
        | E::UserErased { .. }
        | E::CompanyChosen { .. }
        | E::SignedOut { .. }
        | E::TotpOn { .. }
        | E::TotpOff { .. }
        | E::RecoveryCodesRenewed { .. }
        | E::GrantRevoked { .. }
        | E::TokenRevoked { .. } => String::new(),
        E::DepartmentCreated { now, .. } => department_fields(n, now),
        E::DepartmentDeleted { was, .. } => department_fields(n, was),
        E::DepartmentUpdated { was, now, .. } => [
            n.changed(
                ("Название", "Name"),
                &n.text_or_none(&was.name),
                &n.text_or_none(&now.name),
            ),
            n.changed(
                ("Входит в", "Part of"),
                &n.department(was.parent_id),
                &n.department(now.parent_id),
            ),
            n.changed(
                ("ЦФО", "Cost centre"),
                &n.text_or_none(&was.cost_centre),
                &n.text_or_none(&now.cost_centre),
            ),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("; "),
        E::EmployeeCreated { now, .. } => employee_fields(n, now),
        E::EmployeeDeleted { was, .. } => employee_fields(n, was),
        E::EmployeeUpdated {
            was, now, personal, ..
        } => {
            let mut parts: Vec<String> = [
                n.changed(
                    ("Подразделение", "Department"),
                    &n.department(was.department_id),
                    &n.department(now.department_id),
                ),
                n.changed(
                    ("Должность", "Position"),
                    &n.text_or_none(&was.position),
                    &n.text_or_none(&now.position),
                ),
            ]
            .into_iter()
            .flatten()
            .collect();
            if !personal.is_empty() {
                let fields: Vec<&str> = personal
                    .iter()
                    .map(|f| n.lang.t(&format!("audit.personal.{f}")))
                    .collect();
                parts.push(p(
                    format!("изменены: {}", fields.join(", ")),
                    format!("changed: {}", fields.join(", ")),
                ));
            }
            parts.join("; ")
        }
        E::LineUnassigned { employee_id, .. } => p(
            format!(
                "Откреплён от сотрудника {} (сотрудник удалён)",
                n.employee_name(*employee_id)
            ),
            format!(
                "Unassigned from {} (the employee was removed)",
                n.employee_name(*employee_id)
            ),
        ),
        E::Line(l) => line(n, l),
        E::BulkConfirmed { bulk, .. } => {
            let kind = n.lang.t(&format!("change.kind.{}", bulk.action)).to_owned();
            let lines = n.count(
                bulk.lines,
                ["номер", "номера", "номеров"],
                ["line", "lines"],
            );
            let mut said = p(
                format!("{kind}: {lines}, изменится {}", bulk.changing),
                format!("{kind}: {lines}, {} to change", bulk.changing),
            );
            if let Some(of) = bulk.retry_of {
                said.push_str(&p(
                    format!(" (повтор операции №{of})"),
                    format!(" (a retry of operation {of})"),
                ));
            }
            said
        }
        E::BulkCancelled { .. } => p(
            "Остановлена после обрабатываемой части".into(),
            "Stopped after the chunk in hand".into(),
        ),
        E::RosterImported { import, .. } => {
            let a = &import.applied;
            let mode = n.key("roster.mode", &import.mode);
            let c = |v: usize| v as i64;
            let mut counts = vec![
                n.count(
                    c(a.departments),
                    [
                        "новое подразделение",
                        "новых подразделения",
                        "новых подразделений",
                    ],
                    ["new department", "new departments"],
                ),
                p(
                    format!(
                        "сотрудников: +{}, изменено {}, удалено {}",
                        a.employees_added, a.employees_changed, a.employees_removed
                    ),
                    format!(
                        "employees: +{}, {} changed, {} removed",
                        a.employees_added, a.employees_changed, a.employees_removed
                    ),
                ),
                n.count(
                    c(a.lines),
                    ["номер закреплён", "номера закреплены", "номеров закреплено"],
                    ["line assigned", "lines assigned"],
                ),
            ];
            if a.rows_skipped > 0 {
                counts.push(n.count(
                    c(a.rows_skipped),
                    [
                        "строка с ошибками пропущена",
                        "строки с ошибками пропущены",
                        "строк с ошибками пропущено",
                    ],
                    ["row with problems left out", "rows with problems left out"],
                ));
            }
            format!("{mode}: {}", counts.join("; "))
        }
        E::SignedIn { device, .. } => {
            let mut parts = vec![format::device(&device.user_agent)];
            if device.new_device == Some(true) {
                parts.push(p("новое устройство".into(), "new device".into()));
            }
            if device.second_factor == Some(true) {
                parts.push(p(
                    "со вторым фактором".into(),
                    "with the second factor".into(),
                ));
            }
            parts.join("; ")
        }
        E::SignInFailed => {
            if e.actor_label == "second factor" {
                p(
                    "неверный код второго фактора".into(),
                    "wrong second-step code".into(),
                )
            } else {
                p(
                    "неверный номер или пароль".into(),
                    "wrong number or password".into(),
                )
            }
        }
        E::CodeSent { code, .. } => {
            let what = if code.purpose == "reset" {
                p("для сброса пароля".into(), "to reset the password".into())
            } else {
                p("для входа".into(), "to sign in".into())
            };
            if code.known {
                what
            } else {
                p(
                    format!("{what}; номер не зарегистрирован: SMS не отправлено"),
                    format!("{what}; the number is not registered: no SMS sent"),
                )
            }
        }
        E::AdminsNeedTotp { on, .. } => {
            if *on {
                p("включено".into(), "on".into())
            } else {
                p("выключено".into(), "off".into())
            }
        }
        E::Granted { grant, .. } => {
            let holder = n
                .names
                .members
                .get(&grant.user_id)
                .cloned()
                .unwrap_or_else(|| {
                    p(
                        format!("пользователь #{}", grant.user_id),
                        format!("user #{}", grant.user_id),
                    )
                });
            let rights: Vec<String> = grant.rights.iter().map(|r| n.key("right", r)).collect();
            let mut over: Vec<String> = grant
                .departments
                .iter()
                .map(|d| n.department(Some(*d)))
                .collect();
            over.extend(grant.lines.iter().map(|l| {
                n.names
                    .lines
                    .get(l)
                    .map_or_else(|| format!("#{l}"), |m| format::phone(m))
            }));
            let over = if over.is_empty() {
                p("вся компания".into(), "the whole company".into())
            } else {
                over.join(", ")
            };
            format!(
                "{holder}: {} — {over}; {}",
                rights.join(", "),
                n.day(grant.expires_at)
            )
        }
        E::GrantRefused(r) => {
            let mut why: Vec<String> = r
                .refused
                .iter()
                .map(|(_, p)| super::problems::say(p, n.lang))
                .collect();
            why.extend(r.reasons.iter().cloned());
            format!("{}: {}", format::phone(&r.number), why.join("; "))
        }
        E::TokenCreated { token, .. } => {
            let what = if token.rights.is_empty() {
                n.role(&token.role)
            } else {
                token
                    .rights
                    .iter()
                    .map(|r| n.key("right", r))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!("{what}; {}", n.day(token.expires_at))
        }
        E::RoleSet { was, now, .. } => p(
            format!("Роль: {} → {}", n.role(was), n.role(now)),
            format!("Role: {} → {}", n.role(was), n.role(now)),
        ),
        E::MemberRemoved { role, .. }
        | E::MemberInvited { role, .. }
        | E::MemberBlocked { role, .. }
        | E::MemberUnblocked { role, .. } => p(
            format!("Роль: {}", n.role(role)),
            format!("Role: {}", n.role(role)),
        ),
        E::Unknown { action } => action.clone(),
    }
}

fn ended(n: &Namer, sessions: i64) -> String {
    let c = n.count(
        sessions,
        ["сеанс", "сеанса", "сеансов"],
        ["session", "sessions"],
    );
    n.pick(format!("завершено: {c}"), format!("ended: {c}"))
}

fn department_fields(n: &Namer, d: &DepartmentFields) -> String {
    let mut parts = vec![format!("«{}»", d.name)];
    if d.parent_id.is_some() {
        parts.push(n.pick(
            format!("входит в {}", n.department(d.parent_id)),
            format!("part of {}", n.department(d.parent_id)),
        ));
    }
    if !d.cost_centre.is_empty() {
        parts.push(n.pick(
            format!("ЦФО «{}»", d.cost_centre),
            format!("cost centre «{}»", d.cost_centre),
        ));
    }
    parts.join(", ")
}

fn employee_fields(n: &Namer, e: &EmployeeFields) -> String {
    let mut parts = vec![n.pick(
        format!("Подразделение: {}", n.department(e.department_id)),
        format!("Department: {}", n.department(e.department_id)),
    )];
    if !e.position.is_empty() {
        parts.push(n.pick(
            format!("должность «{}»", e.position),
            format!("position «{}»", e.position),
        ));
    }
    parts.join("; ")
}

fn assignment(n: &Namer, was: &Assignment, now: &Assignment) -> String {
    let cc = |c: &Option<String>| n.text_or_none(c.as_deref().unwrap_or_default());
    let parts: Vec<String> = [
        n.changed(
            ("Сотрудник", "Employee"),
            &n.employee(was.employee_id),
            &n.employee(now.employee_id),
        ),
        n.changed(
            ("Подразделение", "Department"),
            &n.department(was.department_id),
            &n.department(now.department_id),
        ),
        n.changed(
            ("ЦФО", "Cost centre"),
            &cc(&was.cost_centre),
            &cc(&now.cost_centre),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        n.pick("без изменений".into(), "no change".into())
    } else {
        parts.join("; ")
    }
}

/// What a change does to a line, without its money (a preview shows the bill apart).
pub fn change_said(change: &LineChanged, lang: Lang, names: &Names) -> String {
    change_words(&Namer { lang, names }, change)
}

/// What changes would look up to be said (see [`change_said`]), in one go.
pub fn changes_want<'a>(changes: impl IntoIterator<Item = &'a LineChanged>) -> Wanted {
    let mut wanted = Wanted::default();
    for change in changes {
        want(
            &AuditEvent::Line(LineEvent {
                line_id: 0,
                change: change.clone(),
                monthly_delta_kop: 0,
                one_time_kop: 0,
                failed: None,
            }),
            &mut wanted,
        );
    }
    wanted
}

fn line(n: &Namer, l: &LineEvent) -> String {
    let p = |ru: String, en: String| n.pick(ru, en);
    let mut parts = vec![change_words(n, &l.change)];
    if l.monthly_delta_kop != 0 {
        let sign = if l.monthly_delta_kop > 0 { "+" } else { "" };
        let amount = format!("{sign}{}", n.money(l.monthly_delta_kop));
        parts.push(p(format!("{amount} в месяц"), format!("{amount} a month")));
    }
    if l.one_time_kop != 0 {
        let amount = n.money(l.one_time_kop);
        parts.push(p(format!("разово {amount}"), format!("{amount} once")));
    }
    let said = parts.join(", ");
    match &l.failed {
        None => said,
        Some(error) => {
            let why = super::problems::say(error, n.lang);
            p(
                format!("{said}. Оператор не применил изменение: {why}; номер остался как был"),
                format!(
                    "{said}. The operator did not apply the change: {why}; the line stayed as it was"
                ),
            )
        }
    }
}

fn change_words(n: &Namer, change: &LineChanged) -> String {
    use LineChanged as C;
    let p = |ru: String, en: String| n.pick(ru, en);
    let status = |was: &str, now: &str| {
        p(
            format!("Статус: {} → {}", n.status(was), n.status(now)),
            format!("Status: {} → {}", n.status(was), n.status(now)),
        )
    };
    match change {
        C::Tariff { was, now, dropped } => {
            let mut s = p(
                format!("Тариф: {} → {}", n.tariff(was), n.tariff(now)),
                format!("Tariff: {} → {}", n.tariff(was), n.tariff(now)),
            );
            if !dropped.is_empty() {
                let names: Vec<String> = dropped.iter().map(|d| n.service(d)).collect();
                s.push_str(&p(
                    format!("; отключены: {}", names.join(", ")),
                    format!("; turned off: {}", names.join(", ")),
                ));
            }
            s
        }
        C::ServiceOn { service } => p(
            format!("Услуга {} подключена", n.service(service)),
            format!("Service {} turned on", n.service(service)),
        ),
        C::ServiceOff { service } => p(
            format!("Услуга {} отключена", n.service(service)),
            format!("Service {} turned off", n.service(service)),
        ),
        C::Suspended { was, reason } => {
            let mut s = status(was, "suspended");
            if !reason.is_empty() {
                s.push_str(&p(
                    format!("; причина: «{reason}»"),
                    format!("; reason: «{reason}»"),
                ));
            }
            s
        }
        C::Resumed { was } => status(was, "active"),
        C::ReportedLost { was } => p(
            format!(
                "SIM-карта утеряна; статус: {} → {}",
                n.status(was),
                n.status("blocked")
            ),
            format!(
                "SIM lost; status: {} → {}",
                n.status(was),
                n.status("blocked")
            ),
        ),
        C::SimReplaced {
            was_iccid,
            now_iccid,
            was,
            now,
            why,
        } => {
            let why = if why == "lost" {
                p(
                    " (взамен утерянной)".into(),
                    " (in place of a lost one)".into(),
                )
            } else {
                String::new()
            };
            let mut s = p(
                format!("SIM-карта: {was_iccid} → {now_iccid}{why}"),
                format!("SIM: {was_iccid} → {now_iccid}{why}"),
            );
            if was != now {
                s.push_str("; ");
                s.push_str(&status(was, now));
            }
            s
        }
        C::Blocked { was, reason } => p(
            format!(
                "{}; причина: {}",
                status(was, "blocked"),
                n.key("reason", reason)
            ),
            format!(
                "{}; reason: {}",
                status(was, "blocked"),
                n.key("reason", reason)
            ),
        ),
        C::Unblocked { was, reason } => {
            let mut s = status(was, "active");
            if !reason.is_empty() {
                s.push_str(&p(
                    format!("; была причина: {}", n.key("reason", reason)),
                    format!("; the reason was: {}", n.key("reason", reason)),
                ));
            }
            s
        }
        C::LimitSet {
            was_kop,
            now_kop,
            action,
            ..
        } => {
            let amount = match was_kop {
                Some(was) if was != now_kop => format!("{} → {}", n.money(*was), n.money(*now_kop)),
                _ => n.money(*now_kop),
            };
            p(
                format!("Лимит: {amount}, {}", n.key("limit", action)),
                format!("Limit: {amount}, {}", n.key("limit", action)),
            )
        }
        C::LimitRemoved { was_kop, .. } => match was_kop {
            Some(was) => p(
                format!("Лимит снят (был {})", n.money(*was)),
                format!("Limit removed (was {})", n.money(*was)),
            ),
            None => p("Лимит снят".into(), "Limit removed".into()),
        },
        C::Reassigned { was, now } => assignment(n, was, now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::FIXTURES;

    fn entry(f: &(&str, &str, Option<&str>, Option<&str>)) -> Entry {
        Entry {
            id: 1,
            at: 1_764_000_000_000,
            actor_label: "+79161234567".into(),
            actor_name: Some("Иванова Анна".into()),
            object_name: None,
            action: f.0.into(),
            object_type: AuditEvent::read(f.0, f.1, f.2, f.3)
                .row()
                .object_type
                .into(),
            object_id: f.1.into(),
            before_json: f.2.map(str::to_owned),
            after_json: f.3.map(str::to_owned),
            ip: "10.0.0.1".into(),
        }
    }

    /// Every stored shape of every kind, in both languages: a title of its own, and no key,
    /// code, raw amount or JSON in the words.
    #[test]
    fn every_kind_reads_as_a_sentence_in_both_languages() {
        let entries: Vec<Entry> = FIXTURES.iter().map(entry).collect();
        let (events, _) = read(&entries);
        let names = Names::default();
        for lang in [Lang::Ru, Lang::En] {
            for (e, event) in entries.iter().zip(&events) {
                let said = say(e, event, lang, &names);
                let all = format!("{} | {} | {}", said.title, said.object, said.detail);
                assert_ne!(
                    said.title,
                    e.action.trim_end_matches(".failed"),
                    "{lang:?}: no title for {}",
                    e.action
                );
                for raw in [
                    "_kop",
                    "_id",
                    "{",
                    "\"",
                    "null",
                    "dropped_services",
                    "monthly_delta",
                    "?",
                ] {
                    assert!(
                        !all.contains(raw),
                        "{lang:?} {}: «{raw}» in {all}",
                        e.action
                    );
                }
                let cyrillic = all.chars().any(|c| matches!(c, 'а'..='я' | 'А'..='Я'));
                if lang == Lang::En {
                    // Only stored names and typed text may be Russian in English.
                    let stored = [e.before_json.as_deref(), e.after_json.as_deref()]
                        .into_iter()
                        .flatten()
                        .any(|j| j.chars().any(|c| matches!(c, 'а'..='я' | 'А'..='Я')));
                    assert!(
                        !cyrillic || stored,
                        "{}: Russian in English: {all}",
                        e.action
                    );
                } else {
                    assert!(cyrillic, "{}: not Russian: {all}", e.action);
                }
            }
        }
    }

    #[test]
    fn values_are_formatted_and_things_named() {
        let find = |action: &str| {
            FIXTURES
                .iter()
                .find(|f| f.0 == action)
                .map(entry)
                .expect("a fixture")
        };
        let mut names = Names::default();
        names
            .tariffs
            .insert("biz-start".into(), "Бизнес Старт".into());
        names
            .tariffs
            .insert("biz-max".into(), "Бизнес Максимум".into());
        names.departments.insert(3, "Склад Москва".into());
        names.departments.insert(4, "Склад Подольск".into());
        names.employees.insert(9, "Иванов Иван".into());
        let said = |action: &str, lang| {
            let e = find(action);
            let (events, _) = read(std::slice::from_ref(&e));
            say(&e, &events[0], lang, &names)
        };
        assert_eq!(
            said("line.change_tariff", Lang::Ru).detail,
            "Тариф: «Бизнес Старт» → «Бизнес Максимум»; отключены: «Гудок», +500,00\u{a0}₽ в месяц"
        );
        assert_eq!(
            said("line.set_limit", Lang::Ru).detail,
            "Лимит: 1\u{a0}500,50\u{a0}₽, при достижении — запрет платных услуг"
        );
        assert_eq!(
            said("line.reassign", Lang::Ru).detail,
            "Сотрудник: никто → Иванов Иван; Подразделение: «Склад Москва» → «Склад Подольск»; ЦФО: — → «ЦФО-2»"
        );
        assert_eq!(
            said("line.set_limit", Lang::En).detail,
            "Limit: ₽1,500.50, at 100 %: bar paid services"
        );
        assert_eq!(said("session.login", Lang::Ru).detail, "Chrome 131 · Linux");
        assert_eq!(
            said("session.login", Lang::Ru).who,
            "Иванова Анна (+7 916 123-45-67)"
        );
        assert!(
            said("line.change_tariff.failed", Lang::En)
                .title
                .ends_with("not applied")
        );
    }
}
