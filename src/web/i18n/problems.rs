//! Refusals in words: each [`Problem`] as a sentence in the page's language. One match over
//! every kind, so a problem without its sentence does not compile.

use crate::domain::{CompanyIdKind, Problem};

use super::{Lang, en_count, ru_count};
use crate::web::format::kopecks;

/// A row's problem, standing alone: «Строка 5, «Телефон»: …».
pub fn in_row(p: &crate::roster::rows::RowProblem, lang: Lang) -> String {
    let said = say(&p.problem, lang);
    match (lang, p.column.is_empty()) {
        (Lang::Ru, true) => format!("Строка {}: {said}", p.row),
        (Lang::Ru, false) => format!("Строка {}, «{}»: {said}", p.row, p.column),
        (Lang::En, true) => format!("Row {}: {said}", p.row),
        (Lang::En, false) => format!("Row {}, «{}»: {said}", p.row, p.column),
    }
}

/// Whether the problem's sentence leaves out what it is about (a form says which field).
pub fn names_no_field(p: &Problem) -> bool {
    matches!(
        p,
        Problem::Required | Problem::TooLong { .. } | Problem::ControlCharacters
    )
}

/// The problem as a message of its own (an alert, a field's error, a table's cell): from a
/// capital.
pub fn sentence(p: &Problem, lang: Lang) -> String {
    super::capitalised(say(p, lang))
}

