//! Russian first, English too: every word the pages show, in both languages. The table below
//! holds the words; `audit` says the log's entries.

pub mod audit;
pub mod problems;

use foldhash::HashMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Ru,
    En,
}

impl Lang {
    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "ru" => Some(Lang::Ru),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// Of a pair of texts (names, sentences) the one in this language.
    pub fn pick<T>(self, ru: T, en: T) -> T {
        match self {
            Lang::Ru => ru,
            Lang::En => en,
        }
    }

    /// `n` with its noun in the language's plural form (see [`ru_count`], [`en_count`]).
    /// «через 5 минут»'s «5 минут», after «через» / «in».
    pub fn minutes(self, n: i64) -> String {
        self.count(n, ["минуту", "минуты", "минут"], ["minute", "minutes"])
    }

    pub fn count(self, n: i64, ru: [&str; 3], en: [&str; 2]) -> String {
        match self {
            Lang::Ru => ru_count(n, ru),
            Lang::En => en_count(n, en),
        }
    }

    /// A code's name under `prefix` (`status.active` → «Активен»), or the code itself where
    /// the table names none (a code stored by an older build, a custom one).
    pub fn name_of<'a>(self, prefix: &str, code: &'a str) -> &'a str {
        let key = format!("{prefix}.{code}");
        if has_key(&key) { self.t(&key) } else { code }
    }

    /// Looks a key up; a missing key shows itself, which a test catches.
    pub fn t(self, key: &str) -> &'static str {
        match STRINGS.get(key) {
            Some((ru, en)) => match self {
                Lang::Ru => ru,
                Lang::En => en,
            },
            None => {
                tracing::warn!(key, "missing translation");
                "?"
            }
        }
    }
}

/// `n` with its Russian noun (one, few, many): 1 номер, 2 номера, 5 номеров, 11 номеров, 21
/// номер.
pub fn ru_count(n: i64, forms: [&str; 3]) -> String {
    let (last, tens) = (n.unsigned_abs() % 10, n.unsigned_abs() % 100);
    let form = if (11..=14).contains(&tens) {
        forms[2]
    } else {
        match last {
            1 => forms[0],
            2..=4 => forms[1],
            _ => forms[2],
        }
    };
    format!("{n} {form}")
}

/// `n` with its English noun: 1 line, 5 lines.
pub fn en_count(n: i64, forms: [&str; 2]) -> String {
    format!("{n} {}", forms[usize::from(n != 1)])
}

/// Looked up about a hundred times a page: hashed with foldhash rather than SipHash (the keys
/// are the program's own, so no visitor chooses them).
static STRINGS: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> =
    LazyLock::new(|| TABLE.iter().map(|(k, ru, en)| (*k, (*ru, *en))).collect());

/// The text from a capital letter, as a message standing alone begins.
pub fn capitalised(text: String) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if first.is_lowercase() => first.to_uppercase().chain(chars).collect(),
        _ => text,
    }
}

pub fn has_key(key: &str) -> bool {
    STRINGS.contains_key(key)
}

