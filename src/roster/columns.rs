//! What each column of a roster holds, recognised by its Russian or English header in any
//! order; the header row is found below any title rows.

use serde::{Deserialize, Serialize};

use crate::domain::text::fold;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    FullName,
    LastName,
    FirstName,
    MiddleName,
    Phone,
    Department,
    CostCentre,
    PersonnelNumber,
    Position,
    Email,
    Tariff,
    Limit,
}

impl Field {
    pub const ALL: [Field; 12] = [
        Field::FullName,
        Field::LastName,
        Field::FirstName,
        Field::MiddleName,
        Field::Phone,
        Field::Department,
        Field::CostCentre,
        Field::PersonnelNumber,
        Field::Position,
        Field::Email,
        Field::Tariff,
        Field::Limit,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Field::FullName => "full_name",
            Field::LastName => "last_name",
            Field::FirstName => "first_name",
            Field::MiddleName => "middle_name",
            Field::Phone => "phone",
            Field::Department => "department",
            Field::CostCentre => "cost_centre",
            Field::PersonnelNumber => "personnel_number",
            Field::Position => "position",
            Field::Email => "email",
            Field::Tariff => "tariff",
            Field::Limit => "limit",
        }
    }

    pub fn from_code(code: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.code() == code)
    }

    /// The header the import template writes.
    pub fn header(self) -> &'static str {
        match self {
            Field::FullName => "ФИО",
            Field::LastName => "Фамилия",
            Field::FirstName => "Имя",
            Field::MiddleName => "Отчество",
            Field::Phone => "Телефон",
            Field::Department => "Подразделение",
            Field::CostCentre => "ЦФО",
            Field::PersonnelNumber => "Табельный номер",
            Field::Position => "Должность",
            Field::Email => "E-mail",
            Field::Tariff => "Тариф",
            Field::Limit => "Лимит",
        }
    }
}

/// Headers as companies write them, folded (lowercase, ё → е, punctuation as spaces).
const KNOWN: &[(&str, Field)] = &[
    ("фио", Field::FullName),
    ("ф и о", Field::FullName),
    ("фамилия имя отчество", Field::FullName),
    ("фамилия и о", Field::FullName),
    ("сотрудник", Field::FullName),
    ("работник", Field::FullName),
    ("full name", Field::FullName),
    ("name", Field::FullName),
    ("employee", Field::FullName),
    ("employee name", Field::FullName),
    ("фамилия", Field::LastName),
    ("last name", Field::LastName),
    ("surname", Field::LastName),
    ("family name", Field::LastName),
    ("имя", Field::FirstName),
    ("first name", Field::FirstName),
    ("given name", Field::FirstName),
    ("отчество", Field::MiddleName),
    ("middle name", Field::MiddleName),
    ("patronymic", Field::MiddleName),
    ("телефон", Field::Phone),
    ("номер", Field::Phone),
    ("номер телефона", Field::Phone),
    ("абонентский номер", Field::Phone),
    ("номер абонента", Field::Phone),
    ("мобильный", Field::Phone),
    ("мобильный телефон", Field::Phone),
    ("моб телефон", Field::Phone),
    ("тел", Field::Phone),
    ("phone", Field::Phone),
    ("phone number", Field::Phone),
    ("mobile", Field::Phone),
    ("msisdn", Field::Phone),
    ("подразделение", Field::Department),
    ("структурное подразделение", Field::Department),
    ("отдел", Field::Department),
    ("департамент", Field::Department),
    ("department", Field::Department),
    ("division", Field::Department),
    ("цфо", Field::CostCentre),
    ("мвз", Field::CostCentre),
    ("центр затрат", Field::CostCentre),
    ("центр финансовой ответственности", Field::CostCentre),
    ("место возникновения затрат", Field::CostCentre),
    ("cost centre", Field::CostCentre),
    ("cost center", Field::CostCentre),
    ("табельный номер", Field::PersonnelNumber),
    ("таб номер", Field::PersonnelNumber),
    ("таб №", Field::PersonnelNumber),
    ("табельный №", Field::PersonnelNumber),
    ("табельный", Field::PersonnelNumber),
    ("personnel number", Field::PersonnelNumber),
    ("employee id", Field::PersonnelNumber),
    ("employee number", Field::PersonnelNumber),
    ("должность", Field::Position),
    ("position", Field::Position),
    ("job title", Field::Position),
    ("e mail", Field::Email),
    ("email", Field::Email),
    ("эл почта", Field::Email),
    ("электронная почта", Field::Email),
    ("почта", Field::Email),
    ("тариф", Field::Tariff),
    ("тарифный план", Field::Tariff),
    ("tariff", Field::Tariff),
    ("tariff plan", Field::Tariff),
    ("лимит", Field::Limit),
    ("лимит расходов", Field::Limit),
    ("лимит в месяц", Field::Limit),
    ("limit", Field::Limit),
    ("spend limit", Field::Limit),
    ("monthly limit", Field::Limit),
];