/// The problem as people read it, to follow a colon or a row's number: from a small letter
/// (but a name or a number it starts with). [`sentence`] for one standing alone.
pub fn say(p: &Problem, lang: Lang) -> String {
    use Problem as P;
    let (ru, en): (String, String) = match p {
        P::Required => ("обязательное поле".into(), "required".into()),
        P::TooLong { max } => (
            format!(
                "не длиннее {}",
                ru_count(*max as i64, ["символа", "символов", "символов"])
            ),
            format!(
                "at most {}",
                en_count(*max as i64, ["character", "characters"])
            ),
        ),
        P::ControlCharacters => (
            "недопустимые управляющие символы".into(),
            "control characters are not allowed".into(),
        ),
        P::NotAnEmail { input } => (
            format!("«{input}» — не адрес электронной почты"),
            format!("«{input}» is not an e-mail address"),
        ),
        P::NotADate { input } => (
            format!("«{input}» — не дата (ГГГГ-ММ-ДД)"),
            format!("«{input}» is not a date (YYYY-MM-DD)"),
        ),
        P::NotAMonth { input } => (
            format!("«{input}» — не месяц (ожидается ГГГГ-ММ)"),
            format!("«{input}» is not a month (YYYY-MM expected)"),
        ),
        P::DateInThePast => ("дата уже прошла".into(), "the date has passed".into()),
        P::NotAnId { input } => (
            format!("«{input}» — не идентификатор"),
            format!("«{input}» is not an id"),
        ),
        P::NumberMissing => ("номер не указан".into(), "no number given".into()),
        P::NumberCharacter { character } => (
            format!("недопустимый символ «{character}» в номере"),
            format!("«{character}» cannot be in a phone number"),
        ),
        P::NumberTooShort { input } => (
            format!("номер {input} — слишком короткий"),
            format!("{input} is too short for a phone number"),
        ),
        P::NumberTooLong { input } => (
            format!("номер {input} — слишком длинный"),
            format!("{input} is too long for a phone number"),
        ),
        P::NumberNotRussian { input } => (
            format!("номер {input} — не российский (ожидается +7 или 8)"),
            format!("{input} is not a Russian number (+7 or 8 expected)"),
        ),
        P::NumberNotMobile { input } => (
            format!("номер {input} — не мобильный (мобильные начинаются с 9)"),
            format!("{input} is not a mobile number (mobile numbers start with 9)"),
        ),
        P::AmountMissing => ("сумма не указана".into(), "no amount given".into()),
        P::NotAnAmount { input } => (
            format!("«{input}» — не сумма"),
            format!("«{input}» is not an amount"),
        ),
        P::AmountNegative => (
            "сумма не может быть отрицательной".into(),
            "the amount cannot be negative".into(),
        ),
        P::AmountTooPrecise => (
            "не больше двух знаков после запятой".into(),
            "at most two decimal places".into(),
        ),
        P::AmountTooLarge => (
            "слишком большая сумма".into(),
            "the amount is too large".into(),
        ),
        P::IccidMissing => ("ICCID не указан".into(), "no ICCID given".into()),
        P::IccidNotDigits => ("ICCID: только цифры".into(), "ICCID: digits only".into()),
        P::IccidLength { digits } => (
            format!(
                "ICCID: {}, а нужно 19 или 20",
                ru_count(*digits as i64, ["цифра", "цифры", "цифр"])
            ),
            format!(
                "ICCID: {}, 19 or 20 needed",
                en_count(*digits as i64, ["digit", "digits"])
            ),
        ),
        P::IccidPrefix => (
            "ICCID начинается с 89".into(),
            "an ICCID starts with 89".into(),
        ),
        P::IccidCheckDigit => (
            "ICCID: неверная контрольная цифра".into(),
            "ICCID: wrong check digit".into(),
        ),
        P::IdMissing { what } => (
            format!("{} не указан", id(*what, Lang::Ru)),
            format!("no {} given", id(*what, Lang::En)),
        ),
        P::IdNotDigits { what } => (
            format!("{}: только цифры", id(*what, Lang::Ru)),
            format!("{}: digits only", id(*what, Lang::En)),
        ),
        P::IdLength {
            what,
            digits,
            wanted,
        } => {
            let wanted_ru = wanted
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(" или ");
            let wanted_en = wanted
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(" or ");
            (
                format!(
                    "{}: {}, а нужно {wanted_ru}",
                    id(*what, Lang::Ru),
                    ru_count(*digits as i64, ["цифра", "цифры", "цифр"])
                ),
                format!(
                    "{}: {}, {wanted_en} needed",
                    id(*what, Lang::En),
                    en_count(*digits as i64, ["digit", "digits"])
                ),
            )
        }
        P::IdCheckDigit { what } => (
            format!("{}: неверная контрольная цифра", id(*what, Lang::Ru)),
            format!("{}: wrong check digit", id(*what, Lang::En)),
        ),
        P::KppShape => (
            "КПП: 9 знаков — 4 цифры, 2 цифры или заглавные латинские буквы, 3 цифры".into(),
            "KPP: 9 characters — 4 digits, 2 digits or capital Latin letters, 3 digits".into(),
        ),
        P::UnknownStatus { input } => (
            format!("неизвестный статус «{input}»"),
            format!("unknown status «{input}»"),
        ),
        P::UnknownBlockReason { input } => (
            format!("неизвестная причина блокировки «{input}»"),
            format!("unknown block reason «{input}»"),
        ),
        P::UnknownLimitAction { input } => (
            format!("неизвестное действие при лимите «{input}»"),
            format!("unknown action at the limit «{input}»"),
        ),
        P::LineTerminated => (
            "номер расторгнут: изменения невозможны".into(),
            "the line is terminated: it cannot be changed".into(),
        ),
        P::BlockedByOperator => (
            "номер заблокирован оператором: снять блокировку может только оператор".into(),
            "the operator blocked the line: only the operator can unblock it".into(),
        ),
        P::AlreadySuspended => (
            "номер уже заблокирован по вашему заявлению".into(),
            "the line is already suspended at your request".into(),
        ),
        P::NotSuspended => (
            "номер не заблокирован".into(),
            "the line is not suspended".into(),
        ),
        P::AlreadyBlocked => (
            "номер уже заблокирован".into(),
            "the line is already blocked".into(),
        ),
        P::NotBlocked => (
            "номер не заблокирован оператором".into(),
            "the operator has not blocked the line".into(),
        ),
        P::LineSuspended => (
            "номер заблокирован по заявлению: сначала снимите блокировку".into(),
            "the line is suspended at your request: resume it first".into(),
        ),
        P::LineBlocked => ("номер заблокирован".into(), "the line is blocked".into()),
        P::TariffNotInRegion { tariff_code } => (
            format!("тариф «{tariff_code}» не предлагается в регионе компании"),
            format!("tariff «{tariff_code}» is not offered in the company's region"),
        ),
        P::NoSuchTariff { tariff_code } => (
            format!("нет тарифа «{tariff_code}»"),
            format!("no tariff «{tariff_code}»"),
        ),
        P::TariffClosed { tariff } => (
            format!("тариф «{tariff}» закрыт для подключения"),
            format!("tariff «{tariff}» is closed to new lines"),
        ),
        P::AlreadyOnTariff { tariff } => (
            format!("номер уже на тарифе «{tariff}»"),
            format!("the line is on «{tariff}» already"),
        ),
        P::NoSuchService { service_code } => (
            format!("нет услуги «{service_code}»"),
            format!("no service «{service_code}»"),
        ),
        P::ServiceAlreadyOn { service } => (
            format!("услуга «{}» уже подключена", service.ru),
            format!("«{}» is already on", service.en),
        ),
        P::ServiceClosed { service } => (
            format!("услуга «{}» закрыта для подключения", service.ru),
            format!("«{}» is closed to new lines", service.en),
        ),
        P::ServiceNotForTariff { service, tariff } => (
            format!("услуга «{}» несовместима с тарифом «{tariff}»", service.ru),
            format!("«{}» is not available on the tariff «{tariff}»", service.en),
        ),
        P::ServiceClashes { service, enabled } => {
            let ru: Vec<&str> = enabled.iter().map(|n| n.ru.as_str()).collect();
            let en: Vec<&str> = enabled.iter().map(|n| n.en.as_str()).collect();
            (
                format!(
                    "услуга «{}» несовместима с уже подключёнными: {}",
                    service.ru,
                    ru.join(", ")
                ),
                format!(
                    "«{}» cannot be on together with: {}",
                    service.en,
                    en.join(", ")
                ),
            )
        }
        P::ServiceNotOn { service } => (
            format!("услуга «{}» не подключена", service.ru),
            format!("«{}» is not on", service.en),
        ),
        P::SimUsed { iccid } => (
            format!("SIM-карта {iccid} уже использовалась"),
            format!("SIM {iccid} has been used before"),
        ),
        P::LimitZero => (
            "лимит должен быть больше нуля (или снимите лимит)".into(),
            "the limit must be above zero (or remove the limit)".into(),
        ),
        P::LimitTooLarge { max_kop } => (
            format!("лимит не больше {} в месяц", kopecks(Lang::Ru, *max_kop)),
            format!(
                "the limit is at most {} a month",
                kopecks(Lang::En, *max_kop)
            ),
        ),
        P::NoLimit => ("у номера нет лимита".into(), "the line has no limit".into()),
        P::NoSuchEmployee => ("нет такого сотрудника".into(), "no such employee".into()),
        P::NoSuchDepartment => (
            "нет такого подразделения".into(),
            "no such department".into(),
        ),
        P::DepartmentOutsideRights => (
            "это подразделение вне ваших прав".into(),
            "this department is outside your rights".into(),
        ),
        P::KeyLength => (
            "ключ запроса — от 1 до 100 символов".into(),
            "the request key is 1 to 100 characters".into(),
        ),
        P::KeyReused => (
            "этот ключ запроса уже использован для другого изменения".into(),
            "this request key was used for another change".into(),
        ),
        P::NotTheCompanysLine => (
            "такого номера в компании нет".into(),
            "no such line in the company".into(),
        ),
        P::ChangedMeanwhile => (
            "номер только что изменили: откройте карточку заново".into(),
            "the line has just been changed: open its card again".into(),
        ),
        P::NotApplied { why } => (
            format!(
                "изменение не применено: {}. Номер остался как был.",
                say(why, Lang::Ru)
            ),
            format!(
                "the change was not applied: {}. The line stayed as it was.",
                say(why, Lang::En)
            ),
        ),
        P::NetworkTimeout => (
            "оператор не ответил вовремя".into(),
            "the operator did not answer in time".into(),
        ),
        P::NetworkUnreachable => (
            "нет связи с системой оператора".into(),
            "the operator's system cannot be reached".into(),
        ),
        P::NetworkAnswered { status, body } => (
            format!("система оператора ответила {status}: {body}"),
            format!("the operator's system answered {status}: {body}"),
        ),
        P::NetworkClient { detail } => (
            format!("не удалось обратиться к системе оператора: {detail}"),
            format!("the operator's system could not be called: {detail}"),
        ),
        P::Internal => (
            "внутренняя ошибка: попробуйте ещё раз".into(),
            "internal error: please try again".into(),
        ),
        P::NoSuchRole { role } => (format!("нет роли «{role}»"), format!("no role «{role}»")),
        P::LastAdmin => (
            "в компании должен остаться хотя бы один администратор".into(),
            "the company must keep at least one administrator".into(),
        ),
        P::CannotBlockSelf => (
            "нельзя заблокировать самого себя".into(),
            "you cannot block yourself".into(),
        ),
        P::AdminsBlock => (
            "блокировку установил администратор: снять её может только администратор".into(),
            "an administrator set this block: only an administrator can lift it".into(),
        ),
        P::NoRightChosen => (
            "отметьте хотя бы одно право".into(),
            "tick at least one right".into(),
        ),
        P::IsAdmin => (
            "это администратор компании: у него уже есть все права".into(),
            "this is an administrator of the company, who has every right already".into(),
        ),
        P::IsAccountant => (
            "это бухгалтер компании: его права задаёт администратор".into(),
            "this is the company's accountant, whose rights an administrator sets".into(),
        ),
        P::AlreadyMember => (
            "этот человек уже в компании: его роль меняется в списке пользователей".into(),
            "this person is in the company already: change their role in the list of users".into(),
        ),
        P::TooManyInvitations { minutes } => (
            format!(
                "слишком много приглашений по SMS: следующее можно отправить через {minutes} мин"
            ),
            format!("too many SMS invitations: the next can go out in {minutes} min"),
        ),
        P::NoSuchRight { right_code } => (
            format!("нет такого права «{right_code}»"),
            format!("no right «{right_code}»"),
        ),
        P::NotAPhoneNumber { input } => (
            format!("«{input}» — не номер телефона"),
            format!("«{input}» is not a phone number"),
        ),
        P::NotTheCompanysNumber { number } => (
            format!("{number} — не номер этой компании"),
            format!("{number} is not a line of this company"),
        ),
        P::NoScopeChosen => (
            "выберите подразделения или номера, на которые действуют права".into(),
            "choose the departments or lines the rights cover".into(),
        ),
        P::RightNotHeld { right } => (
            format!(
                "вы не можете передать право «{}»: у вас его нет",
                right_name(right, Lang::Ru)
            ),
            format!(
                "you cannot delegate «{}»: you do not hold it",
                right_name(right, Lang::En)
            ),
        ),
        P::RightOnlyAdmins { right } => (
            format!(
                "право «{}» передаёт только администратор",
                right_name(right, Lang::Ru)
            ),
            format!(
                "only an administrator hands on «{}»",
                right_name(right, Lang::En)
            ),
        ),
        P::RightEndsSooner { right, last_day } => (
            format!(
                "ваше право «{}» действует по {last_day}: передать его дольше нельзя",
                right_name(right, Lang::Ru)
            ),
            format!(
                "your «{}» lasts until {last_day}: it cannot be handed on for longer",
                right_name(right, Lang::En)
            ),
        ),
        P::DepartmentOutsideRight { id, right } => (
            format!(
                "подразделение {id} вне ваших прав «{}»",
                right_name(right, Lang::Ru)
            ),
            format!(
                "department {id} is outside your «{}»",
                right_name(right, Lang::En)
            ),
        ),
        P::LinesOutsideRight { right } => (
            format!(
                "среди номеров есть вне ваших прав «{}»",
                right_name(right, Lang::Ru)
            ),
            format!(
                "some lines are outside your «{}»",
                right_name(right, Lang::En)
            ),
        ),
        P::TokenOnlyAdmins => (
            "такой токен выдаёт администратор".into(),
            "only an administrator issues such a token".into(),
        ),
        P::DepartmentNameTaken => (
            "подразделение с таким названием здесь уже есть".into(),
            "a department with this name already exists here".into(),
        ),
        P::DepartmentInItself => (
            "подразделение не может входить само в себя".into(),
            "a department cannot be part of itself".into(),
        ),
        P::DepartmentNotEmpty {
            name,
            departments,
            lines,
            employees,
        } => {
            let counts = |lang: Lang| {
                [
                    (
                        *departments,
                        ["подразделение", "подразделения", "подразделений"],
                        ["department", "departments"],
                    ),
                    (*lines, ["номер", "номера", "номеров"], ["line", "lines"]),
                    (
                        *employees,
                        ["сотрудник", "сотрудника", "сотрудников"],
                        ["employee", "employees"],
                    ),
                ]
                .into_iter()
                .filter(|(n, _, _)| *n > 0)
                .map(|(n, ru, en)| lang.count(n, ru, en))
                .collect::<Vec<_>>()
                .join(", ")
            };
            (
                format!(
                    "нельзя удалить «{name}»: в нём {}. Сначала перенесите их.",
                    counts(Lang::Ru)
                ),
                format!(
                    "«{name}» cannot be deleted: it holds {}. Move them first.",
                    counts(Lang::En)
                ),
            )
        }
        P::PersonnelNumberTaken => (
            "этот табельный номер уже занят".into(),
            "this personnel number is taken".into(),
        ),
        P::UnknownRegion { region } => (
            format!("неизвестный регион «{region}» (загрузите каталог: simfleet catalogue load)"),
            format!("unknown region «{region}» (load the catalogue: simfleet catalogue load)"),
        ),
        P::CompanyExists => (
            "компания с такими ИНН и КПП уже подключена".into(),
            "a company with this INN and KPP is onboarded already".into(),
        ),
        P::StaffNumber => (
            "это номер сотрудника оператора".into(),
            "this is an operator staff number".into(),
        ),
        P::NumberRegistered => (
            "этот номер уже зарегистрирован".into(),
            "this number is registered already".into(),
        ),
        P::IsStaff => (
            "это сотрудник оператора: сначала снимите его полномочия".into(),
            "this is operator staff: take their powers away first".into(),
        ),
        P::StillMember { companies } => (
            format!(
                "человек ещё состоит в {}: сначала его нужно убрать из них",
                ru_count(*companies, ["компании", "компаниях", "компаниях"])
            ),
            format!(
                "the person still belongs to {}: remove them first",
                en_count(*companies, ["company", "companies"])
            ),
        ),
        P::PasswordTooShort { min } => (
            format!(
                "пароль — не короче {}",
                ru_count(*min as i64, ["символа", "символов", "символов"])
            ),
            format!(
                "a password has at least {}",
                en_count(*min as i64, ["character", "characters"])
            ),
        ),
        P::PasswordTooLong => (
            "пароль слишком длинный".into(),
            "the password is too long".into(),
        ),
        P::PasswordCommon => (
            "это один из самых распространённых паролей — придумайте другой".into(),
            "this is one of the most common passwords: choose another".into(),
        ),
        P::NoPhoneColumn => (
            "нет столбца с номером телефона («Телефон», «Номер», «Phone»): укажите, какой столбец его содержит".into(),
            "no column with the phone number («Телефон», «Номер», «Phone»): say which column holds it".into(),
        ),
        P::NameTooLong { max } => (
            format!("название длиннее {}", ru_count(*max as i64, ["символа", "символов", "символов"])),
            format!("the name is longer than {}", en_count(*max as i64, ["character", "characters"])),
        ),
        P::LimitTooLargeInput { input } => (
            format!("«{input}» — слишком большой лимит"),
            format!("«{input}» is too large a limit"),
        ),
        P::NumberTwice { number, first_row } => (
            format!("номер {number} уже есть в строке {first_row}"),
            format!("{number} is in row {first_row} already"),
        ),
        P::PersonnelNumberShared { number } => (
            format!("табельный номер {number} есть у нескольких сотрудников"),
            format!("several employees have the personnel number {number}"),
        ),
        P::NameShared { count, name } => (
            format!(
                "в компании {} с именем «{name}» — укажите табельный номер",
                ru_count(*count as i64, ["сотрудник", "сотрудника", "сотрудников"])
            ),
            format!(
                "the company has {} named «{name}»: give the personnel number",
                en_count(*count as i64, ["employee", "employees"])
            ),
        ),
        P::NotALine {
            number,
            or_outside_rights,
        } => {
            if *or_outside_rights {
                (
                    format!("номер {number} не принадлежит компании или вне ваших прав"),
                    format!("{number} is not a line of the company, or is outside your rights"),
                )
            } else {
                (
                    format!("номер {number} не принадлежит компании"),
                    format!("{number} is not a line of the company"),
                )
            }
        }
        P::DepartmentNotYours { path } => (
            format!("«{path}» — вне подразделений, на которые у вас есть права"),
            format!("«{path}» is outside the departments your rights cover"),
        ),
        P::EmployeeRowDiffers { name, first_row } => (
            format!(
                "«{name}» уже есть в строке {first_row} с другими данными (подразделение, должность, e-mail или табельный номер)"
            ),
            format!(
                "«{name}» is in row {first_row} already with other details (department, position, e-mail or personnel number)"
            ),
        ),
        P::ChangeInHand => (
            "изменение в обработке: другое изменение номера ещё применяется в сети оператора, повторите через минуту".into(),
            "a change in progress: another change of the line is still being applied in the operator's network; try again in a minute".into(),
        ),
        P::NothingSelected => (
            "не выбрано ни одного номера, к которому можно применить изменение".into(),
            "no line is chosen that the change can be made to".into(),
        ),
        P::TooManyLines { max } => (
            format!(
                "выбрано больше {}: разделите изменение на части",
                ru_count(*max as i64, ["номера", "номеров", "номеров"])
            ),
            format!(
                "more than {} are chosen: split the change",
                en_count(*max as i64, ["line", "lines"])
            ),
        ),
        P::NoValueTaken => (
            "это изменение не берёт значения для каждого номера".into(),
            "this change takes no value per line".into(),
        ),
        P::NothingChanges => (
            "у номера уже так: менять нечего".into(),
            "the line is like that already: nothing to change".into(),
        ),
        P::OutsideRightsNow => (
            "вне ваших прав: права изменились, пока шла операция".into(),
            "outside your rights: they changed while the operation ran".into(),
        ),
        P::NothingToRun => (
            "ни один из выбранных номеров не изменится: выполнять нечего".into(),
            "none of the chosen lines would change: there is nothing to run".into(),
        ),
        P::OperationEnded => (
            "операция уже завершилась: отменять нечего".into(),
            "the operation has ended already: there is nothing to cancel".into(),
        ),
        P::NothingFailed => (
            "в операции нет номеров с ошибкой: повторять нечего".into(),
            "no line of the operation failed: there is nothing to retry".into(),
        ),
        P::NoDepartmentNamed { name } => (
            format!("отдела «{name}» в компании нет"),
            format!("the company has no department «{name}»"),
        ),
        P::TooManyLists { max } => (
            format!("загружено слишком много списков: храним не больше {max}, старые удаляются через несколько дней"),
            format!("too many lists uploaded: at most {max} are kept, old ones are deleted after a few days"),
        ),
        P::NoValueForLine => (
            "для номера в списке нет значения".into(),
            "the list gives the line no value".into(),
        ),
        P::ListGone => (
            "файл со списком номеров больше не хранится: загрузите его снова".into(),
            "the list of numbers is no longer kept: upload it again".into(),
        ),
        P::DepartmentNameTwice { name } => (
            format!("отделов «{name}» несколько: укажите путь, например «Логистика / {name}»"),
            format!("there are several departments «{name}»: give the path, such as «Logistics / {name}»"),
        ),
        P::NamesakeInFile { name, first_row } => (
            format!(
                "«{name}» без табельного номера в другом подразделении или должности, чем в строке {first_row}: будут два разных сотрудника"
            ),
            format!(
                "«{name}» without a personnel number, in another department or position than in row {first_row}: two different employees"
            ),
        ),
        P::NamesakeInCompany { name } => (
            format!(
                "в компании уже есть «{name}» в другом подразделении или должности: без табельного номера будет добавлен ещё один сотрудник"
            ),
            format!(
                "the company has «{name}» in another department or position: without a personnel number another employee is added"
            ),
        ),
        P::FileEmpty => ("файл пустой".into(), "the file is empty".into()),
        P::FileTooManyRows { max } => (
            format!(
                "в файле больше {}",
                ru_count(*max as i64, ["строки", "строк", "строк"])
            ),
            format!("the file has more than {max} rows"),
        ),
        P::FileTooManyCells { max } => (
            format!(
                "на листе больше {}: оставьте на нём только список сотрудников",
                ru_count(*max as i64, ["ячейки", "ячеек", "ячеек"])
            ),
            format!("the sheet has more than {max} cells: leave only the list of employees on it"),
        ),
        P::FileTooManyColumns { row, max } => (
            format!(
                "в строке {row} больше {}: оставьте на листе только столбцы списка сотрудников",
                ru_count(*max as i64, ["столбца", "столбцов", "столбцов"])
            ),
            format!("row {row} has more than {max} columns: leave only the list's columns on the sheet"),
        ),
        P::NoSuchSheet { name } => (format!("в книге нет листа «{name}»"), format!("the workbook has no sheet «{name}»")),
        P::NotASpreadsheet => (
            "это не таблица: загрузите XLSX, XLSM, XLS, ODS или CSV".into(),
            "this is not a spreadsheet: upload XLSX, XLSM, XLS, ODS or CSV".into(),
        ),
        P::FileEncrypted => (
            "книга защищена паролем: снимите пароль и загрузите её снова".into(),
            "the workbook is password-protected: remove the password and upload it again".into(),
        ),
        P::FileDamaged => (
            "файл повреждён или загружен не до конца".into(),
            "the file is damaged or was not uploaded in full".into(),
        ),
        P::FileUnreadable { detail } => (
            format!("не удалось прочитать файл: {detail}"),
            format!("the file could not be read: {detail}"),
        ),
        P::NoHeaderRow => (
            "в файле не нашлось строки заголовков".into(),
            "the file has no header row".into(),
        ),
        P::FileHasErrors => (
            "в файле есть ошибки: исправьте их и загрузите файл снова".into(),
            "the file has errors: fix them and upload it again".into(),
        ),
        P::StalePreview => (
            "данные компании изменились после предпросмотра: посмотрите изменения ещё раз".into(),
            "the company's data changed since the preview: look at the changes again".into(),
        ),
        P::AppliedAlready => ("файл уже применён".into(), "the file is applied already".into()),
        P::FullSyncOnlyAdmins => (
            "полная синхронизация доступна только администратору всей компании".into(),
            "only an administrator of the whole company may run a full sync".into(),
        ),
        P::NotFound => ("не найдено".into(), "not found".into()),
        P::RangeShape => (
            "диапазон пишется как ПЕРВЫЙ-ПОСЛЕДНИЙ".into(),
            "a range is written FIRST-LAST".into(),
        ),
        P::RangeReversed => (
            "последний номер меньше первого".into(),
            "the last number is below the first".into(),
        ),
        P::RangeTooLong { max } => (
            format!(
                "не больше {} за раз",
                ru_count(*max as i64, ["номера", "номеров", "номеров"])
            ),
            format!("at most {max} numbers at a time"),
        ),
        P::TariffNotForBusiness { tariff_code } => (
            format!("тариф «{tariff_code}» недоступен для бизнеса в регионе компании"),
            format!("tariff «{tariff_code}» is not open to business in the company's region"),
        ),
        P::NoBusinessTariffs => (
            "в регионе компании нет бизнес-тарифов".into(),
            "the company's region has no business tariffs".into(),
        ),
        P::NoNumbers => ("нет номеров".into(), "no numbers".into()),
        P::NumberListedTwice { number } => (
            format!("номер {number} указан дважды"),
            format!("{number} is listed twice"),
        ),
        P::NumbersTaken { first, ours, count } => {
            let (ru, en) = if *ours {
                ("уже есть у этой компании", "is the company's already")
            } else {
                ("принадлежит другой компании", "belongs to another company")
            };
            (
                format!("номер {first} {ru}; занято номеров: {count}"),
                format!("{first} {en}; numbers taken: {count}"),
            )
        }
        P::InField { field, problem } => (
            format!("{field}: {}", say(problem, Lang::Ru)),
            format!("{field}: {}", say(problem, Lang::En)),
        ),
        P::UnknownAction { input } => (
            format!("неизвестное действие «{input}»"),
            format!("unknown action «{input}»"),
        ),
        P::UnknownSort { input } => (
            format!("нельзя сортировать по «{input}»"),
            format!("cannot sort by «{input}»"),
        ),
        P::UnknownPageSize { input } => (
            format!("«{input}» строк на странице: можно 50, 100 или 200"),
            format!("«{input}» rows a page: 50, 100 or 200"),
        ),
        P::UnknownFormat { input } => (
            format!("формат «{input}»: xlsx или csv"),
            format!("format «{input}»: xlsx or csv"),
        ),
        P::UnknownEncoding => (
            "кодировка: utf8 или cp1251".into(),
            "encoding: utf8 or cp1251".into(),
        ),
        P::TooManyRows { max } => (
            format!(
                "больше {}: уточните фильтр или даты",
                ru_count(*max, ["строки", "строк", "строк"])
            ),
            format!("more than {max} rows: narrow the filter or the dates"),
        ),
        P::NoDepartment { id } => (
            format!("нет подразделения {id}"),
            format!("no department {id}"),
        ),
        P::FileTooLarge { max_mb } => (
            format!("файл больше {max_mb} МБ"),
            format!("the file is larger than {max_mb} MB"),
        ),
        P::BadForm { detail } => (
            format!("форма не читается: {detail}"),
            format!("the form cannot be read: {detail}"),
        ),
        P::NotDeleted => ("не удалось удалить".into(), "could not delete".into()),
        P::InRow { row, problem } => (
            format!("строка {row}: {}", say(problem, Lang::Ru)),
            format!("row {row}: {}", say(problem, Lang::En)),
        ),
        P::Stored { text } => (text.clone(), text.clone()),
    };
    lang.pick(ru, en)
}

