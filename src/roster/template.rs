//! The import template: the header row to fill, drop-down lists of the company's departments
//! and of the tariffs an import accepts (kept on a second sheet, so long lists fit), and two
//! example rows on a sheet of their own, so that nothing in the sheet to fill is a row to fail.

use rust_xlsxwriter::{DataValidation, Format, Formula, Workbook, XlsxError};

use super::columns::Field;

/// The columns of the template and of the roster download, in order.
pub const COLUMNS: [Field; 9] = [
    Field::FullName,
    Field::Phone,
    Field::Department,
    Field::CostCentre,
    Field::PersonnelNumber,
    Field::Position,
    Field::Email,
    Field::Tariff,
    Field::Limit,
];

pub fn template(departments: &[String], tariffs: &[String]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let ws = book.add_worksheet();
    ws.set_name("Сотрудники")?;
    for (c, f) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, f.header(), &bold)?;
        ws.set_column_width(c as u16, 22)?;
    }
    // Phones and personnel numbers as text, so Excel keeps leading zeros and never shows 7.9E+10.
    ws.set_column_format(1, &text)?;
    ws.set_column_format(4, &text)?;
    let examples: [[&str; 9]; 2] = [
        [
            "Иванов Иван Иванович",
            "+7 916 123-45-67",
            departments.first().map_or("Логистика / Склад Москва", |d| {
                d.as_str()
            }),
            "ЦФО-01",
            "00042",
            "Кладовщик",
            "ivanov@example.ru",
            tariffs.first().map_or("", |t| t.as_str()),
            "1500",
        ],
        [
            "",
            "+7 916 765-43-21",
            departments.first().map_or("Логистика", |d| d.as_str()),
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    ];
    ws.set_freeze_panes(1, 0)?;
    let lists = [(2u16, 0u16, departments), (7u16, 1u16, tariffs)];
    for (column, list_column, values) in lists {
        if values.is_empty() {
            continue;
        }
        let letter = char::from(b'A' + list_column as u8);
        let source = format!("=Списки!${letter}$2:${letter}${}", values.len() + 1);
        let rule = DataValidation::new()
            .allow_list_formula(Formula::new(source))
            .ignore_blank(true);
        ws.add_data_validation(1, column, 10_000, column, &rule)?;
    }
    let example_sheet = book.add_worksheet();
    example_sheet.set_name("Пример")?;
    for (c, f) in COLUMNS.iter().enumerate() {
        example_sheet.write_string_with_format(0, c as u16, f.header(), &bold)?;
        example_sheet.set_column_width(c as u16, 22)?;
    }
    for (r, row) in examples.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                example_sheet.write_string((r + 1) as u32, c as u16, *v)?;
            }
        }
    }
    let lists_sheet = book.add_worksheet();
    lists_sheet.set_name("Списки")?;
    lists_sheet.write_string_with_format(0, 0, Field::Department.header(), &bold)?;
    lists_sheet.write_string_with_format(0, 1, Field::Tariff.header(), &bold)?;
    lists_sheet.set_column_width(0, 40)?;
    lists_sheet.set_column_width(1, 30)?;
    for (r, d) in departments.iter().enumerate() {
        lists_sheet.write_string((r + 1) as u32, 0, d)?;
    }
    for (r, t) in tariffs.iter().enumerate() {
        lists_sheet.write_string((r + 1) as u32, 1, t)?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roster::{columns, read, rows};

    #[test]
    fn the_template_reads_back_as_a_roster() {
        let bytes = template(
            &["Логистика".into(), "Логистика / Склад".into()],
            &["Бизнес Старт".into()],
        )
        .unwrap();
        let grid = read::read(&bytes, None).unwrap();
        assert_eq!(grid.sheets, vec!["Сотрудники", "Пример", "Списки"]);
        let layout = columns::layout(&grid.rows, &[]).unwrap();
        assert_eq!(layout.header_row, 0);
        assert!(layout.fields.iter().all(Option::is_some));
        let parsed = rows::parse(&grid.rows, &layout);
        assert!(
            parsed.rows.is_empty() && parsed.problems.is_empty(),
            "the sheet to fill holds no row to fail: {:?}",
            parsed.problems
        );
        let grid = read::read(&bytes, Some("Пример")).unwrap();
        let layout = columns::layout(&grid.rows, &[]).unwrap();
        let parsed = rows::parse(&grid.rows, &layout);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.rows[0].personnel_number, "00042");
        assert_eq!(parsed.rows[0].limit_kop, Some(150_000));
        assert_eq!(parsed.rows[0].tariff.as_deref(), Some("Бизнес Старт"));
    }
}