/// A header folded for matching: lowercase, ё → е, anything but letters, digits and `№` as one
/// space; a trailing unit in parentheses is dropped ("Лимит (руб.)" is "лимит").
pub fn normalize(header: &str) -> String {
    let without_unit = match header.find('(') {
        Some(i) if i > 0 => &header[..i],
        _ => header,
    };
    fold(without_unit)
        .split(|c: char| !(c.is_alphanumeric() || c == '№'))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn recognise(header: &str) -> Option<Field> {
    let key = normalize(header);
    KNOWN.iter().find(|(k, _)| *k == key).map(|(_, f)| *f)
}

/// Where the header is and what each column holds (`None`: not recognised).
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Index into the grid's rows.
    pub header_row: usize,
    pub headers: Vec<String>,
    pub fields: Vec<Option<Field>>,
}

/// Rows looked at for the header.
const HEADER_SEARCH: usize = 30;

/// Finds the header row among the first rows: the first with a phone column and another known
/// one, else the one with the most known columns, else the first row that is not empty (its
/// columns to be mapped by hand). `remembered` maps folded headers the company mapped before.
pub fn layout(rows: &[Vec<String>], remembered: &[(String, Field)]) -> Option<Layout> {
    let fields_of = |row: &Vec<String>| -> Vec<Option<Field>> {
        row.iter()
            .map(|h| {
                let key = normalize(h);
                remembered
                    .iter()
                    .find(|(k, _)| *k == key && !key.is_empty())
                    .map(|(_, f)| *f)
                    .or_else(|| recognise(h))
            })
            .collect()
    };
    let candidates = rows.iter().enumerate().take(HEADER_SEARCH);
    let mut best: Option<(usize, usize)> = None;
    for (i, row) in candidates {
        let fields = fields_of(row);
        let known = fields.iter().flatten().count();
        if known >= 2 && fields.contains(&Some(Field::Phone)) {
            best = Some((i, known));
            break;
        }
        if known >= 2 && best.is_none_or(|(_, k)| known > k) {
            best = Some((i, known));
        }
    }
    let header_row = match best {
        Some((i, _)) => i,
        None => rows
            .iter()
            .position(|r| r.iter().any(|c| !c.trim().is_empty()))?,
    };
    let headers: Vec<String> = rows[header_row]
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    Some(Layout {
        header_row,
        fields: fields_of(&rows[header_row]),
        headers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn headers_in_either_language_and_any_spelling() {
        assert_eq!(recognise("  ФИО "), Some(Field::FullName));
        assert_eq!(recognise("Ф.И.О."), Some(Field::FullName));
        assert_eq!(recognise("Абонентский номер"), Some(Field::Phone));
        assert_eq!(recognise("E-mail"), Some(Field::Email));
        assert_eq!(recognise("Табельный №"), Some(Field::PersonnelNumber));
        assert_eq!(recognise("Таб. №"), Some(Field::PersonnelNumber));
        assert_eq!(recognise("Лимит (руб.)"), Some(Field::Limit));
        assert_eq!(recognise("Cost Center"), Some(Field::CostCentre));
        assert_eq!(recognise("ЦФО / МВЗ"), None);
        assert_eq!(recognise("Примечание"), None);
        for f in Field::ALL {
            assert_eq!(recognise(f.header()), Some(f), "the template's own header");
            assert_eq!(Field::from_code(f.code()), Some(f));
        }
    }

    #[test]
    fn the_header_row_is_found_below_title_rows() {
        let rows = vec![
            row(&["ООО «Ромашка»"]),
            row(&["Список сотрудников на 01.03.2026"]),
            row(&[]),
            row(&["№", "Фамилия", "Имя", "Отчество", "Телефон", "Примечание"]),
            row(&["1", "Иванов", "Иван", "Иванович", "+79123456789", ""]),
        ];
        let l = layout(&rows, &[]).unwrap();
        assert_eq!(l.header_row, 3);
        assert_eq!(
            l.fields,
            vec![
                None,
                Some(Field::LastName),
                Some(Field::FirstName),
                Some(Field::MiddleName),
                Some(Field::Phone),
                None
            ]
        );
    }

    #[test]
    fn unknown_headers_use_what_the_company_mapped_before() {
        let rows = vec![row(&["Сотр.", "Моб.номер (корп.)"])];
        assert_eq!(layout(&rows, &[]).unwrap().fields, vec![None, None]);
        let remembered = vec![
            (normalize("Сотр."), Field::FullName),
            (normalize("Моб.номер (корп.)"), Field::Phone),
        ];
        let l = layout(&rows, &remembered).unwrap();
        assert_eq!(l.fields, vec![Some(Field::FullName), Some(Field::Phone)]);
    }
}