const TABLE: &[(&str, &str, &str)] = &[
    ("nav.bulk", "Массовые изменения", "Bulk changes"),
    ("mail.bulk.done", "завершена", "is done"),
    ("mail.bulk.stopped", "остановлена", "was stopped"),
    ("bulk.title", "Массовые изменения", "Bulk changes"),
    ("bulk.new_title", "Массовое изменение", "Bulk change"),
    (
        "bulk.preview_title",
        "Проверьте изменение",
        "Check the change",
    ),
    (
        "bulk.retry_title",
        "Повтор для номеров с ошибкой",
        "Retry of the failed lines",
    ),
    ("bulk.chosen", "Выбрано номеров", "Lines chosen"),
    ("bulk.action", "Что сделать", "What to do"),
    ("bulk.reason", "Причина", "Reason"),
    ("bulk.limit", "Лимит в месяц, ₽", "Monthly limit, ₽"),
    (
        "bulk.on_limit",
        "При достижении лимита",
        "When the limit is reached",
    ),
    (
        "bulk.on_limit_as_is",
        "как сейчас на номере",
        "as the line does now",
    ),
    ("bulk.no_department", "без подразделения", "no department"),
    ("bulk.to_preview", "Проверить", "Check"),
    ("bulk.will_change", "Изменится номеров", "Lines to change"),
    (
        "bulk.dropping",
        "Номеров, на которых отключатся услуги, не подходящие тарифу",
        "Lines that lose services the tariff does not allow",
    ),
    ("bulk.skipped", "Пропущено", "Skipped"),
    (
        "bulk.rejected",
        "Не номера компании в списке",
        "Rows of the list that are no lines of the company",
    ),
    (
        "bulk.nothing_to_run",
        "Ни один из выбранных номеров не изменится: выполнять нечего.",
        "None of the chosen lines would change: there is nothing to run.",
    ),
    ("bulk.confirm", "Выполнить", "Run"),
    ("bulk.operation", "Операция", "Operation"),
    ("bulk.asked", "Запущено", "Started"),
    ("bulk.retry_of", "повтор операции", "a retry of operation"),
    ("bulk.state", "Состояние", "State"),
    ("bulk.state.queued", "В очереди", "Queued"),
    ("bulk.state.running", "Выполняется", "Running"),
    ("bulk.state.cancelling", "Останавливается", "Stopping"),
    ("bulk.state.done", "Готово", "Done"),
    ("bulk.state.cancelled", "Отменено", "Cancelled"),
    (
        "bulk.state.failed",
        "Прервано из-за сбоя",
        "Stopped by a failure",
    ),
    (
        "bulk.run_failed",
        "Операция прервана из-за сбоя; обработанные номера остались как есть, остальные не затронуты.",
        "The operation stopped on a failure; the lines it reached stay as they are, the others were not touched.",
    ),
    ("bulk.outcome", "Итог", "Outcome"),
    ("bulk.outcome.all", "Все", "All"),
    ("bulk.outcome.changed", "Изменено", "Changed"),
    ("bulk.outcome.skipped", "Пропущено", "Skipped"),
    ("bulk.outcome.failed", "Ошибка", "Failed"),
    ("bulk.outcome.not_reached", "Не выполнено", "Not reached"),
    (
        "bulk.why",
        "Что изменилось или почему нет",
        "What changed, or why not",
    ),
    (
        "bulk.no_results",
        "Нет номеров с таким итогом",
        "No line with this outcome",
    ),
    ("bulk.results", "Итоги по номерам", "Outcomes by line"),
    ("bulk.cancel", "Остановить", "Stop"),
    (
        "bulk.cancel_confirm",
        "Остановить операцию? Уже изменённые номера останутся изменёнными.",
        "Stop the operation? Lines already changed stay changed.",
    ),
    (
        "bulk.retry",
        "Повторить для номеров с ошибкой",
        "Retry the failed lines",
    ),
    ("bulk.change", "Изменение", "Change"),
    (
        "bulk.how",
        "Отметьте номера в списке номеров или выберите все по фильтру, затем выберите изменение.",
        "Tick lines in the lines list, or choose all the filter matches, then choose the change.",
    ),
    (
        "bulk.none",
        "Массовых изменений ещё не было",
        "No bulk change yet",
    ),
    ("bulk.bar_chosen", "Выбрано", "Chosen"),
    (
        "bulk.bar_all",
        "Выбрать все по фильтру",
        "Choose all the filter matches",
    ),
    (
        "bulk.bar_all_chosen",
        "Выбраны все номера по фильтру",
        "Every line the filter matches is chosen",
    ),
    ("bulk.bar_change", "Изменить…", "Change…"),
    (
        "bulk.pick_page",
        "Выбрать все на странице",
        "Choose all on the page",
    ),
    ("bulk.pick_line", "Выбрать номер", "Choose the line"),
    (
        "bulk.list_how",
        "Загрузите список номеров (XLSX, XLS, ODS или CSV): номера в любом написании, колонка с номерами найдётся сама. В соседней колонке можно указать для каждого номера свой тариф, лимит или подразделение.",
        "Upload a list of numbers (XLSX, XLS, ODS or CSV): numbers in any spelling, the column that holds them is found. A column beside it can give each line its own tariff, limit or department.",
    ),
    ("bulk.list_file", "Файл со списком", "List file"),
    ("bulk.list_upload", "Загрузить список", "Upload the list"),
    (
        "bulk.or_lines",
        "или отметьте номера в списке номеров",
        "or tick lines in the lines list",
    ),
    ("bulk.from_file", "Из файла", "From a file"),
    ("bulk.list", "Список", "List"),
    ("bulk.list_rows", "строк", "rows"),
    ("bulk.numbers_in", "номера в колонке", "numbers in column"),
    (
        "bulk.value_column",
        "Своё значение для каждого номера — из колонки",
        "Each line's own value from column",
    ),
    (
        "bulk.value_none",
        "нет: всем номерам одно значение",
        "none: one value for every line",
    ),
    (
        "bulk.value_hint",
        "Тариф — код или название, лимит — сумма, подразделение — название или путь («Логистика / Склад»). Номера без значения получат выбранное ниже.",
        "A tariff by its code or name, a limit as an amount, a department by its name or path («Logistics / Store»). Lines without a value take the one chosen below.",
    ),
    (
        "bulk.groups",
        "По значениям из списка",
        "By the list's values",
    ),
    ("bulk.target", "Куда", "To"),
    ("bulk.by_list", "по списку", "as the list says"),
    (
        "bulk.only_listed",
        "только номерам со значением в списке",
        "only to lines the list gives a value",
    ),
    ("app.tagline", "Корпоративный кабинет", "Business cabinet"),
    ("nav.overview", "Главная", "Overview"),
    ("nav.lines", "Номера", "Lines"),
    ("nav.employees", "Сотрудники", "Employees"),
    ("nav.departments", "Подразделения", "Departments"),
    ("nav.audit", "Журнал", "Audit log"),
    ("nav.menu", "Меню", "Menu"),
    (
        "flash.employee_created",
        "Сотрудник добавлен",
        "Employee added",
    ),
    (
        "flash.employee_saved",
        "Сотрудник сохранён",
        "Employee saved",
    ),
    (
        "flash.employee_deleted",
        "Сотрудник удалён, его номера остались без сотрудника",
        "Employee deleted; their lines stay, with no employee",
    ),
    (
        "flash.department_created",
        "Подразделение добавлено",
        "Department added",
    ),
    (
        "flash.department_saved",
        "Подразделение сохранено",
        "Department saved",
    ),
    (
        "flash.department_deleted",
        "Подразделение удалено",
        "Department deleted",
    ),
    ("flash.grant_given", "Права переданы", "Rights given"),
    ("flash.grant_revoked", "Права отозваны", "Rights revoked"),
    ("flash.token_revoked", "Токен отозван", "Token revoked"),
    ("flash.role_set", "Роль изменена", "Role changed"),
    (
        "flash.member_blocked",
        "Пользователь заблокирован",
        "User blocked",
    ),
    (
        "flash.member_unblocked",
        "Пользователь разблокирован",
        "User unblocked",
    ),
    (
        "flash.member_removed",
        "Пользователь исключён из компании",
        "User removed from the company",
    ),
    ("flash.session_ended", "Сеанс завершён", "Session ended"),
    (
        "flash.member_invited",
        "Приглашение отправлено",
        "Invitation sent",
    ),
    (
        "flash.password_changed",
        "Пароль изменён; другие сеансы завершены",
        "Password changed; every other session ended",
    ),
    ("password.title", "Пароль", "Password"),
    ("password.current", "Текущий пароль", "Current password"),
    ("password.new", "Новый пароль", "New password"),
    (
        "password.confirm",
        "Новый пароль ещё раз",
        "The new password again",
    ),
    ("password.change", "Сменить пароль", "Change the password"),
    (
        "password.hint",
        "Не короче 8 символов и не из списка частых паролей. Менять пароль можно не чаще 2 раз в сутки; остальные ваши сеансы завершатся.",
        "At least 8 characters and not a common one. A password can be changed at most twice a day; your other sessions end.",
    ),
    (
        "password.wrong_current",
        "Текущий пароль введён неверно.",
        "The current password is wrong.",
    ),
    (
        "password.locked",
        "Слишком много неверных паролей: смена пароля временно недоступна. Попробуйте через 15 минут.",
        "Too many wrong passwords: changing the password is closed for now. Try again in 15 minutes.",
    ),
    (
        "flash.other_sessions_ended",
        "Все другие сеансы завершены",
        "Every other session ended",
    ),
    ("nav.api", "Документация API", "API documentation"),
    ("nav.access", "Доступ", "Access"),
    ("access.title", "Доступ и права", "Access and rights"),
    ("matrix.title", "Кто что может", "Who can do what"),
    (
        "matrix.hint",
        "Права каждого пользователя компании, как их решает политика доступа: по роли — во всей компании, по делегированию — в указанных подразделениях и номерах.",
        "Each user's rights as the access policy decides them: by role across the company, by delegation in the departments and lines named.",
    ),
    ("matrix.everywhere", "Вся компания", "Whole company"),
    (
        "access.members",
        "Пользователи компании",
        "The company's users",
    ),
    ("access.person", "Кто", "Who"),
    ("access.role", "Роль", "Role"),
    (
        "access.invite_title",
        "Пригласить бухгалтера или администратора",
        "Invite an accountant or an administrator",
    ),
    (
        "access.invite_hint",
        "Человек получит всю роль в компании; по SMS придёт приглашение войти по коду.",
        "The person gets the whole role in the company; an SMS invites them to sign in by code.",
    ),
    ("access.invite", "Пригласить", "Invite"),
    (
        "access.remove",
        "Исключить из компании",
        "Remove from the company",
    ),
    (
        "access.remove_confirm",
        "Убрать пользователя из компании? Его права будут отозваны, сеансы завершены.",
        "Remove this user from the company? Their rights are revoked and sessions ended.",
    ),
    ("access.grants", "Делегированные права", "Delegated rights"),
    ("access.rights", "Права", "Rights"),
    ("access.scope", "Область действия", "Scope"),
    ("access.until", "До", "Until"),
    (
        "access.until_hint",
        "последний день; пусто — бессрочно",
        "the last day; empty: no end",
    ),
    ("access.state", "Состояние", "State"),
    ("access.state.active", "Действует", "Active"),
    ("access.state.expired", "Срок истёк", "Expired"),
    ("access.state.revoked", "Отозвано", "Revoked"),
    ("access.revoke", "Отозвать", "Revoke"),
    (
        "access.no_grants",
        "Права ещё никому не передавались.",
        "No rights delegated yet.",
    ),
    ("access.new_grant", "Передать права", "Delegate rights"),
    ("access.full_name", "ФИО", "Full name"),
    (
        "access.full_name_hint",
        "для нового пользователя; ему придёт SMS-приглашение",
        "for a new user, who gets an SMS invitation",
    ),
    (
        "access.departments",
        "Подразделения (вместе с вложенными)",
        "Departments (with those under them)",
    ),
    ("access.lines", "Отдельные номера", "Single lines"),
    ("access.grant", "Передать", "Delegate"),
    ("tokens.title", "API-токены", "API tokens"),
    (
        "tokens.hint",
        "Для учётной системы компании: запросы к /api/v1 с заголовком Authorization: Bearer. Токен показывается один раз.",
        "For the company's systems: calls to /api/v1 with an Authorization: Bearer header. A token is shown once.",
    ),
    (
        "tokens.issued",
        "Сохраните токен: он больше не будет показан",
        "Save the token: it will not be shown again",
    ),
    ("tokens.name", "Название", "Name"),
    ("tokens.prefix", "Префикс", "Prefix"),
    ("tokens.last_used", "Последнее использование", "Last used"),
    ("tokens.none", "Токенов нет.", "No tokens."),
    ("tokens.kind", "Права токена", "The token's rights"),
    (
        "tokens.by_rights",
        "только отмеченные права",
        "only the rights ticked",
    ),
    ("tokens.issue", "Выпустить токен", "Issue a token"),
    ("role.admin", "Администратор", "Administrator"),
    ("role.manager", "Уполномоченный", "Delegate"),
    ("role.accountant", "Бухгалтер", "Accountant"),
    ("role.employee", "Сотрудник", "Employee"),
    ("right.lines.view", "Просмотр номеров", "View lines"),
    ("right.lines.services", "Услуги", "Services"),
    ("right.lines.tariff", "Смена тарифа", "Change tariffs"),
    (
        "right.lines.status",
        "Блокировка и возобновление",
        "Suspend and resume",
    ),
    ("right.lines.limits", "Лимиты расходов", "Spend limits"),
    (
        "right.lines.assign",
        "Закрепление за сотрудниками",
        "Assign to employees",
    ),
    ("right.bulk.run", "Массовые изменения", "Bulk changes"),
    (
        "right.roster.import",
        "Импорт списка сотрудников",
        "Roster import",
    ),
    ("right.finance.view", "Финансы", "Finance"),
    ("right.reports.download", "Отчёты", "Reports"),
    (
        "right.users.manage",
        "Управление пользователями",
        "Manage users",
    ),
    ("top.account", "Лицевой счёт", "Account"),
    ("top.logout", "Выйти", "Log out"),
    ("top.switch_company", "Сменить компанию", "Switch company"),
    ("login.title", "Вход в кабинет", "Sign in"),
    ("login.number", "Номер телефона", "Phone number"),
    ("login.password", "Пароль", "Password"),
    ("login.submit", "Войти", "Sign in"),
    (
        "login.failed",
        "Неверный номер или пароль",
        "Wrong number or password",
    ),
    (
        "login.hint",
        "Администратор компании входит по административному номеру.",
        "A company administrator signs in with the company's administrative number.",
    ),
    (
        "login.with_code",
        "Войти по SMS-коду",
        "Sign in with an SMS code",
    ),
    ("login.forgot", "Не помню пароль", "Forgot your password?"),
    (
        "login.with_password",
        "Войти с паролем",
        "Sign in with a password",
    ),
    (
        "login.locked",
        "Слишком много неверных паролей. Войдите по SMS-коду.",
        "Too many wrong passwords. Sign in with an SMS code.",
    ),
    (
        "login.throttled",
        "Слишком много попыток с вашего IP-адреса. Попробуйте через 15 минут.",
        "Too many attempts from this address. Try again in 15 minutes.",
    ),
    (
        "login.reset_done",
        "Пароль изменён. Войдите с новым паролем.",
        "The password is changed. Sign in with the new one.",
    ),
    (
        "code.title_login",
        "Вход по SMS-коду",
        "Sign in with an SMS code",
    ),
    ("code.title_reset", "Новый пароль", "A new password"),
    (
        "code.number_hint",
        "Мы отправим код на этот номер, если он зарегистрирован.",
        "We will text a code to this number if it is registered.",
    ),
    ("code.send", "Получить код", "Get a code"),
    (
        "code.sent",
        "Если номер зарегистрирован, на него отправлен код. Он действует 5 минут.",
        "If the number is registered, a code has been sent to it. It is valid for 5 minutes.",
    ),
    ("code.code", "Код из SMS", "Code from the SMS"),
    (
        "code.wrong",
        "Неверный или устаревший код. Если попытки кончились, запросите новый.",
        "Wrong or expired code. If you have run out of tries, ask for a new one.",
    ),
    (
        "code.too_many",
        "Слишком много запросов кода. Следующий можно получить через",
        "Too many codes asked for. The next one can be asked for in",
    ),
    ("code.again", "Запросить новый код", "Ask for a new code"),
    ("reset.password", "Новый пароль", "New password"),
    ("reset.confirm", "Повторите пароль", "Repeat the password"),
    ("reset.submit", "Сменить пароль", "Change the password"),
    (
        "reset.mismatch",
        "Пароли не совпадают",
        "The passwords differ",
    ),
    (
        "reset.too_many",
        "Пароль можно менять не чаще 2 раз в сутки.",
        "A password can be changed at most twice a day.",
    ),
    (
        "mail.new_device.subject",
        "simfleet: вход с нового устройства",
        "simfleet: a sign-in from a new device",
    ),
    (
        "mail.new_device.intro",
        "В ваш кабинет simfleet вошли с устройства, с которого раньше не входили.",
        "Someone signed in to your simfleet cabinet from a device not used before.",
    ),
    ("mail.new_device.when", "Когда", "When"),
    ("mail.new_device.ip", "IP-адрес", "IP address"),
    ("mail.new_device.browser", "Браузер", "Browser"),
    (
        "mail.new_device.not_you",
        "Если это были не вы, смените пароль и завершите чужие сеансы:",
        "If it was not you, change the password and end the sessions you do not know:",
    ),
    (
        "mail.second_locked.subject",
        "simfleet: вход по второму фактору временно закрыт",
        "simfleet: second-factor sign-in paused",
    ),
    (
        "mail.second_locked.intro",
        "Для вашего номера 10 раз ввели неверный код второго фактора. На 15 минут вход по второму фактору закрыт: не подойдёт ни один код, и правильный тоже.",
        "A wrong second-factor code was entered 10 times for your number. Second-factor sign-in is closed for 15 minutes: no code works, the right one neither.",
    ),
    (
        "mail.second_locked.not_you",
        "Если это были не вы, кто-то знает ваш пароль или получил ваши SMS: смените пароль.",
        "If it was not you, someone knows your password or receives your SMS: change the password.",
    ),
    (
        "second.locked",
        "Слишком много неверных кодов: вход по второму фактору закрыт на 15 минут. Если в профиле указан e-mail, мы сообщили об этом письмом.",
        "Too many wrong codes: second-factor sign-in is closed for 15 minutes. If your profile has an e-mail address, we have told you there.",
    ),
    (
        "second.address_waits",
        "С вашего IP-адреса слишком много неверных кодов. Попробуйте через 15 минут.",
        "Too many wrong codes from this address. Try again in 15 minutes.",
    ),
    ("second.title", "Второй фактор", "Second factor"),
    (
        "second.hint",
        "Введите 6-значный код из приложения-аутентификатора.",
        "Enter the 6-digit code from your authenticator app.",
    ),
    ("second.code", "Код из приложения", "Code from the app"),
    (
        "second.recovery_hint",
        "Нет телефона с приложением? Введите один из резервных кодов.",
        "No phone with the app? Enter one of your recovery codes.",
    ),
    (
        "second.wrong",
        "Код не подошёл или уже использован. Попробуйте следующий код.",
        "The code did not match or was already used. Try the next code.",
    ),
    (
        "second.restart",
        "Начать вход заново",
        "Start signing in again",
    ),
    ("access.blocked", "Заблокирован", "Blocked"),
    ("access.block", "Заблокировать", "Block"),
    ("access.unblock", "Разблокировать", "Unblock"),
    (
        "access.block_confirm",
        "Заблокировать? Все его сеансы в компании завершатся сразу, права сохранятся до разблокировки.",
        "Block? Their sessions in the company end at once; rights are kept until unblocked.",
    ),
    (
        "access.admins_need_totp",
        "Администраторы входят только со вторым фактором (приложение-аутентификатор)",
        "Administrators sign in only with a second factor (an authenticator app)",
    ),
    (
        "access.admins_without",
        "Ещё не подключили второй фактор (при следующем запросе их попросят это сделать)",
        "Not set up yet (they will be asked to on their next request)",
    ),
    ("audit.erased", "данные удалены", "data erased"),
    ("nav.roster", "Импорт", "Import"),
    ("job.queued", "В очереди", "Queued"),
    ("job.running", "Выполняется", "Running"),
    ("job.done", "Готово", "Done"),
    ("job.failed", "Не выполнено", "Failed"),
    (
        "roster.job",
        "Импорт большой: он применяется в фоне. Страницу можно закрыть и открыть снова.",
        "A large import: it is applied in the background. You can close this page and come back.",
    ),
    ("roster.title", "Импорт сотрудников", "Roster import"),
    (
        "roster.hint",
        "Загрузите список сотрудников: ФИО, телефон, подразделение, ЦФО, табельный номер, должность, e-mail. Сначала вы увидите, что изменится, и только потом подтвердите.",
        "Upload the staff list: name, phone, department, cost centre, personnel number, position, e-mail. You will see what changes before you confirm.",
    ),
    ("roster.file", "Файл", "File"),
    (
        "roster.template",
        "Шаблон для заполнения (XLSX)",
        "A template to fill in (XLSX)",
    ),
    (
        "roster.current",
        "Текущий список сотрудников в этом формате (XLSX)",
        "The current roster in this format (XLSX)",
    ),
    ("roster.upload", "Загрузить", "Upload"),
    (
        "roster.formats",
        "XLSX, XLSM, XLS, ODS или CSV (UTF-8 или Windows-1251, разделитель ; , или табуляция), до 20 МБ.",
        "XLSX, XLSM, XLS, ODS or CSV (UTF-8 or Windows-1251; separated by ; , or tab), up to 20 MB.",
    ),
    ("roster.preview", "Что изменится", "What will change"),
    ("roster.imported", "Загружено", "Imported"),
    (
        "roster.no_changes_yet",
        "Изменений пока нет: исправьте ошибки выше.",
        "No changes yet: fix the problems above.",
    ),
    (
        "roster.another",
        "Загрузить другой файл",
        "Upload another file",
    ),
    ("roster.done", "Готово.", "Done."),
    (
        "roster.already",
        "Файл уже применён.",
        "This file was already applied.",
    ),
    ("roster.applied.lines", "Номеров", "Lines"),
    (
        "roster.applied.added",
        "новых сотрудников",
        "employees added",
    ),
    ("roster.applied.changed", "изменено", "changed"),
    ("roster.applied.removed", "удалено", "removed"),
    (
        "roster.applied.departments",
        "новых подразделений",
        "new departments",
    ),
    (
        "roster.applied.skipped",
        "пропущено строк с ошибками",
        "rows with problems left out",
    ),
    ("roster.count.new", "Новые", "New"),
    ("roster.count.changed", "Изменятся", "Changed"),
    ("roster.count.unchanged", "Без изменений", "Unchanged"),
    ("roster.count.errors", "С ошибками", "With errors"),
    ("roster.columns", "Столбцы", "Columns"),
    ("roster.sheet", "Лист", "Sheet"),
    ("roster.header", "Заголовок в файле", "Header in the file"),
    ("roster.means", "Что это", "Means"),
    ("roster.ignore", "— не загружать —", "— ignore —"),
    (
        "roster.mode.add_update",
        "Добавить и обновить",
        "Add and update",
    ),
    (
        "roster.mode.full_sync",
        "Полная синхронизация (удалить тех, кого нет в файле)",
        "Full sync (remove those not in the file)",
    ),
    ("roster.recount", "Пересчитать", "Recount"),
    ("roster.problems", "Ошибки", "Problems"),
    (
        "roster.problems_left",
        "Не применены: строки с ошибками",
        "Not applied: the rows with problems",
    ),
    ("roster.warnings", "Предупреждения", "Warnings"),
    (
        "roster.warnings_hint",
        "Эти строки будут применены так, как написаны; проверьте, что так и задумано.",
        "These rows are applied as written: check that this is what you meant.",
    ),
    (
        "roster.errors_download",
        "Скачать строки с ошибками (XLSX)",
        "Download the rows with errors (XLSX)",
    ),
    ("roster.errors_column", "Ошибки", "Problems"),
    (
        "roster.errors_sheet",
        "Строки с ошибками",
        "Rows with problems",
    ),
    ("roster.row", "Строка", "Row"),
    ("roster.past", "Прошлые загрузки", "Earlier uploads"),
    ("roster.past_file", "Файл", "File"),
    ("roster.past_when", "Загружен", "Uploaded"),
    ("roster.past_who", "Кто", "By"),
    ("roster.past_result", "Итог", "Result"),
    ("roster.past_applied", "Применён", "Applied"),
    ("roster.past_failed", "Ошибка применения", "Failed"),
    ("roster.past_running", "Применяется", "Being applied"),
    ("roster.past_not_applied", "Не применён", "Not applied"),
    ("roster.column", "Столбец", "Column"),
    ("roster.reason", "Что не так", "What is wrong"),
    (
        "roster.new_departments",
        "Новые подразделения",
        "New departments",
    ),
    ("roster.removals", "Будут удалены", "To be removed"),
    (
        "roster.removals_hint",
        "Их нет в файле: сотрудники будут удалены, их номера останутся в компании без сотрудника.",
        "Not in the file: these employees are removed; their lines stay with the company, unassigned.",
    ),
    ("roster.changes", "Изменения", "Changes"),
    (
        "roster.nothing",
        "0 изменений: всё уже так, как в файле.",
        "0 changes: everything is already as in the file.",
    ),
    ("roster.before", "Было", "Before"),
    ("roster.after", "Станет", "After"),
    ("roster.more", "и ещё", "and more"),
    (
        "roster.network",
        "Тарифы и лимиты из файла — это изменения в сети; их можно будет запустить после импорта. Номеров с другим тарифом или лимитом",
        "Tariffs and limits in the file are network changes, offered after the import. Lines with another tariff or limit",
    ),
    ("roster.change.employee", "сотрудник", "employee"),
    ("roster.change.network", "тариф, лимит", "tariff, limit"),
    (
        "roster.network_title",
        "Тарифы и лимиты из файла",
        "Tariffs and limits from the file",
    ),
    (
        "roster.network_hint",
        "Это изменения в сети оператора: каждое применяется к своему номеру отдельно, как на карточке номера, со своей записью в журнале. Номера, которые сеть или правила тарифа не примут, будут перечислены с причиной.",
        "These are changes to the operator's network: each is applied to its line on its own, as on the line's card, with its own audit entry. Lines the network or the tariff's rules refuse are listed with the reason.",
    ),
    (
        "roster.network_start",
        "Запустить изменения тарифов и лимитов",
        "Start the tariff and limit changes",
    ),
    (
        "roster.network_applied",
        "Применено изменений",
        "Changes applied",
    ),
    ("roster.network_failed", "Не применено", "Not applied"),
    (
        "roster.network_nothing",
        "Тарифы и лимиты из файла уже такие же, как у номеров, или импорт ещё не применён.",
        "The file's tariffs and limits are already the lines', or the import is not applied yet.",
    ),
    ("roster.change.line", "номер", "line"),
    (
        "roster.confirm_removals",
        "Да, удалить сотрудников, которых нет в файле",
        "Yes, remove the employees not in the file",
    ),
    (
        "roster.confirm_needed",
        "Подтвердите удаление сотрудников, которых нет в файле.",
        "Confirm removing the employees not in the file.",
    ),
    ("roster.apply", "Применить", "Apply"),
    (
        "roster.fix_first",
        "Сначала исправьте ошибки в файле.",
        "Fix the problems in the file first.",
    ),
    (
        "roster.apply_good",
        "Применить только строки без ошибок",
        "Apply only the rows without problems",
    ),
    (
        "roster.apply_good_hint",
        "Строки с ошибками останутся как есть, никто не будет удалён; исправленный файл можно загрузить потом.",
        "Rows with problems stay as they are and nobody is removed; upload the corrected file later.",
    ),
    ("roster.field.full_name", "ФИО", "Full name"),
    ("roster.field.last_name", "Фамилия", "Last name"),
    ("roster.field.first_name", "Имя", "First name"),
    ("roster.field.middle_name", "Отчество", "Middle name"),
    ("roster.field.phone", "Телефон", "Phone"),
    ("roster.field.department", "Подразделение", "Department"),
    ("roster.field.cost_centre", "ЦФО", "Cost centre"),
    (
        "roster.field.personnel_number",
        "Табельный номер",
        "Personnel number",
    ),
    ("roster.field.position", "Должность", "Position"),
    ("roster.field.email", "E-mail", "E-mail"),
    ("roster.field.tariff", "Тариф", "Tariff"),
    ("roster.field.limit", "Лимит", "Limit"),
    ("security.title", "Вход и защита", "Sign-in security"),
    (
        "security.totp",
        "Приложение-аутентификатор",
        "Authenticator app",
    ),
    (
        "security.required",
        "Компания требует второй фактор у администраторов. Подключите приложение-аутентификатор, чтобы продолжить работу.",
        "The company requires administrators to use a second factor. Set up an authenticator app to continue.",
    ),
    ("security.on", "Включён", "On"),
    (
        "security.codes_left",
        "Осталось резервных кодов",
        "Recovery codes left",
    ),
    (
        "security.current_code",
        "Код из приложения",
        "Code from the app",
    ),
    (
        "security.renew",
        "Новые резервные коды",
        "New recovery codes",
    ),
    ("security.disable", "Отключить", "Turn off"),
    (
        "security.off_hint",
        "Кроме пароля или SMS-кода, при входе будет нужен код из приложения на вашем телефоне (Яндекс Ключ, Google Authenticator и другие). Это защищает кабинет даже при подмене SIM-карты.",
        "Besides the password or SMS code, signing in will need a code from an app on your phone (Yandex Key, Google Authenticator and others). This protects the cabinet even against a SIM swap.",
    ),
    ("security.start", "Подключить", "Set up"),
    (
        "security.scan",
        "Отсканируйте QR-код приложением-аутентификатором.",
        "Scan the QR code with your authenticator app.",
    ),
    (
        "security.manual",
        "Или введите ключ вручную:",
        "Or type the key in by hand:",
    ),
    (
        "security.first_code",
        "Код из приложения",
        "Code from the app",
    ),
    ("security.confirm", "Подтвердить", "Confirm"),
    ("security.codes_title", "Резервные коды", "Recovery codes"),
    (
        "security.codes_hint",
        "Сохраните эти коды: каждый подходит один раз, если телефона с приложением нет под рукой. Больше они показаны не будут.",
        "Keep these codes: each works once when the phone with the app is not at hand. They will not be shown again.",
    ),
    (
        "security.wrong_code",
        "Код не подошёл или уже использован.",
        "The code did not match or was already used.",
    ),
    (
        "security.already_on",
        "Второй фактор уже включён.",
        "The second factor is already on.",
    ),
    (
        "security.not_on",
        "Второй фактор не включён.",
        "The second factor is not on.",
    ),
    (
        "security.required_by",
        "Отключить нельзя: второй фактор у администраторов обязателен в компании",
        "It cannot be turned off: administrators must have a second factor in",
    ),
    (
        "sessions.title",
        "Устройства и сеансы",
        "Devices and sessions",
    ),
    (
        "sessions.hint",
        "Где сейчас открыт ваш кабинет. Завершите сеанс, который вы не узнаёте, и смените пароль.",
        "Where your cabinet is open now. End a session you do not recognise and change the password.",
    ),
    ("sessions.device", "Браузер", "Browser"),
    ("sessions.ip", "IP-адрес", "IP address"),
    ("sessions.started", "Вход", "Signed in"),
    ("sessions.last", "Последнее действие", "Last activity"),
    ("sessions.this", "Текущий", "Current"),
    ("access.you", "Вы", "You"),
    ("choose.inn", "ИНН", "INN"),
    ("sessions.end", "Завершить", "End"),
    (
        "sessions.end_others",
        "Завершить все, кроме текущего",
        "End all but this one",
    ),
    ("choose.title", "Выберите компанию", "Choose a company"),
    ("choose.submit", "Открыть", "Open"),
    (
        "choose.none",
        "У вашего номера нет доступа ни к одной компании.",
        "This number has no access to any company.",
    ),
    ("overview.title", "Главная", "Overview"),
    ("overview.company", "Компания", "Company"),
    ("overview.inn_kpp", "ИНН / КПП", "INN / KPP"),
    ("overview.contract", "Договор №", "Contract no."),
    ("overview.region", "Регион", "Region"),
    ("overview.lines_total", "Всего номеров", "Total lines"),
    (
        "overview.by_status",
        "Номера по статусам",
        "Lines by status",
    ),
    (
        "overview.by_department",
        "Номера по подразделениям",
        "Lines by department",
    ),
    (
        "overview.monthly_fees",
        "Итого в месяц: тарифы и услуги",
        "Monthly total: tariffs and services",
    ),
    (
        "overview.without_department",
        "Без подразделения",
        "No department",
    ),
    ("status.active", "Активен", "Active"),
    ("status.suspended", "Добровольная блокировка", "Suspended"),
    (
        "status.blocked",
        "Заблокирован оператором",
        "Blocked by the operator",
    ),
    ("status.lost", "SIM-карта утеряна", "SIM lost"),
    (
        "blocked.lost",
        "Номер заблокирован по заявлению об утере SIM-карты. Вставьте новую SIM: введите её ICCID и нажмите «Заменить SIM…» ниже — номер, тариф и услуги сохранятся.",
        "The line is blocked because its SIM was reported lost. Put in a new SIM: enter its ICCID and press «Replace SIM…» below; the number, tariff and services stay.",
    ),
    (
        "blocked.debt",
        "Оператор заблокировал номер из-за задолженности. Пополните баланс: оператор снимет блокировку после оплаты.",
        "The operator blocked the line for debt. Top up the balance: the operator lifts the block once it is paid.",
    ),
    (
        "blocked.unregistered",
        "Оператор заблокировал номер: не указаны данные пользователя. Передайте оператору ФИО и паспортные данные пользователя, и блокировку снимут.",
        "The operator blocked the line: its user is not registered. Give the operator the user's name and passport details, and the block is lifted.",
    ),
    (
        "blocked.other",
        "Номер заблокирован оператором. Снять блокировку может только оператор.",
        "The operator blocked the line. Only the operator can lift the block.",
    ),
    ("status.terminated", "Расторгнут", "Terminated"),
    ("lines.title", "Номера", "Lines"),
    (
        "lines.search",
        "Номер, последние цифры или фамилия",
        "Number, last digits or surname",
    ),
    (
        "lines.all_departments",
        "Все подразделения",
        "All departments",
    ),
    ("lines.all_statuses", "Все статусы", "All statuses"),
    ("lines.all_tariffs", "Все тарифы", "All tariffs"),
    ("lines.apply", "Показать", "Show"),
    ("lines.reset", "Сбросить", "Reset"),
    ("lines.number", "Номер", "Number"),
    ("lines.employee", "Сотрудник", "Employee"),
    ("lines.department", "Подразделение", "Department"),
    ("lines.status", "Статус", "Status"),
    ("lines.tariff", "Тариф", "Tariff"),
    ("lines.fee", "Плата в месяц", "Monthly fee"),
    ("lines.tariff_fee", "Тариф в месяц", "Tariff a month"),
    ("lines.services_fee", "Услуги в месяц", "Services a month"),
    ("lines.monthly", "Итого в месяц", "Monthly total"),
    ("lines.all_cost_centres", "Все ЦФО", "All cost centres"),
    ("change.kind.change_tariff", "Смена тарифа", "Tariff change"),
    (
        "change.kind.enable_service",
        "Подключение услуги",
        "Adding a service",
    ),
    (
        "change.kind.disable_service",
        "Отключение услуги",
        "Removing a service",
    ),
    (
        "change.kind.suspend",
        "Добровольная блокировка",
        "Voluntary suspension",
    ),
    (
        "change.kind.resume",
        "Снятие добровольной блокировки",
        "Lifting the suspension",
    ),
    (
        "change.kind.report_lost",
        "Утеря SIM-карты",
        "A lost SIM card",
    ),
    (
        "change.kind.replace_sim",
        "Замена SIM-карты",
        "SIM card replacement",
    ),
    (
        "change.kind.block",
        "Блокировка оператором",
        "Operator block",
    ),
    (
        "change.kind.unblock",
        "Снятие блокировки оператора",
        "Lifting the operator block",
    ),
    (
        "change.kind.set_limit",
        "Установка лимита расходов",
        "Setting the spend limit",
    ),
    (
        "change.kind.remove_limit",
        "Снятие лимита расходов",
        "Removing the spend limit",
    ),
    (
        "change.kind.reassign",
        "Закрепление номера",
        "Assigning the line",
    ),
    ("lines.tariff_part", "тариф", "tariff"),
    ("card.limit_placeholder", "5 000,00", "5000.00"),
    (
        "card.terminated",
        "Договор по номеру расторгнут: плата не начисляется, изменения недоступны.",
        "The line is terminated: nothing is charged and it cannot be changed.",
    ),
    (
        "access.token_name_example",
        "1С:Бухгалтерия",
        "1C:Accounting",
    ),
    ("lines.services_part", "услуги", "services"),
    (
        "lines.while_blocked",
        "плата за блокировку",
        "the fee while blocked",
    ),
    ("export.total", "Итого номеров", "Total lines"),
    ("export.made", "Выгружено", "Exported"),
    ("export.filters", "Отбор", "Filters"),
    ("export.no_filters", "нет, все номера", "none, every line"),
    ("export.search", "Поиск", "Search"),
    ("lines.service", "Услуга", "Service"),
    ("lines.any_service", "Все услуги", "All services"),
    ("lines.per_page", "Строк на странице", "Rows per page"),
    ("lines.a_page", "на странице", "per page"),
    ("lines.limit", "Лимит", "Limit"),
    ("lines.found", "Найдено", "Found"),
    ("lines.more_than", "более", "more than"),
    (
        "lines.narrow_down",
        "уточните поиск или фильтр",
        "narrow the search or filter",
    ),
    ("lines.none", "Номеров не найдено", "No lines found"),
    ("lines.no_employee", "Не закреплён", "Unassigned"),
    ("lines.no_limit", "Без лимита", "No limit"),
    ("pager.prev", "Назад", "Previous"),
    ("pager.next", "Вперёд", "Next"),
    ("pager.page", "Стр.", "Page"),
    ("pager.of", "из", "of"),
    ("card.iccid", "ICCID (SIM)", "ICCID (SIM)"),
    ("card.a_month", "в месяц", "a month"),
    ("card.tariff_part", "Тариф", "Tariff"),
    ("card.services_part", "услуги", "services"),
    (
        "card.paused_fees",
        "пока номер заблокирован, начисляется только плата за блокировку",
        "while the line is suspended or blocked, only the suspension fee is charged",
    ),
    (
        "card.no_fees",
        "Номер расторгнут: плата не начисляется.",
        "The line is terminated: nothing is charged.",
    ),
    ("card.activated", "Подключён", "Activated"),
    ("card.cost_centre", "ЦФО", "Cost centre"),
    (
        "card.cost_centre_own",
        "задан для номера",
        "set for the line",
    ),
    (
        "card.cost_centre_dept",
        "по подразделению",
        "from the department",
    ),
    ("card.position", "Должность", "Position"),
    ("card.tariff_inclusions", "В тарифе", "Included"),
    ("card.minutes", "мин", "min"),
    ("card.sms", "SMS", "SMS"),
    ("card.gb", "ГБ", "GB"),
    ("card.overage", "Сверх пакета", "Beyond the package"),
    ("card.per_minute", "за минуту", "per minute"),
    ("card.per_sms", "за SMS", "per SMS"),
    ("card.per_mb", "за МБ", "per MB"),
    ("card.services", "Подключённые услуги", "Enabled services"),
    ("card.no_services", "Услуг нет", "No services"),
    ("card.since", "с", "since"),
    ("card.history", "История", "History"),
    (
        "card.no_history",
        "Изменений пока не было",
        "No changes yet",
    ),
    ("card.back", "Все номера", "All lines"),
    (
        "card.spend_limit",
        "Лимит расходов в месяц",
        "Monthly spend limit",
    ),
    ("dept.title", "Подразделения", "Departments"),
    ("dept.new", "Новое подразделение", "New department"),
    ("dept.edit", "Изменить подразделение", "Edit department"),
    ("dept.name", "Название", "Name"),
    ("dept.parent", "Входит в", "Part of"),
    ("dept.top_level", "— верхний уровень —", "— top level —"),
    ("dept.cost_centre", "Код ЦФО", "Cost centre code"),
    ("dept.lines", "Номеров", "Lines"),
    ("dept.employees", "Сотрудников", "Employees"),
    ("dept.none", "Подразделений пока нет", "No departments yet"),
    ("emp.title", "Сотрудники", "Employees"),
    ("emp.new", "Новый сотрудник", "New employee"),
    ("emp.edit", "Изменить сотрудника", "Edit employee"),
    ("emp.full_name", "ФИО", "Full name"),
    ("emp.no_lines", "Номеров нет.", "No lines."),
    (
        "emp.assign_number",
        "Номер для сотрудника",
        "A line for the employee",
    ),
    ("emp.assign", "Закрепить номер…", "Assign a line…"),
    (
        "emp.assign_hint",
        "Номер перейдёт к сотруднику и в его подразделение; перед этим вы увидите, что изменится.",
        "The line moves to the employee and their department; you see what changes first.",
    ),
    (
        "emp.personnel_number",
        "Табельный номер",
        "Personnel number",
    ),
    ("emp.position", "Должность", "Position"),
    ("emp.department", "Подразделение", "Department"),
    ("emp.email", "E-mail", "E-mail"),
    ("emp.lines", "Номеров", "Lines"),
    ("emp.numbers", "Номера", "Lines"),
    ("emp.search", "Фамилия или имя", "Surname or name"),
    ("emp.none", "Сотрудников не найдено", "No employees found"),
    (
        "emp.no_department",
        "— без подразделения —",
        "— no department —",
    ),
    (
        "emp.delete_note",
        "Номера сотрудника останутся у компании без закрепления.",
        "The employee's lines stay with the company, unassigned.",
    ),
    ("form.save", "Сохранить", "Save"),
    ("form.create", "Создать", "Create"),
    ("form.cancel", "Отмена", "Cancel"),
    ("form.delete", "Удалить", "Delete"),
    ("form.edit", "Изменить", "Edit"),
    (
        "form.fix_errors",
        "Исправьте ошибки в форме",
        "Please correct the errors below",
    ),
    (
        "form.confirm_delete",
        "Удалить безвозвратно?",
        "Delete for good?",
    ),
    ("change.field.reason", "Причина", "Reason"),
    ("change.field.cost_centre", "ЦФО", "Cost centre"),
    ("error.not_found", "Страница не найдена", "Page not found"),
    ("error.forbidden", "Нет доступа", "Access denied"),
    ("error.csrf", "Форма устарела", "The form has expired"),
    (
        "error.csrf_detail",
        "Обновите страницу и отправьте форму ещё раз.",
        "Reload the page and submit again.",
    ),
    ("error.bad_request", "Неверный запрос", "Bad request"),
    (
        "error.refused",
        "Сейчас это сделать нельзя",
        "This cannot be done now",
    ),
    ("error.internal", "Внутренняя ошибка", "Internal error"),
    ("audit.title", "Журнал действий", "Audit log"),
    ("audit.when", "Когда", "When"),
    ("audit.who", "Кто", "Who"),
    ("audit.action", "Действие", "Action"),
    ("audit.object", "Объект", "Object"),
    ("audit.change", "Изменение", "Change"),
    ("audit.ip", "IP", "IP"),
    ("audit.object_id", "Код объекта", "Object id"),
    ("audit.before", "Было", "Before"),
    ("audit.after", "Стало", "After"),
    ("audit.all_actions", "Все действия", "All actions"),
    ("audit.all_objects", "Все объекты", "All objects"),
    ("audit.from", "С", "From"),
    ("audit.to", "По", "To"),
    ("audit.none", "Записей нет", "No entries"),
    ("object.line", "Номер", "Line"),
    ("object.department", "Подразделение", "Department"),
    ("object.employee", "Сотрудник", "Employee"),
    ("object.company", "Компания", "Company"),
    ("object.user", "Пользователь", "User"),
    ("object.session", "Сеанс", "Session"),
    ("object.grant", "Права", "Grant"),
    ("object.api_token", "API-токен", "API token"),
    ("object.roster_upload", "Импорт списка", "Roster import"),
    ("object.bulk_operation", "Массовое изменение", "Bulk change"),
    (
        "action.bulk.confirm",
        "Массовое изменение запущено",
        "Bulk change started",
    ),
    (
        "action.bulk.cancel",
        "Массовое изменение остановлено",
        "Bulk change stopped",
    ),
    (
        "object.catalogue",
        "Каталог тарифов и услуг",
        "Tariff and service catalogue",
    ),
    ("audit.not_applied", "не применено", "not applied"),
    (
        "audit.actor.cli",
        "Оператор, командная строка",
        "Operator, command line",
    ),
    ("audit.actor.demo", "Демо-данные", "Demo data"),
    (
        "audit.actor.second_factor",
        "Второй фактор входа",
        "Second factor",
    ),
    ("audit.actor.token", "API-токен", "API token"),
    ("audit.personal.full_name", "ФИО", "name"),
    (
        "audit.personal.personnel_number",
        "табельный номер",
        "personnel number",
    ),
    ("audit.personal.email", "e-mail", "e-mail"),
    (
        "action.catalogue.load",
        "Каталог загружен",
        "Catalogue loaded",
    ),
    (
        "action.staff.add",
        "Сотрудник оператора добавлен",
        "Operator staff added",
    ),
    ("action.user.disabled", "Вход запрещён", "Sign-in disabled"),
    ("action.user.enabled", "Вход разрешён", "Sign-in enabled"),
    (
        "action.user.erased",
        "Личные данные удалены",
        "Personal data erased",
    ),
    (
        "action.roster.import",
        "Импорт списка сотрудников",
        "Roster imported",
    ),
    ("action.session.code_sent", "Код по SMS", "Code sent by SMS"),
    ("action.session.ended", "Сеансы завершены", "Sessions ended"),
    (
        "action.user.password_reset",
        "Пароль сброшен",
        "Password reset",
    ),
    (
        "action.user.password_changed",
        "Пароль изменён",
        "Password changed",
    ),
    (
        "action.user.totp_on",
        "Второй фактор включён",
        "Second factor on",
    ),
    (
        "action.user.totp_off",
        "Второй фактор выключен",
        "Second factor off",
    ),
    (
        "action.user.recovery_codes",
        "Новые резервные коды",
        "New recovery codes",
    ),
    (
        "action.company.admins_need_totp",
        "Второй фактор для администраторов",
        "Second factor for administrators",
    ),
    ("action.access.grant", "Права переданы", "Rights delegated"),
    (
        "action.access.grant_refused",
        "Передача прав отклонена",
        "Delegation refused",
    ),
    ("action.access.revoke", "Права отозваны", "Rights revoked"),
    (
        "action.access.token_created",
        "API-токен выпущен",
        "API token issued",
    ),
    (
        "action.access.token_revoked",
        "API-токен отозван",
        "API token revoked",
    ),
    ("action.access.role", "Роль изменена", "Role changed"),
    (
        "action.access.invite",
        "Приглашение в компанию",
        "Invited to the company",
    ),
    (
        "action.access.remove",
        "Пользователь исключён из компании",
        "User removed",
    ),
    (
        "action.access.block",
        "Пользователь заблокирован",
        "User blocked",
    ),
    (
        "action.access.unblock",
        "Пользователь разблокирован",
        "User unblocked",
    ),
    (
        "action.company.create",
        "Компания подключена",
        "Company onboarded",
    ),
    ("action.line.add", "Номер добавлен", "Line added"),
    (
        "action.line.unassign",
        "Номер откреплён от сотрудника",
        "Line unassigned",
    ),
    (
        "action.department.create",
        "Подразделение создано",
        "Department created",
    ),
    (
        "action.department.update",
        "Подразделение изменено",
        "Department changed",
    ),
    (
        "action.department.delete",
        "Подразделение удалено",
        "Department deleted",
    ),
    (
        "action.employee.create",
        "Сотрудник добавлен",
        "Employee added",
    ),
    (
        "action.employee.update",
        "Сотрудник изменён",
        "Employee changed",
    ),
    (
        "action.employee.delete",
        "Сотрудник удалён",
        "Employee deleted",
    ),
    ("action.session.login", "Вход в кабинет", "Signed in"),
    (
        "action.session.login_failed",
        "Неудачный вход",
        "Failed sign-in",
    ),
    (
        "action.session.company",
        "Выбрана компания",
        "Company chosen",
    ),
    ("action.session.logout", "Выход", "Signed out"),
    (
        "action.demo.create",
        "Демо-данные созданы",
        "Demo data created",
    ),
    ("action.line.change_tariff", "Смена тарифа", "Tariff change"),
    (
        "action.line.enable_service",
        "Подключение услуги",
        "Service enabled",
    ),
    (
        "action.line.disable_service",
        "Отключение услуги",
        "Service disabled",
    ),
    (
        "action.line.suspend",
        "Добровольная блокировка",
        "Voluntary suspension",
    ),
    (
        "action.line.resume",
        "Снятие добровольной блокировки",
        "Suspension lifted",
    ),
    (
        "action.line.report_lost",
        "Блокировка: SIM-карта утеряна",
        "Blocked: SIM lost",
    ),
    (
        "action.line.replace_sim",
        "Замена SIM-карты",
        "SIM replaced",
    ),
    (
        "action.line.block",
        "Блокировка оператором",
        "Blocked by the operator",
    ),
    (
        "action.line.unblock",
        "Снятие блокировки оператора",
        "Operator block lifted",
    ),
    ("action.line.set_limit", "Лимит расходов", "Spend limit"),
    (
        "action.line.remove_limit",
        "Лимит снят",
        "Spend limit removed",
    ),
    (
        "action.line.reassign",
        "Закрепление номера",
        "Line reassigned",
    ),
    ("card.status_reason", "Причина блокировки", "Reason"),
    (
        "card.previous_sims",
        "Прежние SIM-карты",
        "Previous SIM cards",
    ),
    ("reason.debt", "задолженность", "debt"),
    (
        "reason.unregistered",
        "не зарегистрирован пользователь",
        "user not registered",
    ),
    ("reason.lost", "SIM-карта утеряна", "SIM lost"),
    (
        "limit.bar",
        "при достижении — запрет платных услуг",
        "at 100 %: bar paid services",
    ),
    (
        "limit.employee_pays",
        "сверх лимита платит сотрудник",
        "the employee pays the excess",
    ),
    (
        "change.title",
        "Подтверждение изменения",
        "Confirm the change",
    ),
    ("change.back", "Вернуться к номеру", "Back to the line"),
    (
        "change.choose_tariff",
        "Выберите тариф…",
        "Choose a tariff…",
    ),
    (
        "change.choose_service",
        "Выберите услугу…",
        "Choose a service…",
    ),
    ("change.per_month", "в месяц", "a month"),
    ("change.once", "разово", "once"),
    (
        "change.dropped",
        "Будут отключены услуги, несовместимые с новым тарифом",
        "These services do not fit the new tariff and will be disabled",
    ),
    ("change.confirm", "Подтвердить", "Confirm"),
    (
        "change.done",
        "Изменение применено",
        "The change is applied",
    ),
    (
        "change.already",
        "Изменение уже применено",
        "This change was already applied",
    ),
    ("change.new_tariff", "Новый тариф", "New tariff"),
    ("change.tariff_button", "Сменить тариф…", "Change tariff…"),
    ("change.disable", "Отключить…", "Disable…"),
    ("change.add_service", "Подключить…", "Enable…"),
    (
        "change.status_title",
        "Блокировка и SIM-карта",
        "Suspension and SIM",
    ),
    (
        "change.reason",
        "Причина (необязательно)",
        "Reason (optional)",
    ),
    ("change.suspend", "Заблокировать…", "Suspend…"),
    ("change.resume", "Снять блокировку…", "Resume…"),
    (
        "change.report_lost",
        "SIM-карта утеряна или украдена…",
        "SIM lost or stolen…",
    ),
    (
        "change.new_iccid",
        "ICCID новой SIM-карты",
        "New SIM's ICCID",
    ),
    ("change.replace_sim", "Заменить SIM…", "Replace SIM…"),
    (
        "change.block",
        "Заблокировать (оператор)…",
        "Block (operator)…",
    ),
    (
        "change.unblock",
        "Снять блокировку оператора…",
        "Lift the operator's block…",
    ),
    ("change.amount", "Сумма в месяц", "Amount a month"),
    ("change.on_limit", "При достижении лимита", "At 100 %"),
    ("change.set_limit", "Установить…", "Set…"),
    ("change.remove_limit", "Снять лимит…", "Remove the limit…"),
    ("change.reassign", "Закрепление", "Assignment"),
    (
        "change.find_employee",
        "Найти сотрудника по фамилии…",
        "Find an employee by surname…",
    ),
    ("change.reassign_button", "Закрепить…", "Reassign…"),
    (
        "change.cost_centre_hint",
        "пусто — ЦФО подразделения",
        "empty: the department's",
    ),
    ("export.download", "Скачать", "Download"),
    ("saved", "Сохранено", "Saved"),
    ("deleted", "Удалено", "Deleted"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_both_languages() {
        for (key, ru, en) in TABLE {
            assert!(!ru.is_empty() && !en.is_empty(), "{key}");
        }
        assert_eq!(STRINGS.len(), TABLE.len(), "a key is listed twice");
    }

    /// The string literals of Rust source, comments and the test module left out.
    fn literals(source: &str) -> Vec<String> {
        let code = source.split("#[cfg(test)]").next().unwrap_or_default();
        let chars: Vec<char> = code.chars().collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '/' if chars.get(i + 1) == Some(&'/') => {
                    while i < chars.len() && chars[i] != '\n' {
                        i += 1;
                    }
                }
                '/' if chars.get(i + 1) == Some(&'*') => {
                    while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                        i += 1;
                    }
                    i += 2;
                }
                'r' if matches!(chars.get(i + 1), Some('#' | '"')) => {
                    let hashes = chars[i + 1..].iter().take_while(|c| **c == '#').count();
                    let start = i + 2 + hashes;
                    let close: String = std::iter::once('"')
                        .chain("#".repeat(hashes).chars())
                        .collect();
                    let rest: String = chars[start..].iter().collect();
                    let end = rest.find(&close).unwrap_or(rest.len());
                    out.push(rest[..end].to_owned());
                    i = start + rest[..end].chars().count() + close.chars().count();
                }
                '\'' if chars.get(i + 1) == Some(&'\\') || chars.get(i + 2) == Some(&'\'') => {
                    i += if chars.get(i + 1) == Some(&'\\') {
                        4
                    } else {
                        3
                    };
                }
                '"' => {
                    let mut text = String::new();
                    i += 1;
                    while i < chars.len() && chars[i] != '"' {
                        if chars[i] == '\\' {
                            i += 1;
                        }
                        text.extend(chars.get(i));
                        i += 1;
                    }
                    out.push(text);
                    i += 1;
                }
                _ => i += 1,
            }
        }
        out
    }

    /// Russian words live in the translation table (this folder) and, as data, in the demo
    /// company, the roster's header aliases and its template. Anything else a person reads is a
    /// code that `web` says in the page's language.
    #[test]
    fn russian_lives_only_in_the_translation_table() {
        const DATA: [&str; 3] = [
            "src/services/demo.rs",
            "src/roster/columns.rs",
            "src/roster/template.rs",
        ];
        // Words read in input (an amount's «руб.», a roster's total rows) and written as data
        // (a contract number's form, the name a new company gives its first admin).
        const WORDS: [&str; 5] = ["руб.", "итого", "всего", "Д-{}-{}", "Администратор"];
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).expect("source folder").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        walk(&root.join("src"), &mut files);
        let russian = |s: &str| {
            s.chars()
                .any(|c| matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё'))
        };
        let mut found = Vec::new();
        for file in files {
            let name = file
                .strip_prefix(root)
                .expect("under the root")
                .display()
                .to_string();
            if name.starts_with("src/web/i18n/") || DATA.contains(&name.as_str()) {
                continue;
            }
            let text = std::fs::read_to_string(&file).expect("source");
            let words: Vec<String> = literals(&text)
                .into_iter()
                .filter(|l| russian(l) && !WORDS.contains(&l.as_str()))
                .collect();
            if !words.is_empty() {
                found.push(format!("{name}: {words:?}"));
            }
        }
        assert!(
            found.is_empty(),
            "Russian outside the translation table: {found:#?}"
        );
    }

    #[test]
    fn literals_are_found_and_comments_skipped() {
        let source = "// «комментарий»\nlet a = \"один\"; let c = '\"'; let r = r#\"два \"с\" кавычками\"#;\n/* три */ let b = \"x\\\"y\";";
        assert_eq!(literals(source), ["один", "два \"с\" кавычками", "x\"y"]);
    }

    /// Every `t("key")` in the templates and the code names a key that exists.
    #[test]
    fn every_used_key_exists() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        walk(&root.join("templates"), &mut files);
        walk(&root.join("src/web"), &mut files);
        let mut checked = 0;
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (i, _) in text.match_indices(".t(\"") {
                let rest = &text[i + 4..];
                let key = &rest[..rest.find('"').unwrap()];
                if key.contains('.') && !key.contains('{') {
                    assert!(has_key(key), "{}: no translation for {key}", file.display());
                    checked += 1;
                }
            }
        }
        assert!(
            checked > 100,
            "only {checked} keys found: the scan is broken"
        );
    }
}
