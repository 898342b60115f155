//! Roster rows: one line assignment each, checked field by field; every problem names its
//! row (as the spreadsheet numbers it), its column (by the file's own header) and the reason.

use std::sync::Arc;

use foldhash::HashMap;

use crate::domain::{Money, Msisdn, Problem};

use super::columns::{Field, Layout};

/// One line assignment as the file gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterRow {
    /// The spreadsheet's row number (1-based).
    pub row: usize,
    pub msisdn: Msisdn,
    /// Empty: the line has no employee (a modem, a spare).
    pub full_name: String,
    /// The department path, top first (`Логистика / Склад Москва`); empty: none. Shared by the
    /// rows that spell it the same way (a company has dozens of departments and 100,000 rows).
    pub department: Arc<[String]>,
    pub cost_centre: String,
    pub personnel_number: String,
    pub position: String,
    pub email: String,
    pub tariff: Option<String>,
    pub limit_kop: Option<i64>,
    /// The row has problems of its own (a malformed cell, a number given twice): it is still
    /// checked against the company's records, so that every problem of the row is told at
    /// once, but nothing of it is applied.
    pub flawed: bool,
}

impl RosterRow {
    /// Personnel numbers match ignoring leading zeros (`42` is `00042`).
    pub fn personnel_key(&self) -> String {
        personnel_key(&self.personnel_number)
    }
}

pub use crate::domain::text::personnel_key;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub row: usize,
    /// The column's header as the file writes it (empty: the row as a whole).
    pub column: String,
    pub problem: Problem,
}

#[derive(Debug, Default)]
pub struct Parsed {
    /// Every row with a readable number, the flawed ones included.
    pub rows: Vec<RosterRow>,
    pub problems: Vec<RowProblem>,
    /// Rows with a problem (each counted once).
    pub bad_rows: usize,
}

const MAX_TEXT: usize = 200;
/// A monthly limit above this is a typo, not a limit.
const MAX_LIMIT_KOP: i64 = 100_000_000;

/// The whole cell text cleaned: non-breaking spaces as spaces, runs of space as one.
fn clean(s: &str) -> String {
    // Most cells are already clean: single spaces between words and none around them.
    let mut after_space = true;
    let tidy = s.chars().all(|c| {
        let ok = !c.is_whitespace() || (c == ' ' && !after_space);
        after_space = c == ' ';
        ok
    }) && !s.ends_with(' ');
    if tidy {
        return s.to_owned();
    }
    clean_fully(s)
}