/// A right by its name (its code if none).
fn right_name(code: &str, lang: Lang) -> &str {
    lang.name_of("right", code)
}

/// A company identifier's name.
fn id(what: CompanyIdKind, lang: Lang) -> &'static str {
    match (what, lang) {
        (CompanyIdKind::Inn, Lang::Ru) => "ИНН",
        (CompanyIdKind::Inn, Lang::En) => "INN",
        (CompanyIdKind::Kpp, Lang::Ru) => "КПП",
        (CompanyIdKind::Kpp, Lang::En) => "KPP",
        (CompanyIdKind::Ogrn, Lang::Ru) => "ОГРН",
        (CompanyIdKind::Ogrn, Lang::En) => "OGRN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CompanyIdKind, Name};

    /// Each kind's place; a new kind does not compile until it is named here.
    fn index(p: &Problem) -> usize {
        match p {
            Problem::Required => 0,
            Problem::TooLong { .. } => 1,
            Problem::ControlCharacters => 2,
            Problem::NotAnEmail { .. } => 3,
            Problem::NotADate { .. } => 4,
            Problem::NotAMonth { .. } => 5,
            Problem::DateInThePast => 6,
            Problem::NotAnId { .. } => 7,
            Problem::NumberMissing => 8,
            Problem::NumberCharacter { .. } => 9,
            Problem::NumberTooShort { .. } => 10,
            Problem::NumberTooLong { .. } => 11,
            Problem::NumberNotRussian { .. } => 12,
            Problem::NumberNotMobile { .. } => 13,
            Problem::AmountMissing => 14,
            Problem::NotAnAmount { .. } => 15,
            Problem::AmountNegative => 16,
            Problem::AmountTooPrecise => 17,
            Problem::AmountTooLarge => 18,
            Problem::IccidMissing => 19,
            Problem::IccidNotDigits => 20,
            Problem::IccidLength { .. } => 21,
            Problem::IccidPrefix => 22,
            Problem::IccidCheckDigit => 23,
            Problem::IdMissing { .. } => 24,
            Problem::IdNotDigits { .. } => 25,
            Problem::IdLength { .. } => 26,
            Problem::IdCheckDigit { .. } => 27,
            Problem::KppShape => 28,
            Problem::UnknownStatus { .. } => 29,
            Problem::UnknownBlockReason { .. } => 30,
            Problem::UnknownLimitAction { .. } => 31,
            Problem::LineTerminated => 32,
            Problem::BlockedByOperator => 33,
            Problem::AlreadySuspended => 34,
            Problem::NotSuspended => 35,
            Problem::AlreadyBlocked => 36,
            Problem::NotBlocked => 37,
            Problem::LineSuspended => 38,
            Problem::LineBlocked => 39,
            Problem::TariffNotInRegion { .. } => 40,
            Problem::NoSuchTariff { .. } => 41,
            Problem::TariffClosed { .. } => 42,
            Problem::AlreadyOnTariff { .. } => 43,
            Problem::NoSuchService { .. } => 44,
            Problem::ServiceAlreadyOn { .. } => 45,
            Problem::ServiceClosed { .. } => 46,
            Problem::ServiceNotForTariff { .. } => 47,
            Problem::ServiceClashes { .. } => 48,
            Problem::ServiceNotOn { .. } => 49,
            Problem::SimUsed { .. } => 50,
            Problem::LimitZero => 51,
            Problem::LimitTooLarge { .. } => 52,
            Problem::NoLimit => 53,
            Problem::NoSuchEmployee => 54,
            Problem::NoSuchDepartment => 55,
            Problem::DepartmentOutsideRights => 56,
            Problem::KeyLength => 57,
            Problem::KeyReused => 58,
            Problem::NotTheCompanysLine => 59,
            Problem::ChangedMeanwhile => 60,
            Problem::NotApplied { .. } => 61,
            Problem::NetworkTimeout => 62,
            Problem::NetworkUnreachable => 63,
            Problem::NetworkAnswered { .. } => 64,
            Problem::NetworkClient { .. } => 65,
            Problem::Internal => 66,
            Problem::NoSuchRole { .. } => 67,
            Problem::LastAdmin => 68,
            Problem::CannotBlockSelf => 69,
            Problem::AdminsBlock => 70,
            Problem::NoRightChosen => 71,
            Problem::IsAdmin => 72,
            Problem::IsAccountant => 73,
            Problem::TooManyInvitations { .. } => 74,
            Problem::NoSuchRight { .. } => 75,
            Problem::NotAPhoneNumber { .. } => 76,
            Problem::NotTheCompanysNumber { .. } => 77,
            Problem::NoScopeChosen => 78,
            Problem::RightNotHeld { .. } => 79,
            Problem::RightOnlyAdmins { .. } => 80,
            Problem::RightEndsSooner { .. } => 81,
            Problem::DepartmentOutsideRight { .. } => 82,
            Problem::LinesOutsideRight { .. } => 83,
            Problem::TokenOnlyAdmins => 84,
            Problem::DepartmentNameTaken => 85,
            Problem::DepartmentInItself => 86,
            Problem::DepartmentNotEmpty { .. } => 87,
            Problem::PersonnelNumberTaken => 88,
            Problem::UnknownRegion { .. } => 89,
            Problem::CompanyExists => 90,
            Problem::StaffNumber => 91,
            Problem::NumberRegistered => 92,
            Problem::IsStaff => 93,
            Problem::StillMember { .. } => 94,
            Problem::PasswordTooShort { .. } => 95,
            Problem::PasswordTooLong => 96,
            Problem::PasswordCommon => 97,
            Problem::NoPhoneColumn => 98,
            Problem::NameTooLong { .. } => 99,
            Problem::LimitTooLargeInput { .. } => 100,
            Problem::NumberTwice { .. } => 101,
            Problem::PersonnelNumberShared { .. } => 102,
            Problem::NameShared { .. } => 103,
            Problem::NotALine { .. } => 104,
            Problem::DepartmentNotYours { .. } => 105,
            Problem::EmployeeRowDiffers { .. } => 106,
            Problem::NamesakeInFile { .. } => 144,
            Problem::NamesakeInCompany { .. } => 145,
            Problem::ChangeInHand => 146,
            Problem::NothingSelected => 147,
            Problem::TooManyLines { .. } => 148,
            Problem::NoValueTaken => 149,
            Problem::NothingChanges => 150,
            Problem::OutsideRightsNow => 151,
            Problem::NothingToRun => 152,
            Problem::OperationEnded => 153,
            Problem::NothingFailed => 154,
            Problem::NoDepartmentNamed { .. } => 155,
            Problem::DepartmentNameTwice { .. } => 156,
            Problem::ListGone => 157,
            Problem::NoValueForLine => 158,
            Problem::TooManyLists { .. } => 159,
            Problem::FileEmpty => 107,
            Problem::FileTooManyRows { .. } => 108,
            Problem::FileTooManyCells { .. } => 109,
            Problem::FileTooManyColumns { .. } => 110,
            Problem::NoSuchSheet { .. } => 111,
            Problem::NotASpreadsheet => 112,
            Problem::FileEncrypted => 113,
            Problem::FileDamaged => 114,
            Problem::FileUnreadable { .. } => 115,
            Problem::NoHeaderRow => 116,
            Problem::FileHasErrors => 117,
            Problem::StalePreview => 118,
            Problem::AppliedAlready => 119,
            Problem::FullSyncOnlyAdmins => 120,
            Problem::NotFound => 121,
            Problem::RangeShape => 122,
            Problem::RangeReversed => 123,
            Problem::RangeTooLong { .. } => 124,
            Problem::TariffNotForBusiness { .. } => 125,
            Problem::NoBusinessTariffs => 126,
            Problem::NoNumbers => 127,
            Problem::NumberListedTwice { .. } => 128,
            Problem::NumbersTaken { .. } => 129,
            Problem::InField { .. } => 130,
            Problem::UnknownAction { .. } => 131,
            Problem::UnknownSort { .. } => 132,
            Problem::UnknownFormat { .. } => 133,
            Problem::UnknownEncoding => 134,
            Problem::TooManyRows { .. } => 135,
            Problem::NoDepartment { .. } => 136,
            Problem::FileTooLarge { .. } => 137,
            Problem::BadForm { .. } => 138,
            Problem::NotDeleted => 139,
            Problem::InRow { .. } => 140,
            Problem::Stored { .. } => 141,
            Problem::UnknownPageSize { .. } => 142,
            Problem::AlreadyMember => 143,
        }
    }

    fn samples() -> Vec<Problem> {
        vec![
            Problem::Required,
            Problem::TooLong { max: 2 },
            Problem::ControlCharacters,
            Problem::NotAnEmail { input: "x".into() },
            Problem::NotADate { input: "x".into() },
            Problem::NotAMonth { input: "x".into() },
            Problem::DateInThePast,
            Problem::NotAnId { input: "x".into() },
            Problem::NumberMissing,
            Problem::NumberCharacter { character: 'x' },
            Problem::NumberTooShort { input: "x".into() },
            Problem::NumberTooLong { input: "x".into() },
            Problem::NumberNotRussian { input: "x".into() },
            Problem::NumberNotMobile { input: "x".into() },
            Problem::AmountMissing,
            Problem::NotAnAmount { input: "x".into() },
            Problem::AmountNegative,
            Problem::AmountTooPrecise,
            Problem::AmountTooLarge,
            Problem::IccidMissing,
            Problem::IccidNotDigits,
            Problem::IccidLength { digits: 2 },
            Problem::IccidPrefix,
            Problem::IccidCheckDigit,
            Problem::IdMissing {
                what: CompanyIdKind::Inn,
            },
            Problem::IdNotDigits {
                what: CompanyIdKind::Inn,
            },
            Problem::IdLength {
                what: CompanyIdKind::Inn,
                digits: 2,
                wanted: vec![10, 12],
            },
            Problem::IdCheckDigit {
                what: CompanyIdKind::Inn,
            },
            Problem::KppShape,
            Problem::UnknownStatus { input: "x".into() },
            Problem::UnknownBlockReason { input: "x".into() },
            Problem::UnknownLimitAction { input: "x".into() },
            Problem::LineTerminated,
            Problem::BlockedByOperator,
            Problem::AlreadySuspended,
            Problem::NotSuspended,
            Problem::AlreadyBlocked,
            Problem::NotBlocked,
            Problem::LineSuspended,
            Problem::LineBlocked,
            Problem::TariffNotInRegion {
                tariff_code: "x".into(),
            },
            Problem::NoSuchTariff {
                tariff_code: "x".into(),
            },
            Problem::TariffClosed { tariff: "x".into() },
            Problem::AlreadyOnTariff { tariff: "x".into() },
            Problem::NoSuchService {
                service_code: "x".into(),
            },
            Problem::ServiceAlreadyOn {
                service: Name {
                    ru: "Гудок".into(),
                    en: "Beep".into(),
                },
            },
            Problem::ServiceClosed {
                service: Name {
                    ru: "Гудок".into(),
                    en: "Beep".into(),
                },
            },
            Problem::ServiceNotForTariff {
                service: Name {
                    ru: "Гудок".into(),
                    en: "Beep".into(),
                },
                tariff: "x".into(),
            },
            Problem::ServiceClashes {
                service: Name {
                    ru: "Гудок".into(),
                    en: "Beep".into(),
                },
                enabled: vec![Name {
                    ru: "Гудок".into(),
                    en: "Beep".into(),
                }],
            },
            Problem::ServiceNotOn {
                service: Name {
                    ru: "Гудок".into(),
                    en: "Beep".into(),
                },
            },
            Problem::SimUsed { iccid: "x".into() },
            Problem::LimitZero,
            Problem::LimitTooLarge { max_kop: 2 },
            Problem::NoLimit,
            Problem::NoSuchEmployee,
            Problem::NoSuchDepartment,
            Problem::DepartmentOutsideRights,
            Problem::KeyLength,
            Problem::KeyReused,
            Problem::NotTheCompanysLine,
            Problem::ChangedMeanwhile,
            Problem::NotApplied {
                why: Box::new(Problem::Required),
            },
            Problem::NetworkTimeout,
            Problem::NetworkUnreachable,
            Problem::NetworkAnswered {
                status: 503,
                body: "x".into(),
            },
            Problem::NetworkClient { detail: "x".into() },
            Problem::Internal,
            Problem::NoSuchRole { role: "x".into() },
            Problem::LastAdmin,
            Problem::CannotBlockSelf,
            Problem::AdminsBlock,
            Problem::NoRightChosen,
            Problem::IsAdmin,
            Problem::IsAccountant,
            Problem::AlreadyMember,
            Problem::TooManyInvitations { minutes: 2 },
            Problem::NoSuchRight {
                right_code: "x".into(),
            },
            Problem::NotAPhoneNumber { input: "x".into() },
            Problem::NotTheCompanysNumber { number: "x".into() },
            Problem::NoScopeChosen,
            Problem::RightNotHeld { right: "x".into() },
            Problem::RightOnlyAdmins { right: "x".into() },
            Problem::RightEndsSooner {
                right: "x".into(),
                last_day: "x".into(),
            },
            Problem::DepartmentOutsideRight {
                id: 2,
                right: "x".into(),
            },
            Problem::LinesOutsideRight { right: "x".into() },
            Problem::TokenOnlyAdmins,
            Problem::DepartmentNameTaken,
            Problem::DepartmentInItself,
            Problem::DepartmentNotEmpty {
                name: "x".into(),
                departments: 2,
                lines: 2,
                employees: 2,
            },
            Problem::PersonnelNumberTaken,
            Problem::UnknownRegion { region: "x".into() },
            Problem::CompanyExists,
            Problem::StaffNumber,
            Problem::NumberRegistered,
            Problem::IsStaff,
            Problem::StillMember { companies: 2 },
            Problem::PasswordTooShort { min: 2 },
            Problem::PasswordTooLong,
            Problem::PasswordCommon,
            Problem::NoPhoneColumn,
            Problem::NameTooLong { max: 2 },
            Problem::LimitTooLargeInput { input: "x".into() },
            Problem::NumberTwice {
                number: "x".into(),
                first_row: 2,
            },
            Problem::PersonnelNumberShared { number: "x".into() },
            Problem::NameShared {
                count: 2,
                name: "x".into(),
            },
            Problem::NotALine {
                number: "x".into(),
                or_outside_rights: true,
            },
            Problem::DepartmentNotYours { path: "x".into() },
            Problem::EmployeeRowDiffers {
                name: "x".into(),
                first_row: 2,
            },
            Problem::NamesakeInFile {
                name: "x".into(),
                first_row: 2,
            },
            Problem::NamesakeInCompany { name: "x".into() },
            Problem::ChangeInHand,
            Problem::NothingSelected,
            Problem::TooManyLines { max: 2 },
            Problem::NoValueTaken,
            Problem::NothingChanges,
            Problem::OutsideRightsNow,
            Problem::NothingToRun,
            Problem::OperationEnded,
            Problem::NothingFailed,
            Problem::NoDepartmentNamed {
                name: "Store".into(),
            },
            Problem::DepartmentNameTwice {
                name: "Store".into(),
            },
            Problem::ListGone,
            Problem::NoValueForLine,
            Problem::TooManyLists { max: 2 },
            Problem::FileEmpty,
            Problem::FileTooManyRows { max: 2 },
            Problem::FileTooManyCells { max: 2 },
            Problem::FileTooManyColumns { row: 2, max: 2 },
            Problem::NoSuchSheet { name: "x".into() },
            Problem::NotASpreadsheet,
            Problem::FileEncrypted,
            Problem::FileDamaged,
            Problem::FileUnreadable { detail: "x".into() },
            Problem::NoHeaderRow,
            Problem::FileHasErrors,
            Problem::StalePreview,
            Problem::AppliedAlready,
            Problem::FullSyncOnlyAdmins,
            Problem::NotFound,
            Problem::RangeShape,
            Problem::RangeReversed,
            Problem::RangeTooLong { max: 2 },
            Problem::TariffNotForBusiness {
                tariff_code: "x".into(),
            },
            Problem::NoBusinessTariffs,
            Problem::NoNumbers,
            Problem::NumberListedTwice { number: "x".into() },
            Problem::NumbersTaken {
                first: "x".into(),
                ours: true,
                count: 2,
            },
            Problem::InField {
                field: "x".into(),
                problem: Box::new(Problem::Required),
            },
            Problem::UnknownAction { input: "x".into() },
            Problem::UnknownSort { input: "x".into() },
            Problem::UnknownPageSize { input: "x".into() },
            Problem::UnknownFormat { input: "x".into() },
            Problem::UnknownEncoding,
            Problem::TooManyRows { max: 2 },
            Problem::NoDepartment { id: 2 },
            Problem::FileTooLarge { max_mb: 2 },
            Problem::BadForm { detail: "x".into() },
            Problem::NotDeleted,
            Problem::InRow {
                row: 2,
                problem: Box::new(Problem::Required),
            },
            Problem::Stored { text: "x".into() },
        ]
    }

    /// Every kind of problem says its values in both languages: no placeholder left, no
    /// Russian in the English (but the Russian names it was given), Russian in the Russian.
    #[test]
    fn every_problem_is_said_in_both_languages() {
        let samples = samples();
        let mut seen: Vec<usize> = samples.iter().map(index).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 160, "a sample of every kind");
        let russian = |s: &str| s.chars().any(|c| matches!(c, 'а'..='я' | 'А'..='Я'));
        for p in &samples {
            let (ru, en) = (say(p, Lang::Ru), say(p, Lang::En));
            for said in [&ru, &en] {
                assert!(
                    !said.is_empty() && !said.contains('{') && !said.contains('?'),
                    "{p:?}: {said}"
                );
            }
            if matches!(p, Problem::Stored { .. }) {
                continue;
            }
            assert!(russian(&ru), "{p:?}: not Russian: {ru}");
            assert!(
                !russian(&en.replace("Гудок", "").replace("«Телефон», «Номер»", "")),
                "{p:?}: Russian in English: {en}"
            );
        }
    }

    #[test]
    fn counts_take_the_russian_plural() {
        let chars = |n| say(&Problem::TooLong { max: n }, Lang::Ru);
        assert_eq!(chars(1), "не длиннее 1 символа");
        assert_eq!(chars(50), "не длиннее 50 символов");
        let held = |lines| {
            say(
                &Problem::DepartmentNotEmpty {
                    name: "Склад".into(),
                    departments: 0,
                    lines,
                    employees: 21,
                },
                Lang::Ru,
            )
        };
        assert_eq!(
            held(2),
            "нельзя удалить «Склад»: в нём 2 номера, 21 сотрудник. Сначала перенесите их."
        );
        assert_eq!(
            held(11),
            "нельзя удалить «Склад»: в нём 11 номеров, 21 сотрудник. Сначала перенесите их."
        );
    }
}