fn clean_fully(s: &str) -> String {
    s.replace(['\u{a0}', '\u{202f}'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_totals(cells: &[String]) -> bool {
    let may_be = |c: &&String| {
        matches!(
            c.trim_start().chars().next(),
            Some('И' | 'и' | 'В' | 'в' | 'T' | 't')
        )
    };
    cells.iter().filter(may_be).any(|c| {
        let f = crate::domain::text::fold(c.trim());
        f.starts_with("итого") || f.starts_with("всего") || f == "total" || f.starts_with("total:")
    })
}

/// Paths remembered while parsing: more different ones than this, and each row keeps its own.
const PATHS_SHARED: usize = 10_000;

/// A department cell as its path (`Логистика / Склад` → both names), the one already made for
/// the same spelling if there is one.
fn path(paths: &mut HashMap<String, Arc<[String]>>, cell: String) -> Arc<[String]> {
    if let Some(p) = paths.get(&cell) {
        return Arc::clone(p);
    }
    let p: Arc<[String]> = cell
        .split(['/', '\\', '>'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    if paths.len() < PATHS_SHARED {
        paths.insert(cell, Arc::clone(&p));
    }
    p
}

/// Reads the rows under the header with the columns as laid out.
pub fn parse(grid_rows: &[Vec<String>], layout: &Layout) -> Parsed {
    let column_of = |field: Field| layout.fields.iter().position(|f| *f == Some(field));
    let mut out = Parsed::default();
    if column_of(Field::Phone).is_none() {
        out.problems.push(RowProblem {
            row: layout.header_row + 1,
            column: String::new(),
            problem: Problem::NoPhoneColumn,
        });
        return out;
    }
    let mut seen: HashMap<Msisdn, usize> = HashMap::default();
    out.rows
        .reserve(grid_rows.len().saturating_sub(layout.header_row + 1));
    let mut paths: HashMap<String, Arc<[String]>> = HashMap::default();
    for (i, cells) in grid_rows.iter().enumerate().skip(layout.header_row + 1) {
        let row = i + 1;
        if cells.iter().all(|c| c.trim().is_empty()) || is_totals(cells) {
            continue;
        }
        let get = |field: Field| -> String {
            column_of(field)
                .and_then(|c| cells.get(c))
                .map(|c| clean(c))
                .unwrap_or_default()
        };
        let header = |field: Field| -> String {
            column_of(field)
                .and_then(|c| layout.headers.get(c).cloned())
                .unwrap_or_else(|| field.header().to_owned())
        };
        let mut problems: Vec<RowProblem> = Vec::new();
        let mut problem = |field: Field, problem: Problem| {
            problems.push(RowProblem {
                row,
                column: header(field),
                problem,
            })
        };

        let msisdn = match Msisdn::parse(&get(Field::Phone)) {
            Ok(m) => Some(m),
            Err(e) => {
                problem(Field::Phone, e.0);
                None
            }
        };
        let full_name = if column_of(Field::FullName).is_some() {
            get(Field::FullName)
        } else {
            [Field::LastName, Field::FirstName, Field::MiddleName]
                .into_iter()
                .map(get)
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let texts = [
            (Field::FullName, &full_name),
            (Field::CostCentre, &get(Field::CostCentre)),
            (Field::PersonnelNumber, &get(Field::PersonnelNumber)),
            (Field::Position, &get(Field::Position)),
        ];
        for (field, text) in texts {
            if text.chars().count() > MAX_TEXT {
                problem(field, Problem::TooLong { max: MAX_TEXT });
            }
        }
        let department = path(&mut paths, get(Field::Department));
        if department.iter().any(|d| d.chars().count() > MAX_TEXT) {
            problem(Field::Department, Problem::NameTooLong { max: MAX_TEXT });
        }
        let email = get(Field::Email);
        if !email.is_empty() && !looks_like_email(&email) {
            problem(
                Field::Email,
                Problem::NotAnEmail {
                    input: email.clone(),
                },
            );
        }
        let tariff = Some(get(Field::Tariff)).filter(|t| !t.is_empty());
        let limit_text = get(Field::Limit);
        let limit_kop = if limit_text.is_empty() {
            None
        } else {
            match Money::parse(&limit_text) {
                Ok(m) if m.kopecks() > MAX_LIMIT_KOP => {
                    problem(
                        Field::Limit,
                        Problem::LimitTooLargeInput {
                            input: limit_text.clone(),
                        },
                    );
                    None
                }
                Ok(m) => Some(m.kopecks()),
                Err(e) => {
                    problem(Field::Limit, e.0);
                    None
                }
            }
        };
        if let Some(m) = &msisdn
            && let Some(first) = seen.get(m)
        {
            problem(
                Field::Phone,
                Problem::NumberTwice {
                    number: m.display(),
                    first_row: *first,
                },
            );
        }
        let flawed = !problems.is_empty();
        if let Some(m) = &msisdn {
            if flawed {
                seen.entry(m.clone()).or_insert(row);
            } else {
                seen.insert(m.clone(), row);
            }
        }
        if flawed {
            out.bad_rows += 1;
            out.problems.extend(problems);
        }
        if let Some(msisdn) = msisdn {
            out.rows.push(RosterRow {
                row,
                msisdn,
                full_name,
                department,
                cost_centre: get(Field::CostCentre),
                personnel_number: get(Field::PersonnelNumber),
                position: get(Field::Position),
                email,
                tariff,
                limit_kop,
                flawed,
            });
        }
    }
    out
}

fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(p: &RowProblem) -> String {
        crate::web::i18n::problems::in_row(p, crate::web::i18n::Lang::Ru)
    }
    use crate::roster::columns::layout;

    proptest::proptest! {
        /// The shortcut for clean cells gives what the full cleaning gives.
        #[test]
        fn clean_cells_take_the_shortcut_unchanged(s in "[ a-zА-я\u{a0}\u{202f}\t\n]{0,12}") {
            proptest::prop_assert_eq!(clean(&s), clean_fully(&s));
        }
    }

    fn grid(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn rows_read_with_every_problem_named() {
        let g = grid(&[
            &["Список на 01.03.2026"],
            &[
                "ФИО",
                "Телефон",
                "Подразделение",
                "Табельный номер",
                "E-mail",
                "Лимит",
            ],
            &[
                "Иванов Иван",
                "8 (912) 345-67-89",
                "Логистика / Склад Москва",
                "00042",
                "",
                "1 500,50",
            ],
            &["", "", "", "", "", ""],
            &["Петров Пётр", "12345", "", "", "petrov@", "-5"],
            &["Сидоров", "+7 912 345 67 89", "", "", "", ""],
            &["", "9123450000", "Склад", "", "", ""],
            &["Итого", "3", "", "", "", ""],
        ]);
        let l = layout(&g, &[]).unwrap();
        let p = parse(&g, &l);
        let clean: Vec<&RosterRow> = p.rows.iter().filter(|r| !r.flawed).collect();
        assert_eq!(clean.len(), 2);
        let flawed: Vec<usize> = p.rows.iter().filter(|r| r.flawed).map(|r| r.row).collect();
        assert_eq!(
            flawed,
            [6],
            "a row whose number reads is kept, to be checked further"
        );
        let ivanov = clean[0];
        assert_eq!(ivanov.row, 3);
        assert_eq!(ivanov.msisdn.as_str(), "+79123456789");
        assert_eq!(*ivanov.department, ["Логистика", "Склад Москва"]);
        assert_eq!(ivanov.personnel_key(), "42");
        assert_eq!(ivanov.limit_kop, Some(150_050));
        assert_eq!(clean[1].full_name, "", "a line without an employee");
        let texts: Vec<String> = p.problems.iter().map(said).collect();
        assert_eq!(
            texts,
            vec![
                "Строка 5, «Телефон»: номер 12345 — слишком короткий",
                "Строка 5, «E-mail»: «petrov@» — не адрес электронной почты",
                "Строка 5, «Лимит»: сумма не может быть отрицательной",
                "Строка 6, «Телефон»: номер +7 912 345-67-89 уже есть в строке 3",
            ]
        );
        assert_eq!(p.bad_rows, 2);
    }

    #[test]
    fn names_from_three_columns_and_no_phone_column() {
        let g = grid(&[
            &["Фамилия", "Имя", "Отчество", "Номер"],
            &["Иванова", "Анна", "", "9161234567"],
        ]);
        let p = parse(&g, &layout(&g, &[]).unwrap());
        assert_eq!(p.rows[0].full_name, "Иванова Анна");
        let g = grid(&[&["ФИО", "Должность"], &["Иванова Анна", "Инженер"]]);
        let p = parse(&g, &layout(&g, &[]).unwrap());
        assert!(p.rows.is_empty());
        assert!(said(&p.problems[0]).starts_with("Строка 1: нет столбца с номером"));
    }

    #[test]
    fn personnel_numbers_ignore_leading_zeros() {
        assert_eq!(personnel_key("00042"), "42");
        assert_eq!(personnel_key(" 42 "), "42");
        assert_eq!(personnel_key("000"), "0");
        assert_eq!(personnel_key(""), "");
    }
}
